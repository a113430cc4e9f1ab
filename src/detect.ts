// This module is browser compatible.

import type { RuntimeName } from "./types.ts";

type Globals = {
  Deno?: { version?: unknown };
  navigator?: { userAgent?: unknown };
  EdgeRuntime?: unknown;
  Bun?: unknown;
  process?: { versions?: { node?: unknown } } | null;
  document?: unknown;
  WorkerGlobalScope?: unknown;
};

/** `process.versions.node`, unless a sandbox made `process` something that cannot say it. */
function nodeVersion(globals: Globals): string | undefined {
  try {
    const version = globals.process?.versions?.node;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

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
export function detectRuntime(globals: Globals = globalThis as Globals): DetectedRuntime {
  if (typeof globals.Deno?.version === "object") return "deno";
  if (globals.Bun !== undefined) return "bun";
  if (nodeVersion(globals) !== undefined) return "node";
  if (globals.document !== undefined) return "browser";
  if (globals.WorkerGlobalScope !== undefined) return "worker";
  return "unknown";
}

/**
 * The hosts {@linkcode detectRuntime} names. The request-scoped ones are told
 * apart only by {@linkcode detectHost}, which the entries that may meet them use.
 */
export type DetectedRuntime = Exclude<RuntimeName, "workerd" | "edge">;

/**
 * {@linkcode detectRuntime}, and the request-scoped hosts before Node:
 * workerd with Node compatibility (on by default from compatibility date
 * 2026-08-04) has a `process` whose versions say Node.
 *
 * @example
 * ```ts
 * import { detectHost } from "./detect.ts";
 *
 * detectHost(); // "node" under Node.js, "workerd" in a Cloudflare Worker
 * ```
 */
export function detectHost(globals: Globals = globalThis as Globals): RuntimeName {
  try {
    if (globals.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  } catch {
    // A navigator that refuses to be read names no host.
  }
  // Vercel's edge runtime names itself; Supabase's `EdgeRuntime` is an object, on Deno.
  if (typeof globals.EdgeRuntime === "string") return "edge";
  return detectRuntime(globals);
}

/**
 * {@linkcode detectHost} for entries that must never read `process` (the
 * edge and web worker builds): the same answers, but a Node.js host, which
 * only `process` names, is `unknown` there.
 */
export function detectEdgeHost(): RuntimeName {
  const { navigator, EdgeRuntime, Deno, Bun, document, WorkerGlobalScope } = globalThis as Globals;
  return detectHost({ navigator, EdgeRuntime, Deno, Bun, document, WorkerGlobalScope });
}

const displayNames: Record<DetectedRuntime, string> = {
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
export function assertRuntime(expected: DetectedRuntime, entry: string, actual: DetectedRuntime = detectRuntime()): void {
  if (actual !== expected) {
    throw new Error(
      `[atexit] ${entry} is for ${displayNames[expected]}, but this program runs on ${displayNames[actual]}; import "atexit" to get the adapter for this host`,
    );
  }
}
