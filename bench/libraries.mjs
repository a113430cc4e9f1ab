// Every library the bench compares, described once: how its documentation
// says to register a callback (as source, for the size measure) and the same
// usage as functions (for the processes that time it). The other files only
// iterate over this list, so adding a library means adding one entry here.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * name: the npm name (also what the programs import).
 * consumer: a program that imports the library and registers one callback, its documented usage.
 * unregisterApi: how its documentation says to unregister (absent: it has no way to).
 * runApi: how to run the callbacks without exiting (only atexit has one that is measured).
 * load(): imports it and returns { add(fn) → handle, remove?(handle), runAll?() },
 *   the same usage as functions.
 */
export const libraries = [
  {
    name: "atexit",
    consumer: `import { register } from "atexit";\nregister(() => console.log("bye"));`,
    unregisterApi: "call the handle register() returns",
    runApi: "await runHandlers()",
    async load() {
      const { register, runHandlers } = await import("atexit");
      return { add: (fn) => register(fn), remove: (off) => off(), runAll: () => runHandlers() };
    },
  },
  {
    name: "signal-exit",
    consumer: `import { onExit } from "signal-exit";\nonExit(() => console.log("bye"));`,
    unregisterApi: "call the function onExit() returns",
    async load() {
      const { onExit } = await import("signal-exit");
      return { add: (fn) => onExit(fn), remove: (off) => off() };
    },
  },
  {
    name: "exit-hook",
    consumer: `import exitHook from "exit-hook";\nexitHook(() => console.log("bye"));`,
    unregisterApi: "call the function exitHook() returns",
    async load() {
      const { default: exitHook } = await import("exit-hook");
      return { add: (fn) => exitHook(fn), remove: (off) => off() };
    },
  },
  {
    name: "when-exit",
    consumer: `import whenExit from "when-exit";\nwhenExit(() => console.log("bye"));`,
    unregisterApi: "call the function whenExit() returns",
    async load() {
      const { default: whenExit } = await import("when-exit");
      return { add: (fn) => whenExit(fn), remove: (off) => off() };
    },
  },
  {
    name: "unload",
    consumer: `import { add } from "unload";\nadd(() => console.log("bye"));`,
    unregisterApi: "handle.remove() on what add() returns",
    async load() {
      const { add } = await import("unload");
      return { add: (fn) => add(fn), remove: (handle) => handle.remove() };
    },
  },
  {
    name: "async-exit-hook",
    consumer: `import exitHook from "async-exit-hook";\nexitHook(() => console.log("bye"));`,
    async load() {
      const { default: exitHook } = await import("async-exit-hook");
      // No unregister in its API: hooks only accumulate.
      return { add: (fn) => exitHook(fn) };
    },
  },
];

export const byName = (name) => {
  const library = libraries.find((candidate) => candidate.name === name);
  if (!library) throw new Error(`bench: no library named ${name}`);
  return library;
};

/**
 * The installed version of `name` (atexit: this checkout's). Read from the
 * file, since most of these packages do not export their package.json.
 */
export function versionOf(name) {
  const path = name === "atexit" ? `${root}package.json` : `${root}node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(path, "utf8")).version;
}

/** The runtimes the import-cost measure starts, with the command that runs a file. */
export const runtimes = {
  node: { command: process.execPath, args: [] },
  deno: { command: `${root}node_modules/.bin/deno`, args: ["run", "-A"] },
  bun: { command: `${root}node_modules/.bin/bun`, args: [] },
};

/** Keeps Deno from phoning home for updates (only the npm registry is reachable) and every tool from colouring output. */
export const childEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
