// The one picker: the detected host's adapter, made on first use. The
// run-time-detecting entry (`atexit` where no export condition names the
// host, and JSR's root) and the helpers (atexit/http, /child, /beacon) reach
// a runtime through it, never through an entry or one runtime's adapter.
import { lazyAdapter, type LazyAdapter } from "../src/api.ts";
import { contextFor, type DeferHost } from "../src/defer.ts";
import { detect } from "../src/detect.ts";
import type { Adapter } from "../src/protocol.ts";
import { browserAdapter } from "./_browser.ts";
import { bunAdapter } from "./_bun.ts";
import { denoAdapter, getDeno } from "./_deno.ts";
import { nodeAdapter } from "./_node.ts";
import { getProcess } from "./_process.ts";
import { denoReadyHost, processReadyHost, type ReadyHost } from "./_ready.ts";

/**
 * Node before a document, unlike the browser entry: under happy-dom or jsdom
 * in Node, and in an Electron renderer, the process and its exit are real (a
 * program that wants the page's events there takes the `browser` condition
 * or atexit/adapters/browser). A request-scoped host (workerd, edge) has no
 * exit events to hook: its invocations end through atexit/request. A host
 * without a usable `process` (some sandboxes blank it) hooks nothing.
 */
function pickAdapter(): Adapter {
  const runtime = detect();
  const proc = runtime === "node" || runtime === "bun" ? getProcess() : undefined;
  const deno = runtime === "deno" ? getDeno() : undefined;
  if (deno) return denoAdapter(deno);
  if (proc) return runtime === "bun" ? bunAdapter(proc) : nodeAdapter(proc);
  if (runtime === "browser" || runtime === "worker") return browserAdapter();
  return { runtime };
}

/** The detected host's adapter, made once, on first use. */
export const picked: LazyAdapter = /* @__PURE__ */ lazyAdapter(pickAdapter);

/** `defer`'s host for the detected runtime: where AsyncLocalStorage comes from, without reading `process` where it must not be read. */
export const pickedDeferHost = (): DeferHost => ({ context: contextFor(detect()) });

/** ready()'s host for the detected runtime: none where no supervisor can be (a page, a worker, a request-scoped host). */
export function pickedReadyHost(): ReadyHost | undefined {
  const runtime = detect();
  const deno = runtime === "deno" ? getDeno() : undefined;
  const proc = runtime === "node" || runtime === "bun" ? getProcess() : undefined;
  if (deno) return denoReadyHost(deno);
  return proc && processReadyHost(proc);
}
