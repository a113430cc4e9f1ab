// What each feature costs a program that only registers: the stubs
// bench/size.mjs's measureFeatures() bundles in place of each feature's code.
// A stub names a declaration by its chain of named ancestors
// ("Registry.removeAll", "listen.onUncaught") and gives its new `body` (a
// function's statements) or `value` (an initializer's expression), or it
// replaces one exact piece of source text (`find`, which must occur exactly
// once). A stub that no longer applies fails the bench, so a row never
// silently measures nothing. Each stub keeps the rest of the program working;
// it leaves out the feature and the code only the feature uses.
//
// `estimate`: the stub also leaves out (or keeps) a little code the feature
// shares with another, so the figure is near, not exact.

const both = ["node", "browser"];
const node = ["node"];
const browser = ["browser"];

export const features = [
  // One row per configure key.
  {
    feature: "`timeout` / `totalTimeout` (the awaited run's limits)",
    where: "src/run.ts callAwaited, callOne, awaitWork",
    platforms: node,
    stubs: {
      "src/run.ts": [
        { name: "callAwaited", body: "for (let entry = source.take(); entry; entry = source.take()) { const pending = callOne(source, entry, trigger, 0); if (pending) await pending; }" },
        { name: "callOne.deadline", body: "return signalThatNeverAborts();" },
        {
          find: "    if (ms < MAX_TIMER_MS) {\n      timer = setTimeout(() => {\n        expired = timeoutError(`${TIMEOUT_PREFIX}\"${nameOf(entry)}\" did not finish within ${Math.round(ms)} ms`);\n        controller?.abort(expired);\n        reject(expired);\n      }, ms);\n    }\n",
          replace: "",
        },
        { find: "  const ms = Math.max(0, Math.min(config.timeout, run.startedAt + config.totalTimeout - at));\n", replace: "  const ms = 0;\n" },
      ],
    },
  },
  {
    feature: "`onError` (callback failures go to a configurable reporter)",
    where: "src/run.ts report",
    platforms: both,
    estimate: true,
    stubs: {
      "src/run.ts": [
        { find: 'import { nameOf, TIMEOUT_PREFIX } from "./report.ts";', replace: 'import { nameOf, printError, TIMEOUT_PREFIX } from "./report.ts";' },
        { name: "report", body: "source.run.failed = true; printError(error, event, name);" },
      ],
    },
  },
  {
    feature: "`errorExitCode`",
    where: "src/run.ts finalStatus",
    platforms: node,
    stubs: { "src/run.ts": [{ name: "finalStatus", body: "return result.exitRequested ? (result.exitCode ?? status) : status;" }] },
  },
  {
    feature: "`duplicateSignalWindow` (a watcher's duplicate delivery ignored)",
    where: "adapters/_signal.ts signalHandler.onDuplicate",
    platforms: node,
    stubs: {
      "adapters/_signal.ts": [
        { name: "signalHandler.onDuplicate", value: "undefined" },
        { find: "      if (signal === first.signal && gap < registry.config.duplicateSignalWindow) return onDuplicate(signal, gap);\n", replace: "" },
        { find: "      const gap = at - first.at;\n", replace: "" },
      ],
    },
  },
  {
    feature: "`extraSignals`",
    where: "adapters/_signals.ts posixSignals, adapters/_node.ts listen",
    platforms: node,
    stubs: {
      "adapters/_node.ts": [{ find: "exitSignals(proc.platform, config.extraSignals)", replace: "exitSignals(proc.platform)" }],
      "adapters/_signals.ts": [{ find: '"SIGXCPU", ...extras]', replace: '"SIGXCPU"]' }],
    },
  },
  {
    feature: "`awaitCrash` (an uncaught error's callbacks awaited)",
    where: "adapters/_engine.ts exitPaths.awaitCrash, adapters/_node.ts takeOver, listen.onUncaught",
    platforms: node,
    stubs: {
      "adapters/_engine.ts": [{ name: "exitPaths.awaitCrash", body: "return false;" }],
      "adapters/_node.ts": [
        { name: "takeOver", body: "return () => {};" },
        { name: "listen.onUncaught", value: "undefined" },
        { find: '    ...(config.awaitCrash ? [["uncaughtException", onUncaught] as const] : []),\n', replace: "" },
        { name: "listen.ownCrashListeners", value: "0" },
      ],
    },
  },
  {
    feature: "`shutdownMessage` (a supervisor's message ends the program)",
    where: "adapters/_engine.ts exitPaths.message, adapters/_node.ts listen (the IPC channel)",
    platforms: node,
    stubs: {
      "adapters/_engine.ts": [{ name: "exitPaths.message", body: "" }],
      "adapters/_node.ts": [
        { name: "listen.ipc", value: "undefined as ChannelLike | undefined" },
        { name: "nodeQuirks", value: '(proc: ProcessLike): ProcessQuirks => ({ runtime: "node", flush: () => (mayHaveStdio(proc) ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve()), printCrash: (_reason, error) => { console.error(error); console.error(`\\nNode.js ${proc.version ?? ""}`); }, releaseChannel: () => {} })' },
      ],
    },
  },

  // The other features on the register path.
  {
    feature: "register's `signal` option (an AbortSignal removes the registration)",
    where: "src/registry.ts Registry.add, Registry.#retire; src/validate.ts registerChecks.signal",
    platforms: both,
    stubs: {
      "src/registry.ts": [
        { find: "    const { signal } = options;\n", replace: "" },
        { find: "    if (signal) {", replace: "    if (false) {" },
        // The branch `if (false)` leaves is dropped by the minifier; what is left is the retiring's part.
        { find: "    entry.unlisten?.();\n", replace: "" },
      ],
      "src/validate.ts": [{ name: "registerChecks.signal", body: "return value;" }],
    },
  },
  {
    feature: "`unregister(fn)` (every registration of a function)",
    where: "src/registry.ts Registry.removeAll",
    platforms: both,
    stubs: { "src/registry.ts": [{ name: "Registry.removeAll", body: "return 0;" }] },
  },
  {
    feature: "`clear()`",
    where: "src/registry.ts Registry.clear",
    platforms: both,
    stubs: { "src/registry.ts": [{ name: "Registry.clear", body: "" }] },
  },
  {
    feature: "register's `first`, `last` and `once` options",
    where: "src/registry.ts (the first and last stacks), src/validate.ts registerChecks, checkRegisterOptions",
    platforms: both,
    estimate: true,
    stubs: {
      "src/registry.ts": [
        { name: "Registry.#stackOf", body: "return this.#stacks[0]!;" },
        { find: "[[], [], []]", replace: "[[]]" },
        {
          find: "    const [first, ordinary, last] = this.#stacks;\n    for (;;) {\n      const entry = first!.pop() ?? ordinary!.pop() ?? last!.pop();\n",
          replace: "    for (;;) {\n      const entry = this.#stacks[0]!.pop();\n",
        },
        { find: "if (own.keep && !entry.options.once)", replace: "if (own.keep)" },
      ],
      "src/validate.ts": [
        { name: "registerChecks.first", value: "duration" },
        { name: "registerChecks.last", value: "duration" },
        { name: "registerChecks.once", value: "duration" },
        { name: "checkRegisterOptions", body: "return checkOptions(\"register\", options, registerChecks) as RegisterOptions;" },
      ],
    },
  },
  {
    feature: "argument validation (register's callback and options)",
    where: "src/api.ts registerWith; src/validate.ts",
    platforms: both,
    stubs: {
      "src/api.ts": [
        { find: '  assertCallback("register", callback);\n', replace: "" },
        { find: "  const checked = checkRegisterOptions(options);\n", replace: "  const checked = options ?? {};\n" },
      ],
    },
  },
  {
    feature: "the handle's `Symbol.dispose` (`using`)",
    where: "src/api.ts handleTarget",
    platforms: both,
    stubs: { "src/api.ts": [{ name: "handleTarget", body: "return function (this: SharedRegistry, entry: Entry): boolean { return this.remove(entry); };" }] },
  },
  {
    feature: "page hide episodes (one run per hide, whichever event comes first)",
    where: "src/run.ts runNow; adapters/_browser.ts browserAdapter.listen",
    platforms: browser,
    estimate: true,
    stubs: {
      "src/run.ts": [
        { find: "  const state = slot().state;\n  // An episode's", replace: "  // An episode's" },
        { find: "  if (options.episode && trigger === state.episode) return NOTHING_RAN;\n", replace: "" },
        { find: "  if (options.episode) {\n    // A call of the same episode nested in `begin` (a host that dispatches an\n    // event inside a call) has run it: this one runs nothing.\n    if (trigger === state.episode) {\n      registry.close(run);\n      return NOTHING_RAN;\n    }\n    state.episode = trigger;\n  }\n", replace: "" },
      ],
      "adapters/_browser.ts": [
        { find: "      if (latched) return void runNow(registry, episode, { keep: true, episode: true });\n      latched = true;\n", replace: "" },
        { find: "runNow(registry, episode, { keep: true, episode: true });\n    };", replace: "runNow(registry, episode, { keep: true });\n    };" },
      ],
    },
  },
  {
    feature: "the Firefox take-over (a run the browser cut is finished by the next event)",
    where: "src/run.ts runNow; adapters/_browser.ts browserAdapter.listen",
    platforms: browser,
    stubs: {
      "src/run.ts": [{ find: "options.takeOver === true && !outer.promise", replace: "false" }],
      "adapters/_browser.ts": [{ find: "      if (registry.current) return void runNow(registry, episode, { keep: true, takeOver: trusted });\n", replace: "" }],
    },
  },
  {
    feature: "naming the host where there is no page (a worker, server-side rendering)",
    where: "src/detect.ts detect",
    platforms: browser,
    stubs: { "adapters/_browser.ts": [{ find: "if (!hasPage()) return { runtime: detect() };", replace: 'if (!hasPage()) return { runtime: "worker" };' }] },
  },
  {
    feature: "the wrong-runtime error, with its detection",
    where: "adapters/_process.ts processEntryAdapter; src/detect.ts",
    platforms: node,
    stubs: { "adapters/_process.ts": [{ name: "processEntryAdapter", body: 'const proc = getProcess(); return proc ? make(proc) : { runtime: expected };' }] },
  },
  {
    feature: "the awaited run (natural end, signals: callbacks awaited in turn)",
    where: "src/run.ts runAwaited, callAwaited, callOne, awaitWork",
    platforms: node,
    estimate: true,
    stubs: { "src/run.ts": [{ name: "runAwaited", body: "return Promise.resolve(runSync(registry, trigger));" }] },
  },
  {
    feature: "deferred work awaited before the callbacks (`defer` of any copy)",
    where: "src/run.ts awaitWork",
    platforms: node,
    stubs: { "src/run.ts": [{ find: "      const { deferred } = slot().state;\n      if (deferred) await awaitWork(source, deferred, trigger);\n", replace: "" }] },
  },
  {
    feature: "the stop `ready()` announces to systemd, called as an awaited run begins (`onAwaitedRun` of any copy)",
    where: "src/run.ts runAwaited",
    platforms: node,
    stubs: { "src/run.ts": [{ find: "  // At the very start: before `first` callbacks (a drain's delay) and the deferred work.\n  slot().state.onAwaitedRun?.(run, trigger, registry.config);\n", replace: "" }] },
  },
  {
    feature: "stdout/stderr drained before a forced end",
    where: "adapters/_process.ts flushStdio; adapters/_node.ts mayHaveStdio",
    platforms: node,
    stubs: { "adapters/_node.ts": [{ find: "  flush: () => (mayHaveStdio(proc) ? flushStdio(proc, STDIO_FLUSH_LIMIT_MS) : Promise.resolve()),", replace: "  flush: () => Promise.resolve()," }] },
  },
  {
    feature: "the signal re-raised, or 128+n as PID 1, on Windows and after an unraisable signal",
    where: "adapters/_signal.ts signalHandler.terminate",
    platforms: node,
    stubs: { "adapters/_signal.ts": [{ find: "    if (context.windows || context.pid === 1 || context.unraisable?.includes(signal)) return context.exit(fallback);\n    context.kill(context.pid, signal);\n    setTimeout(() => context.exit(fallback), RERAISE_GRACE_MS);\n", replace: "    context.exit(fallback);\n" }] },
  },
  {
    feature: "a second signal (during the run: the end at once; while the output drains: after it)",
    where: "adapters/_signal.ts signalHandler.onSecondDuringFlush, onSecondDuringRun",
    platforms: node,
    stubs: {
      "adapters/_signal.ts": [
        { name: "signalHandler.onSecondDuringFlush", value: "undefined" },
        { name: "signalHandler.onSecondDuringRun", value: "undefined" },
        { find: "      return flushing ? onSecondDuringFlush(signal, flushing) : onSecondDuringRun(signal);\n", replace: "      return;\n" },
      ],
    },
  },
  {
    feature: "a signal the application listens to is left to it (signal-exit's listeners not counted)",
    where: "adapters/_node.ts processHost.appOwns; adapters/_signal.ts signalExitListeners",
    platforms: node,
    stubs: {
      "adapters/_node.ts": [{ name: "processHost.appOwns", value: "() => false" }],
    },
  },
  {
    feature: "the `exit` listener kept last (it reads the status the program really ends with)",
    where: "adapters/_process.ts keepLast",
    platforms: node,
    stubs: { "adapters/_process.ts": [{ name: "keepLast", body: "return () => {};" }] },
  },
  {
    feature: "crashes observed (uncaught errors run the callbacks, Node's report kept)",
    where: "adapters/_node.ts listen.onCrash; adapters/_engine.ts exitPaths.crash",
    platforms: node,
    estimate: true,
    stubs: {
      "adapters/_node.ts": [
        { name: "listen.onCrash", value: "undefined" },
        { find: '    ["uncaughtExceptionMonitor", onCrash],\n', replace: "" },
      ],
    },
  },
  {
    feature: "`onReport` and the `atexit:report` channel (the exit report)",
    where: "src/exit-report.ts; the observer's calls in src/run.ts; adapters/_engine.ts serverAdapter",
    platforms: both,
    estimate: true,
    stubs: {
      "src/run.ts": [{ name: "registrySource", body: "return { get config() { return registry.config; }, run, take: () => registry.take(run), reportCut: registry.installed?.reportCut };" }],
      "adapters/_engine.ts": [{ find: "      reportRuns(host.runtime);\n", replace: "" }],
    },
  },
  {
    feature: "`ATEXIT_DEBUG` reports",
    where: "adapters/_debug.ts; the debug lines of adapters/_signal.ts",
    platforms: node,
    estimate: true,
    stubs: {
      "adapters/_node.ts": [{ find: "    debug: debugRequested(proc.env?.ATEXIT_DEBUG),", replace: "    debug: false," }],
      "adapters/_engine.ts": [
        { find: "debug: host.debug ? printDebug : undefined", replace: "debug: undefined" },
        { find: "    ...(host.debug && { reportCut: printCut, debug: printDebug }),\n", replace: "" },
      ],
    },
  },
];
