/**
 * The entry for hosts that no export condition names (and JSR's root): it
 * detects the runtime on first use and binds the matching adapter (Node,
 * Deno, Bun, browsers and their workers), else the fallback. Bundlers that know their target take the `node` (or `deno`,
 * `bun`, `browser`) condition instead and never load this detection.
 *
 * @example
 * ```ts
 * import { register } from "atexit";
 *
 * register(() => console.log("bye"));
 * ```
 *
 * @module
 */
import { exitWith, lazyHost, registerWith, runHandlersWith } from "../src/api.ts";
import { detectHost } from "../src/detect.ts";
import type { Atexit } from "../src/types.ts";
import type { Adapter } from "../src/adapter.ts";
import { browserAdapter } from "./_browser.ts";
import { denoAdapter, getDeno } from "./_deno.ts";
import { bunAdapter } from "./_bun.ts";
import { nodeAdapter } from "./_node.ts";
import { getProcess } from "./_process.ts";

export { clear, configure, count, unregister } from "../src/public.ts";
export { defer } from "../src/defer.ts";
export type * from "../src/types.ts";

// Node before a document, unlike the browser entry: under happy-dom or jsdom
// in Node, and in an Electron renderer, the process and its exit are real, and
// an application that wants the page's events there asks for them with the
// `browser` condition or atexit/adapters/browser.
// A request-scoped host (workerd, edge) has no exit events to hook: its
// invocations end through atexit/request's withExit.
// A host without a usable `process` (some sandboxes blank it) hooks nothing there.
function pick(): Adapter {
  const runtime = detectHost();
  const proc = getProcess();
  if (runtime === "deno") return denoAdapter(getDeno()!);
  if (runtime === "node" && proc) return nodeAdapter(proc);
  if (runtime === "bun" && proc) return bunAdapter(proc);
  if (runtime === "browser" || runtime === "worker") return browserAdapter();
  return { runtime };
}

// The adapter is picked on first use, and only if this entry is used at all.
const host = /* @__PURE__ */ lazyHost(pick);

/**
 * Registers a callback to run when the program ends, last in, first out, on
 * whatever exit events the detected runtime has (see that runtime's entry).
 * Options, the handle and errors: {@linkcode Atexit.register}.
 */
export const register: Atexit["register"] = (callback, options) => registerWith(host, callback, options);

/** Runs the callbacks (awaited, within their limits), then ends the program where the runtime allows it. See {@linkcode Atexit.exit}. */
export const exit: Atexit["exit"] = (code) => exitWith(host, code);

/** Runs the callbacks now, awaited, without ending the program; they are consumed. See {@linkcode Atexit.runHandlers}. */
export const runHandlers: Atexit["runHandlers"] = () => runHandlersWith(host);
