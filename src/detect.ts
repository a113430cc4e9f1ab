// This module is browser compatible.

import type { RuntimeName } from "./types.ts";

type Globals = {
  navigator?: { userAgent?: unknown };
  EdgeRuntime?: unknown;
  Deno?: { version?: unknown };
  Bun?: unknown;
  WorkerGlobalScope?: unknown;
  process?: { versions?: { node?: unknown } } | null;
  document?: { addEventListener?: unknown };
  addEventListener?: unknown;
};

/**
 * Every host atexit tells apart, in the order they are asked: the first that
 * matches names the host. The order is the point. Hosts that must never have
 * their `process` read come before the one test that reads it: workerd (whose
 * Node compatibility, on by default from compatibility date 2026-08-04, adds
 * a `process` that says Node), Vercel's edge runtime, web workers. Deno and
 * Bun define `process.versions.node` too. Node comes before a document:
 * happy-dom, jsdom and Electron renderers have both, and their exit is the
 * process's.
 */
const HOSTS: ReadonlyArray<readonly [RuntimeName, (globals: Globals) => boolean]> = [
  ["workerd", (g) => g.navigator?.userAgent === "Cloudflare-Workers"],
  // Vercel's edge runtime names itself; Supabase's `EdgeRuntime` is an object, on Deno.
  ["edge-light", (g) => typeof g.EdgeRuntime === "string"],
  ["deno", (g) => typeof g.Deno?.version === "object"],
  ["bun", (g) => g.Bun !== undefined],
  ["worker", (g) => g.WorkerGlobalScope !== undefined],
  ["node", (g) => typeof g.process?.versions?.node === "string"],
  ["browser", (g) => g.document !== undefined],
];

/**
 * Names the host from its globals (see the table above).
 *
 * @example
 * ```ts
 * import { detect } from "./detect.ts";
 *
 * detect(); // "node" under Node.js, "workerd" in a Cloudflare Worker
 * ```
 */
export function detect(globals: Globals = globalThis as Globals): RuntimeName {
  for (const [name, matches] of HOSTS) {
    try {
      if (matches(globals)) return name;
    } catch {
      // A global that refuses to be read (a sandbox's Proxy) names no host.
    }
  }
  return "unknown";
}

/**
 * Whether this realm has a page whose events can be listened to: a document
 * with `addEventListener`, which a server-side rendering stub lacks. Asked
 * apart from {@linkcode detect}: under happy-dom or jsdom the host is Node,
 * and there is a page too.
 */
export function hasPage(globals: Globals = globalThis as Globals): boolean {
  return typeof globals.document?.addEventListener === "function" && typeof globals.addEventListener === "function";
}

// An unknown host is never named: it is not a wrong one (see assertRuntime).
const displayNames: Record<Exclude<RuntimeName, "unknown">, string> = {
  node: "Node.js",
  deno: "Deno",
  bun: "Bun",
  browser: "a browser",
  worker: "a web worker",
  workerd: "Cloudflare's workerd",
  "edge-light": "an edge runtime",
};

/**
 * Throws when an explicitly imported adapter meets another known host,
 * naming both. An unknown host is not a wrong one (a sandbox that blanked
 * its globals): the entry falls back to hooking nothing.
 *
 * @example
 * ```ts
 * import { assertRuntime } from "./detect.ts";
 *
 * assertRuntime("node", "atexit/adapters/node");
 * ```
 */
export function assertRuntime(expected: Exclude<RuntimeName, "unknown">, entry: string, actual: RuntimeName = detect()): void {
  if (actual !== expected && actual !== "unknown") {
    throw new Error(
      `[atexit] ${entry} is for ${displayNames[expected]}, but this program runs on ${displayNames[actual]}; import "atexit" to get the adapter for this host`,
    );
  }
}
