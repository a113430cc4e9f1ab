// The browser event mapping, shared by the `browser` entry and the
// run-time-detecting entry. Private: not exported. In a browser an exit is a
// phase, not a door: a hidden page may come back, so callbacks stay
// registered and run again at the next hide. Nothing here touches `window` or
// `document` until the first registration, so the module loads in workers and
// during server-side rendering.
import { type Adapter, type AdapterRegistry, listening, type Trigger } from "../src/adapter.ts";
import { detectRuntime } from "../src/detect.ts";
import { realmState } from "../src/realm.ts";
import type { ExitReason } from "../src/types.ts";

// `trusted`: the browser's own event (`isTrusted`), not one a script dispatched.
type Dispatch = (reason: ExitReason, final: boolean, trusted?: boolean) => void;

type PageGlobals = { document?: { addEventListener?: unknown }; addEventListener?: unknown };

/**
 * Whether this realm has a page whose events can be listened to. Asked before
 * the runtime is named: happy-dom and jsdom under Node, and Electron
 * renderers, have a real document and also `process.versions.node`, and there
 * the page's events are the ones that fire. A document without
 * `addEventListener` is a server-side rendering stub, not a page.
 */
export function hasPage(globals: PageGlobals = globalThis as PageGlobals): boolean {
  return typeof globals.document?.addEventListener === "function" && typeof globals.addEventListener === "function";
}

/**
 * Builds the browser adapter. Hosts without a page (workers, server-side
 * rendering) get no listeners: callbacks run through `exit()` and `runHandlers()`.
 */
export function browserAdapter(): Adapter {
  // A worker, or a server rendering the page: no page events to hook there.
  if (!hasPage()) return { runtime: detectRuntime() };
  const listen = (registry: AdapterRegistry): (() => void) => {
    // One run per hide episode, whichever of visibilitychange, pagehide and
    // freeze comes first; the next episode starts when the page is shown again.
    let latched = false;
    let episode: Trigger = { reason: "hidden", runtime: "browser", final: false };
    const run: Dispatch = (reason, final, trusted) => {
      // Firefox, closing a tab, ends the script of the pagehide listener at a
      // function call (uncaught, no finally: a run left under way), then
      // dispatches visibilitychange. So a trigger during the episode goes to
      // the registry: the browser's own event takes the run over (the rest of
      // the callbacks, then the run's end), one a script dispatched from a
      // callback carries it on; ended before the run began, the next trigger
      // runs the episode itself; the registry runs an episode once.
      if (registry.running) return void registry.runNow(episode, true, false, trusted);
      // A registry made by an older copy of atexit runs every call: latch here then.
      if (latched) return void (registry.runsEpisodes && registry.runNow(episode, true, true));
      latched = true;
      episode = { reason, runtime: "browser", final };
      registry.runNow(episode, true, true);
    };
    const rearm = (): void => void (latched = false);

    const onVisibility = (event: Event): void => {
      if (document.visibilityState === "hidden") run("hidden", false, event.isTrusted);
      else rearm();
    };
    // `persisted`: the page enters the back/forward cache and may be restored.
    const onPageHide = (event: Event): void => run("pagehide", !(event as PageTransitionEvent).persisted, event.isTrusted);
    const onPageShow = (event: Event): void => {
      if ((event as PageTransitionEvent).persisted) rearm();
    };
    // Chromium freezes hidden pages it may later discard without another event.
    const onFreeze = (event: Event): void => run("hidden", false, event.isTrusted);

    // Capture phase: the page's own handlers cannot stop propagation before us.
    // Never `unload` (it blocks the back/forward cache and Chrome no longer fires
    // it), and `beforeunload` only on request (see enableBeforeUnload).
    const listeners = [
      [document, "visibilitychange", onVisibility],
      [document, "freeze", onFreeze],
      [document, "resume", rearm],
      [globalThis, "pagehide", onPageHide],
      [globalThis, "pageshow", onPageShow],
    ] as const;
    for (const [target, event, listener] of listeners) target.addEventListener(event, listener, true);
    // Kept with the realm: the opt-in beforeunload listener of any copy of atexit triggers this run.
    const realm = realmState();
    realm.pageTrigger = run;
    return () => {
      for (const [target, event, listener] of listeners) target.removeEventListener(event, listener, true);
      if (realm.pageTrigger === run) realm.pageTrigger = undefined;
    };
  };

  return { runtime: "browser", ...listening(listen) };
}

/**
 * Adds a `beforeunload` trigger (opt-in) and returns the function that removes it.
 * It fires earlier than `pagehide` on desktop, but never on iOS, and while it
 * is listened to Firefox keeps the page out of the back/forward cache.
 */
export function listenBeforeUnload(): () => void {
  const onBeforeUnload = (event: Event): void => realmState().pageTrigger?.("beforeunload", false, event.isTrusted);
  addEventListener("beforeunload", onBeforeUnload, true);
  return () => removeEventListener("beforeunload", onBeforeUnload, true);
}
