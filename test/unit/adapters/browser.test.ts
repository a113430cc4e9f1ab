// The browser entry (adapters/browser.ts, bundled) when the browser ends the
// script of an exit listener. Firefox, closing a tab, ends the script of the
// `pagehide` listener at a function call: no `catch` and no `finally` runs, and
// the event's other listeners and then `visibilitychange` are dispatched as
// usual (measured with bench/firefox-close.mjs). Node's `vm` timeout ends a
// script the same way (V8 runs no `catch` or `finally` either), so the built
// entry runs here in a context of its own, with a page made of plain listeners,
// and a callback that spins is ended there, as Firefox would end it. A callback
// that was cut is not called again: in Firefox the cut mostly falls inside
// sendBeacon once the beacon has left, so calling it again would mostly send it
// twice. The same states, made from inside a callback, are in
// test/unit/src/run.test.ts; real browsers run the entry in
// test/browser/browser.test.ts.
import { runInContext, createContext, type Context } from "node:vm";
import { build } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";

let entry = "";
beforeAll(async () => {
  const result = await build({
    entryPoints: [new URL("../../../adapters/browser.ts", import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "atexit",
    platform: "browser",
    logLevel: "silent",
  });
  entry = result.outputFiles[0]!.text;
});

// A page: a window and a document whose listeners `fire` calls with events
// the browser made (`isTrusted`), or a script made (`fire(..., false)`).
const page = `
  const listenersOf = () => {
    const listeners = new Map();
    return {
      listeners,
      addEventListener: (type, listener) => listeners.set(type, [...(listeners.get(type) ?? []), listener]),
      removeEventListener: (type, listener) => listeners.set(type, (listeners.get(type) ?? []).filter((other) => other !== listener)),
    };
  };
  const win = listenersOf();
  globalThis.addEventListener = win.addEventListener;
  globalThis.removeEventListener = win.removeEventListener;
  globalThis.document = { visibilityState: "visible", ...listenersOf() };
  globalThis.fire = (target, type, fields = {}, isTrusted = true) => {
    for (const listener of (target === "window" ? win : document).listeners.get(type) ?? []) listener({ type, isTrusted, ...fields });
  };
  globalThis.hide = (isTrusted = true) => { document.visibilityState = "hidden"; fire("document", "visibilitychange", {}, isTrusted); };
  globalThis.show = () => { document.visibilityState = "visible"; fire("document", "visibilitychange"); };
`;

/**
 * A page with atexit's browser entry and the callbacks `callbacks` registers
 * (which log to `log`); `before` runs first, as a page's own script loaded before atexit.
 */
function pageWith(callbacks: string, before = ""): { context: Context; log: string[] } {
  const log: string[] = [];
  const context = createContext({ log, console });
  runInContext(`${page}\n${before}\n${entry}\n${callbacks}`, context);
  return { context, log };
}

/** Fires `script` in the page; a callback that spins there is ended after 50 ms, as a closing tab's script is. */
function endedIn(context: Context, script: string): unknown {
  try {
    runInContext(script, context, { timeout: 50 });
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const cutOnce = `
  let cuts = 1;
  for (const name of ["a", "b", "c"]) {
    atexit.register((event) => {
      if (name === "b" && cuts-- > 0) for (;;);
      log.push(name + " " + event.reason);
    });
  }
`;

describe("the browser entry when the browser ends a listener's script", () => {
  test("ended inside a callback: the visibilitychange after it runs the rest (the cut one is not called again)", () => {
    const { context, log } = pageWith(cutOnce);
    expect(endedIn(context, `fire("window", "pagehide", { persisted: false })`)).toBe("ERR_SCRIPT_EXECUTION_TIMEOUT");
    expect(log).toEqual(["c pagehide"]);
    runInContext("hide()", context);
    expect(log).toEqual(["c pagehide", "a pagehide"]);
  });

  test("the run it took over is ended: the callbacks stay registered and the next hide runs them again", () => {
    const { context, log } = pageWith(cutOnce);
    endedIn(context, `fire("window", "pagehide", { persisted: true })`);
    runInContext("hide()", context);
    log.length = 0;
    runInContext(`fire("window", "pageshow", { persisted: true }); show(); hide();`, context);
    expect(log).toEqual(["c hidden", "b hidden", "a hidden"]);
    expect(runInContext("atexit.count()", context)).toBe(3);
  });

  test("ended between two callbacks: the next trigger carries on with the rest and ends the run", () => {
    const { context, log } = pageWith(`
      let spins = 1;
      for (const name of ["a", "b", "c"]) {
        atexit.register(() => {
          log.push(name);
          // What c returns is looked at after c has returned: no callback is being called then.
          if (name === "c") return { get then() { if (spins-- > 0) for (;;); return undefined; } };
        });
      }
    `);
    endedIn(context, `fire("window", "pagehide", { persisted: true })`);
    expect(log).toEqual(["c"]);
    runInContext("hide()", context);
    expect(log).toEqual(["c", "b", "a"]);
    log.length = 0;
    runInContext(`fire("window", "pageshow", { persisted: true }); show(); hide();`, context);
    expect(log).toEqual(["c", "b", "a"]);
  });

  test("ended before the run began (in a page's own listener before atexit's): the next trigger runs the episode", () => {
    const { context, log } = pageWith(
      `for (const name of ["a", "b", "c"]) atexit.register((event) => log.push(name + " " + event.reason));`,
      `let spins = 1; addEventListener("pagehide", () => { if (spins-- > 0) for (;;); });`,
    );
    endedIn(context, `fire("window", "pagehide", { persisted: false })`);
    expect(log).toEqual([]);
    runInContext("hide()", context);
    expect(log).toEqual(["c hidden", "b hidden", "a hidden"]);
  });

  test("an event a callback dispatches itself (not the browser's) carries the run on, and the run's own call ends it", () => {
    const { context, log } = pageWith(`
      for (const name of ["a", "b", "c"]) {
        atexit.register(() => {
          log.push(name);
          if (name === "c") { hide(false); log.push("c after"); }
        });
      }
    `);
    runInContext(`fire("window", "pagehide", { persisted: true })`, context);
    expect(log).toEqual(["c", "b", "a", "c after"]);
    log.length = 0;
    runInContext(`fire("window", "pageshow", { persisted: true }); show(); hide();`, context);
    expect(log).toEqual(["c", "b", "a", "c after"]);
  });
});
