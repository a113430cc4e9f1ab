// The page as an exit host, shared by the `browser` entry and the
// run-time-detecting entry. In a browser an exit is an episode, not a door: a
// hidden page may come back, so callbacks stay registered and run again at
// the next hide. Nothing here touches `window` or `document` until the first
// registration, so the module loads in workers and during server-side rendering.
//
// | page event                          | what runs                                        | listener     |
// |-------------------------------------|--------------------------------------------------|--------------|
// | `visibilitychange` to hidden        | the hide episode: reason `hidden`, not final     | onVisibility |
// | `pagehide`                          | the episode: `pagehide`, final unless persisted  | onPageHide   |
// | `freeze`                            | the episode: `hidden`, not final                 | onFreeze     |
// | `visibilitychange` to visible,      | nothing: the next hide is a new episode          | rearm        |
// |   `pageshow` (persisted), `resume`  |                                                  |              |
// | `beforeunload` (enableBeforeUnload) | the episode: `beforeunload`, not final           | (opt-in)     |
import type { Adapter, SharedRegistry, Trigger } from "../src/protocol.ts";
import { detect, hasPage } from "../src/detect.ts";
import { sharedState } from "../src/realm.ts";
import { runNow } from "../src/run.ts";
import type { ExitReason } from "../src/types.ts";
import { listening } from "./_listening.ts";

// `trusted`: the browser's own event (`isTrusted`), not one a script dispatched.
type Dispatch = (reason: ExitReason, final: boolean, trusted: boolean) => void;

/**
 * Builds the browser adapter. Hosts without a page (workers, server-side
 * rendering) get no listeners: callbacks run through `exit()` and `runHandlers()`.
 */
export function browserAdapter(): Adapter {
  // A worker, or a server rendering the page: no page events to hook there.
  if (!hasPage()) return { runtime: detect() };
  const listen = (registry: SharedRegistry): (() => void) => {
    // One run per hide episode, whichever of visibilitychange, pagehide and
    // freeze comes first; the next episode starts when the page is shown again.
    let latched = false;
    let episode: Trigger = { reason: "hidden", runtime: "browser", final: false };
    const run: Dispatch = (reason, final, trusted) => {
      // Firefox, closing a tab, ends the script of the pagehide listener at a
      // function call (docs/2.runtimes/browser.md): a run left under way. So
      // a trigger during the episode goes to the run: the browser's own event
      // takes it over (the rest of the callbacks, then the run's end), one a
      // script dispatched from a callback carries it on; ended before the run
      // began, the next trigger runs the episode itself.
      if (registry.current) return void runNow(registry, episode, { keep: true, takeOver: trusted });
      if (latched) return void runNow(registry, episode, { keep: true, episode: true });
      latched = true;
      episode = { reason, runtime: "browser", final };
      runNow(registry, episode, { keep: true, episode: true });
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
    const state = sharedState();
    state.pageTrigger = run;
    return () => {
      for (const [target, event, listener] of listeners) target.removeEventListener(event, listener, true);
      if (state.pageTrigger === run) state.pageTrigger = undefined;
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
  const onBeforeUnload = (event: Event): void => sharedState().pageTrigger?.("beforeunload", false, event.isTrusted);
  addEventListener("beforeunload", onBeforeUnload, true);
  return () => removeEventListener("beforeunload", onBeforeUnload, true);
}
