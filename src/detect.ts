// This module is browser compatible.

import type { RuntimeName } from "./types.ts";

type Globals = {
  Deno?: { version?: unknown };
  Bun?: unknown;
  process?: { versions?: { node?: unknown } };
  document?: unknown;
  WorkerGlobalScope?: unknown;
};

/**
 * Names the host from its globals. Order matters: Deno and Bun both define
 * `process.versions.node`, so they are checked before Node.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "./detect.ts";
 *
 * detectRuntime(); // "node" under Node.js
 * ```
 */
export function detectRuntime(globals: Globals = globalThis as Globals): RuntimeName {
  if (typeof globals.Deno?.version === "object") return "deno";
  if (globals.Bun !== undefined) return "bun";
  if (typeof globals.process?.versions?.node === "string") return "node";
  if (globals.document !== undefined) return "browser";
  if (globals.WorkerGlobalScope !== undefined) return "worker";
  return "unknown";
}

const displayNames: Record<RuntimeName, string> = {
  node: "Node.js",
  deno: "Deno",
  bun: "Bun",
  browser: "a browser",
  worker: "a web worker",
  unknown: "an unknown host",
};

/**
 * Throws when an explicitly imported adapter meets the wrong host, naming both.
 *
 * @example
 * ```ts
 * import { assertRuntime } from "./detect.ts";
 *
 * assertRuntime("node", "atexit/adapters/node");
 * ```
 */
export function assertRuntime(expected: RuntimeName, entry: string, actual: RuntimeName = detectRuntime()): void {
  if (actual !== expected) {
    throw new Error(
      `[atexit] ${entry} is for ${displayNames[expected]}, but this program runs on ${displayNames[actual]}; import "atexit" to get the adapter for this host`,
    );
  }
}
