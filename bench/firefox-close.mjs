// Experiment (not part of `npm test`): how reliably does a closing Firefox tab
// deliver the beacons its exit callbacks send? Each page sends three beacons
// (C, B, A) when it is hidden or left; the variants differ only in how they
// hook the page's end, and they take turns, so every variant sees the same
// machine load. A close is "lost" when no beacon of the page arrived.
//
//   node bench/firefox-close.mjs [closes per variant, default 500] [variant,...]
//
// Variants:
//   atexit    atexit's browser entry, from the source as it stands: register() three times
//   atexit@<commit>  the same, from that commit's source
//   raw       plain pagehide and visibilitychange listeners, no latch: each sends all three
//   rewrite   atexit's latch in a dozen lines, without atexit: one run per hide, and a
//             trigger nested in a run carries on with the beacons not sent yet
//   capture   the rewrite with atexit's listener set (capture phase, freeze/resume/pageshow)
//   bundle    the rewrite, with atexit's bundle loaded beside it (evaluated, not used)
//   warm      atexit, its hide path run once at load with the callbacks silent (then re-armed)
//   registry  atexit's registry, driven by the rewrite's two listeners: its run engine alone
//   before, after       the rewrite with ~1 ms of busy work before its first beacon, or after its last
//   alloc, calls        the rewrite with garbage allocated, or 3,000 calls made, before its first beacon
//   mini-private, mini-public, mini-array
//             a registry in miniature in the page (private or public members, a linked or array stack)
//   plainevent, nocatch, nothen, noend, nodate
//             atexit with one part of its run engine changed (see `patches`)
//   diag, diag-nestedbusy, diag-small, diag-join
//             the rewrite, traced: each beacon carries the page's trace (events, depth, sends), and
//             the traces of closes that lost a beacon are printed on stderr
//   atexit-bc, rewrite-bc, atexit-bc2, atexit-bc3, atexit-dbg, finally-dbg
//             traced through a BroadcastChannel to the tab that stays open (then a page of the
//             same origin, which changes the close: its process lives on), so that a close whose
//             beacons are all lost still leaves its trace; printed on stderr, by shape.
//             finally-dbg is what showed that Firefox ends the pagehide listener's script (no
//             catch, no finally) and then dispatches the rest; atexit-dbg traces the adapter.
//   atexit-prewarm
//             atexit, with its run engine's functions compiled (run once by a throwaway registry) at load
//
// The patched variants patch the source: "atexit" resolves to adapters/browser.ts
// here, not to dist/ (before 2026-12-02 it resolved to dist/, so those variants
// measured atexit unpatched, and "atexit" was whatever was last built).
//
// FIREFOX_CLOSE_KEEPALIVE_MS sets the server's keep-alive timeout (Node's default, 5 s, otherwise).
//
// Prints, per variant: closes, all three arrived, some lost, all lost, and
// closes where a beacon arrived twice.
import { execSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const closes = Number(process.argv[2] ?? 500);
const chosen = (process.argv[3] ?? "atexit,raw,rewrite,capture,bundle").split(",");

const send = `const send = (label) => navigator.sendBeacon("/beacon?id=" + new URLSearchParams(location.search).get("id"), label);`;
const rewrite = (capture, before = "", after = "") => `${send}
  const labels = ["C", "B", "A"];
  let latched = false, next = labels.length;
  const run = () => {
    if (next < labels.length) { while (next < labels.length) send(labels[next++]); return; } // nested: carry on
    if (latched) return;
    latched = true; next = 0;
    ${before}
    while (next < labels.length) send(labels[next++]);
    ${after}
  };
  const rearm = () => { latched = false; };
  document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run() : rearm()), ${capture});
  addEventListener("pagehide", run, ${capture});
  ${capture ? `document.addEventListener("freeze", run, true); document.addEventListener("resume", rearm, true); addEventListener("pageshow", (e) => e.persisted && rearm(), true);` : ""}
`;

const broadcast = `const channel = new BroadcastChannel("trace");
  const send = (label, by) => { const ok = navigator.sendBeacon("/beacon?id=" + new URLSearchParams(location.search).get("id"), label); channel.postMessage(new URLSearchParams(location.search).get("id") + " " + label + " " + by + " " + ok + " " + document.visibilityState); };`;
const busy = "let spin = 0; for (let i = 0; i < 200000; i++) spin += i % 7; globalThis.spin = spin;";


// A registry in miniature, in the page's own source: the run engine's shape
// (entries on a linked stack, popped and called one by one with an event,
// each in a try/catch, a nested trigger carrying on), with private or public
// members, or an array for the stack.
const mini = (kind) => `${send}
  class Node { constructor(callback) { this.callback = callback; this.prev = undefined; this.next = undefined; } }
  ${kind === "private" ? `class Registry {
    #top; #run;
    get running() { return this.#run !== undefined; }
    add(callback) { const node = new Node(callback); node.prev = this.#top; if (this.#top) this.#top.next = node; this.#top = node; }
    #pop() { const node = this.#top; if (node) { this.#top = node.prev; if (this.#top) this.#top.next = undefined; node.prev = undefined; } return node; }
    #call(node, event) { try { node.callback(event); } catch (error) { console.error(error); } }
    runNow(trigger) {
      const outer = this.#run; const run = outer ?? (this.#run = { kept: [] });
      for (let node = this.#pop(); node; node = this.#pop()) { run.kept.push(node); this.#call(node, { reason: trigger.reason }); }
      if (!outer) { this.#run = undefined; for (const node of run.kept.reverse()) this.add(node.callback); }
    }
  }` : `class Registry {
    constructor() { this.top = undefined; this.run = undefined; this.list = []; }
    get running() { return this.run !== undefined; }
    add(callback) { ${kind === "array" ? "this.list.push(new Node(callback));" : "const node = new Node(callback); node.prev = this.top; if (this.top) this.top.next = node; this.top = node;"} }
    pop() { ${kind === "array" ? "return this.list.pop();" : "const node = this.top; if (node) { this.top = node.prev; if (this.top) this.top.next = undefined; node.prev = undefined; } return node;"} }
    call(node, event) { try { node.callback(event); } catch (error) { console.error(error); } }
    runNow(trigger) {
      const outer = this.run; const run = outer ?? (this.run = { kept: [] });
      for (let node = this.pop(); node; node = this.pop()) { run.kept.push(node); this.call(node, { reason: trigger.reason }); }
      if (!outer) { this.run = undefined; for (const node of run.kept.reverse()) this.add(node.callback); }
    }
  }`}
  const registry = new Registry();
  for (const label of ["A", "B", "C"]) registry.add(() => send(label));
  const episode = { reason: "pagehide" };
  let latched = false;
  const run = () => {
    if (registry.running) return void registry.runNow(episode);
    if (latched) return;
    latched = true;
    registry.runNow(episode);
  };
  document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run() : (latched = false)));
  addEventListener("pagehide", run);
`;

// Diagnostic variants: each beacon's body is its label, then "|" and what the
// page did so far (events, nesting, each send's start and end): the beacons
// that arrive tell how the ones that did not were sent.
const traced = `const trace = []; const send = (label) => { trace.push("send " + label + " depth " + depth); const ok = navigator.sendBeacon("/beacon?id=" + new URLSearchParams(location.search).get("id"), label + "|" + trace.join(",")); trace.push("sent " + label + " " + ok); return ok; };
  let depth = 0;
  const enter = (name) => (event) => { trace.push(name + " " + document.visibilityState + " depth " + depth); depth++; try { return event; } finally { depth--; } };`;
const diag = (body) => `${traced}
  const labels = ["C", "B", "A"];
  let latched = false, next = labels.length;
  const run = (name) => {
    trace.push("run " + name + " depth " + depth + " next " + next + " latched " + latched);
    depth++;
    try {
      if (next < labels.length) { ${body} while (next < labels.length) send(labels[next++]); return; }
      if (latched) return;
      latched = true; next = 0;
      while (next < labels.length) send(labels[next++]);
    } finally { depth--; trace.push("end " + name); }
  };
  document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run("visibilitychange") : (latched = false)));
  addEventListener("pagehide", () => run("pagehide"));
`;

const sources = {
  atexit: `import { register } from "atexit"; ${send} for (const label of ["A", "B", "C"]) register(() => send(label));`,
  // atexit, with its hide path run once at load (callbacks silent), then re-armed:
  // tells whether the first, cold run of atexit's code is what loses beacons.
  warm: `import { register } from "atexit"; ${send}
    let warming = true;
    for (const label of ["A", "B", "C"]) register(() => warming || send(label));
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
    dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    warming = false;`,
  raw: `${send}
    const all = () => { for (const label of ["C", "B", "A"]) send(label); };
    addEventListener("pagehide", all);
    document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && all());`,
  // atexit's run engine without its adapter or API: which of the two costs the beacons.
  registry: `import { Registry } from "./src/registry.ts"; ${send}
    const registry = new Registry();
    for (const label of ["A", "B", "C"]) registry.add(() => send(label), {}, { runtime: "browser" });
    const episode = { reason: "pagehide", runtime: "browser", final: true };
    let latched = false;
    const run = () => {
      if (registry.running) return void registry.runNow(episode, true);
      if (latched) return;
      latched = true;
      registry.runNow(episode, true);
    };
    document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run() : (latched = false)));
    addEventListener("pagehide", run);`,
  rewrite: rewrite(false),
  // The rewrite, traced; and with busy work in a nested trigger before it carries on.
  diag: diag(""),
  "diag-nestedbusy": diag(busy),
  "diag-small": diag("").replace('label + "|" + trace.join(",")', "label"),
  "diag-join": diag("").replace('label + "|" + trace.join(",")', 'label + "|" + trace.length'),
  "mini-private": mini("private"),
  "mini-public": mini("public"),
  "mini-array": mini("array"),
  // The rewrite with busy work (about a millisecond) before its first beacon,
  // or the same work after its last: does the time before the beacons lose them?
  before: rewrite(false, busy),
  after: rewrite(false, "", busy),
  // The rewrite with garbage allocated, or plain calls made, before its first beacon.
  alloc: rewrite(false, "const junk = []; for (let i = 0; i < 3000; i++) junk.push({ i, list: [i] }); globalThis.junk = junk.length;"),
  calls: rewrite(false, "const f = (x) => (x % 3 ? x + 1 : x - 1); let c = 0; for (let i = 0; i < 3000; i++) c = f(c + i); globalThis.c = c;"),
  capture: rewrite(true),
  bundle: `import { count } from "atexit"; globalThis.atexitCount = count; ${rewrite(false)}`,
  // Traced through a BroadcastChannel to a tab that stays open, so that a close
  // whose beacons are all lost still tells which trigger ran the callbacks.
  "atexit-bc": `import { register } from "atexit"; ${broadcast}
    for (const label of ["A", "B", "C"]) register((event) => send(label, event.reason + (event.final ? "!" : "")));`,
  // The same, reporting once, from a listener after atexit's, so that nothing
  // but an array push happens between the beacons.
  "atexit-bc2": `import { register } from "atexit"; ${send}
    const channel = new BroadcastChannel("trace"), trace = [];
    for (const label of ["A", "B", "C"]) register((event) => { trace.push(label + " " + event.reason + (event.final ? "!" : "")); send(label); });
    const report = (name) => () => channel.postMessage(new URLSearchParams(location.search).get("id") + " " + name + ": " + trace.join(", "));
    addEventListener("pagehide", report("pagehide"));
    document.addEventListener("visibilitychange", report("visibilitychange"));`,
  "atexit-bc3": `import { register } from "atexit"; ${send}
    const channel = new BroadcastChannel("trace"), trace = [];
    addEventListener("pagehide", (e) => trace.push("pagehide-enter " + e.persisted), true);
    document.addEventListener("visibilitychange", () => trace.push("vis-enter " + document.visibilityState), true);
    for (const label of ["A", "B", "C"]) register((event) => { trace.push(label + " " + event.reason + (event.final ? "!" : "")); send(label); });
    const report = (name) => () => channel.postMessage(new URLSearchParams(location.search).get("id") + " " + name + ": " + trace.join(", "));
    addEventListener("pagehide", report("pagehide"));
    document.addEventListener("visibilitychange", report("visibilitychange"));`,
  // Is the pagehide listener cut short (its finally never runs), or is visibilitychange nested in it?
  "finally-dbg": `${send}
    const channel = new BroadcastChannel("trace"), trace = [];
    let depth = 0;
    addEventListener("pagehide", () => { trace.push("pagehide"); depth++; try { for (const label of ["C", "B", "A"]) { trace.push(label); send(label); trace.push("sent " + label); } } catch (error) { trace.push("caught " + error); } finally { depth--; trace.push("finally"); } });
    document.addEventListener("visibilitychange", () => trace.push("vis depth " + depth));
    const report = (name) => () => channel.postMessage(new URLSearchParams(location.search).get("id") + " " + name + ": " + trace.join(", "));
    addEventListener("pagehide", report("pagehide"));
    document.addEventListener("visibilitychange", report("visibilitychange"));`,
  // atexit, with its run engine's code compiled before the close: a throwaway
  // registry runs one silent callback at load. (Firefox compiles a function's
  // body at its first call.)
  "atexit-prewarm": `import { register } from "atexit"; import { Registry } from "./src/registry.ts"; ${send}
    const warm = new Registry();
    warm.add(() => {}, {}, { runtime: "browser" });
    warm.runNow({ reason: "pagehide", runtime: "browser", final: true }, true, true);
    for (const label of ["A", "B", "C"]) register(() => send(label));`,
  "rewrite-bc": `${broadcast}
  const labels = ["C", "B", "A"];
  let latched = false, next = labels.length, by = "";
  const run = (name) => {
    if (next < labels.length) { while (next < labels.length) send(labels[next++], by + ">" + name); return; }
    if (latched) return;
    latched = true; next = 0; by = name;
    while (next < labels.length) send(labels[next++], name);
  };
  document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run("hidden") : (latched = false)));
  addEventListener("pagehide", () => run("pagehide"));`,
};

// Variants of atexit with one part of its run engine changed (bisection of the
// registry's run): [text in src/registry.ts, what replaces it].
const patches = {
  plainevent: [["return new Event(trigger, run.exitCode ?? trigger.code, awaited, deadline) as ExitEvent;", "return { reason: trigger.reason, code: run.exitCode ?? trigger.code, signal: trigger.signal, error: trigger.error, runtime: trigger.runtime, final: trigger.final, awaited, deadline: undefined } as never;"]],
  nocatch: [["    try {\n      const result = entry.callback(event);\n      const then = thenOf(result);", "    {\n      const result = entry.callback(event);\n      const then = thenOf(result);"], ["    } catch (error) {\n      this.#report(error, event, run, entry);\n    }\n  }\n\n  /** Calls a callback on an awaited path", "    }\n  }\n\n  /** Calls a callback on an awaited path"]],
  nothen: [["      const result = entry.callback(event);\n      const then = thenOf(result);\n      if (then) {", "      entry.callback(event);\n      const then = undefined as Then | undefined, result = undefined;\n      if (then) {"]],
  noend: [["    const back = [...run.kept, ...run.deferred].filter((entry) => entry.active);\n    for (const entry of back.sort((a, b) => a.seq - b.seq)) entry.stack.push(entry);", "    for (const entry of run.kept) entry.stack.push(entry);"]],
  // atexit-bc3 with the adapter's trigger traced (its state when called, and when it returns).
  "atexit-dbg": [["    const run: Dispatch = (reason, final) => {\n", "    const run: Dispatch = (reason, final) => { const t = (globalThis as any).trace; t?.push(`run ${reason} running=${registry.running} latched=${latched}`); try { go(reason, final); } catch (error) { t?.push(`threw ${error}`); throw error; } finally { t?.push(`ran ${reason}`); } };\n    const go: Dispatch = (reason, final) => {\n", "_browser"]],
  nodate: [["const now = (): number => Date.now();", "const now = (): number => 0;"]],
};
sources["atexit-dbg"] = sources["atexit-bc3"].replace("trace = [];", "trace = (globalThis.trace = []);");
for (const name of Object.keys(patches)) sources[name] ??= sources.atexit;
for (const name of chosen) if (name.startsWith("atexit@")) sources[name] = sources.atexit;

const patching = (name) => ({
  name: "patch-registry",
  setup(plugin) {
    if (!patches[name]) return;
    plugin.onLoad({ filter: /(src[\\/]registry|adapters[\\/]_browser)\.ts$/ }, async ({ path }) => {
      let text = await readFile(path, "utf8");
      for (const [from, to, file = "registry"] of patches[name]) {
        if (!path.includes(file)) continue;
        if (!text.includes(from)) throw new Error(`${name}: patch does not apply: ${from.slice(0, 60)}`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: "ts" };
    });
  },
});

// `atexit@<commit>`: atexit as it was at that commit (its adapters/ and src/,
// from git), measured beside the code as it stands.
const sourceDirs = [];
const sourceOf = (name) => {
  const [, commit] = name.split("@");
  if (!commit) return root;
  const dir = mkdtempSync(join(tmpdir(), "atexit-firefox-close-src-"));
  sourceDirs.push(dir);
  execSync(`git archive ${commit} adapters src | tar -x -C ${dir}`, { cwd: root });
  return dir;
};

async function bundle(contents, name) {
  const result = await build({
    plugins: [patching(name)],
    // The source, not the last build: what is measured is the code as it
    // stands, and the patched variants patch it.
    alias: { atexit: join(sourceOf(name), "adapters/browser.ts") },
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    minify: true,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

const files = {};
for (const name of chosen) {
  files[`/${name}.js`] = await bundle(`${sources[name]}\ndocument.title = "ready";`, name);
  files[`/${name}.html`] = `<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/${name}.js"></script>`;
}

const received = new Map();
const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  if (request.method === "POST") {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const id = url.searchParams.get("id");
      received.set(id, [...(received.get(id) ?? []), body]);
      response.writeHead(204).end();
    });
    return;
  }
  const file = files[url.pathname];
  if (file === undefined) return void response.writeHead(404).end();
  response.writeHead(200, { "content-type": url.pathname.endsWith(".js") ? "text/javascript" : "text/html" }).end(file);
});
// How long the server keeps an idle connection open (Node's default is 5 s):
// FIREFOX_CLOSE_KEEPALIVE_MS sets it, to tell the browser's losses from the
// race of a request sent on a connection the server is closing at that moment.
if (process.env.FIREFOX_CLOSE_KEEPALIVE_MS) server.keepAliveTimeout = Number(process.env.FIREFOX_CLOSE_KEEPALIVE_MS);
let clientErrors = 0;
let aborted = 0;
server.on("clientError", () => clientErrors++);
server.on("request", (request) => request.on("aborted", () => aborted++));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "atexit-firefox-close-"));
const browser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless: true, userDataDir: profile });
// A tab that stays open: closing a browser's last tab closes its window. The
// traced variants report to it through a BroadcastChannel.
const keeper = await browser.newPage();
const tracing = chosen.some((name) => /-(bc|dbg)/.test(name));
if (tracing) {
  files["/keeper.html"] = `<!doctype html><title>keeper</title><script>globalThis.log = []; new BroadcastChannel("trace").onmessage = (e) => log.push(e.data);</script>`;
  await keeper.goto(`${origin}/keeper.html`);
}

const closed = [];
const started = Date.now();
let serial = 0;
for (let round = 0; round < closes; round++) {
  for (const name of chosen) {
    const id = `${name}-${++serial}`;
    const page = await browser.newPage();
    await page.goto(`${origin}/${name}.html?id=${id}`);
    await page.waitForFunction(() => document.title === "ready", { timeout: 10_000 });
    await page.close({ runBeforeUnload: false });
    closed.push([name, id]);
  }
  if ((round + 1) % 50 === 0) process.stderr.write(`${round + 1}/${closes} rounds, ${Math.round((Date.now() - started) / 1000)} s\n`);
}
// Beacons of a closed tab may arrive a little after the close.
await new Promise((resolve) => setTimeout(resolve, 3000));
const traces = [];
const sampleTraces = [];
const tally = Object.fromEntries(chosen.map((name) => [name, { closes: 0, all: 0, some: 0, none: 0, partial: {}, twice: 0 }]));
for (const [name, id] of closed) {
  const bodies = received.get(id) ?? [];
  const got = new Set(bodies.map((body) => body.split("|")[0]));
  if (got.size < 3 && bodies.some((body) => body.includes("|"))) traces.push(`${name} ${[...got].join("")}: ${bodies.join("  ##  ")}`);
  else if (bodies.some((body) => body.includes("|")) && sampleTraces.length < 3) sampleTraces.push(`${name} all: ${bodies.at(-1)}`);
  const row = tally[name];
  row.closes++;
  // A beacon that arrived twice: `raw` sends each one on both events by
  // design; for the others it means a callback was called again.
  if (bodies.length > got.size && name !== "raw") row.twice++;
  if (got.size === 3) row.all++;
  else if (got.size > 0) {
    row.some++;
    // Which beacons arrived, in arrival order: says which callback's beacon Firefox dropped.
    const pattern = [...got].join("");
    row.partial[pattern] = (row.partial[pattern] ?? 0) + 1;
  } else row.none++;
}
for (const line of [...sampleTraces, ...traces]) console.error(line);
if (tracing) {
  const log = await keeper.evaluate(() => globalThis.log);
  const byId = new Map();
  for (const line of log) { const [id, ...rest] = line.split(" "); byId.set(id, [...(byId.get(id) ?? []), rest.join(" ")]); }
  const shapes = {};
  for (const [name, id] of closed) {
    if (!/-(bc|dbg)/.test(name)) continue;
    const got = new Set((received.get(id) ?? []).map((body) => body.split("|")[0]));
    const outcome = got.size === 3 ? "all" : got.size ? "some" : "none";
    const shape = `${name} ${outcome}: ${(byId.get(id) ?? ["(no trace)"]).map((t) => (name !== "atexit-bc" && name !== "rewrite-bc" ? t : t.split(" ").slice(0, 3).join(" "))).join("  ##  ")}`;
    shapes[shape] = (shapes[shape] ?? 0) + 1;
  }
  for (const [shape, n] of Object.entries(shapes).sort()) console.error(`${String(n).padStart(4)}  ${shape}`);
}
await browser.close();
server.close();
for (const dir of [profile, ...sourceDirs]) rmSync(dir, { recursive: true, force: true });

console.log(`Firefox ESR tab closes, ${closes} per variant, taking turns (${Math.round((Date.now() - started) / 1000)} s; server keep-alive ${server.keepAliveTimeout} ms; ${clientErrors} client errors, ${aborted} requests aborted)`);
console.log("| variant | closes | all 3 arrived | some lost | all lost | a beacon twice |");
console.log("|---|---|---|---|---|---|");
for (const [name, row] of Object.entries(tally)) {
  const partial = Object.entries(row.partial).map(([pattern, n]) => `${pattern} ×${n}`).join(", ");
  console.log(`| ${name} | ${row.closes} | ${row.all} | ${row.some}${partial ? ` (${partial})` : ""} | ${row.none} (${((100 * row.none) / row.closes).toFixed(1)} %) | ${name === "raw" ? "(each sent twice)" : row.twice} |`);
}
