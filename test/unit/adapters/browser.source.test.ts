// The browser entry (adapters/browser.ts) from its source: what it binds the
// public functions to, on a fake page (a document and a window made of plain
// listener lists) and where there is none. Its neighbour browser.test.ts runs
// the entry bundled, in a vm context of its own where the browser's ending of
// a script can be reproduced; no mutant is active there, so the mutation run
// (vitest.mutation.config.ts) leaves that file out and this one in. Each test
// loads the entry afresh, as its adapter is made once per load. Real
// browsers run it in test/browser, happy-dom and jsdom in test/dom.
import { describe, expect, test, vi } from "vitest";
import { expectDeferHeld, expectReadyInert, fresh, resetAfterEach, seen } from "./entry.ts";

const load = () => fresh(() => import("../../../adapters/browser.ts"));

type Listener = (event: { type: string; isTrusted: boolean }) => void;

function fakeTarget() {
  const listeners = new Map<string, Listener[]>();
  return {
    listeners,
    addEventListener: (type: string, listener: Listener) => void listeners.set(type, [...(listeners.get(type) ?? []), listener]),
    removeEventListener: (type: string, listener: Listener) =>
      void listeners.set(type, (listeners.get(type) ?? []).filter((other) => other !== listener)),
    fire: (type: string) => {
      for (const listener of listeners.get(type) ?? []) listener({ type, isTrusted: true });
    },
  };
}

/** A page in this realm's globals: `document`, and the window's listener methods. */
function fakePage() {
  const window = fakeTarget();
  const document = Object.assign(fakeTarget(), { visibilityState: "visible" });
  vi.stubGlobal("document", document);
  vi.stubGlobal("addEventListener", window.addEventListener);
  vi.stubGlobal("removeEventListener", window.removeEventListener);
  return {
    window,
    hide: () => {
      document.visibilityState = "hidden";
      document.fire("visibilitychange");
    },
  };
}


resetAfterEach();

describe("the browser entry on a page", () => {
  test("register() listens to the page: a hide runs the callbacks at once, and they stay registered", async () => {
    const atexit = await load();
    const page = fakePage();
    const log: string[] = [];
    const off = atexit.register((event) => void log.push(seen(event)));
    expect(typeof off).toBe("function");
    page.hide();
    expect(log).toEqual(["hidden browser sync"]);
    expect(atexit.count()).toBe(1);
  });

  test("runHandlers() runs the callbacks now, awaited, and they are consumed", async () => {
    const atexit = await load();
    fakePage();
    const log: string[] = [];
    atexit.register((event) => void log.push(seen(event)));
    await atexit.runHandlers();
    expect(log).toEqual(["manual browser awaited"]);
    expect(atexit.count()).toBe(0);
  });

  test("exit() runs the callbacks, awaited, and resolves: a page cannot end itself", async () => {
    const atexit = await load();
    fakePage();
    const log: string[] = [];
    atexit.register((event) => void log.push(`${seen(event)} ${event.code}`));
    await atexit.exit(1);
    expect(log).toEqual(["exit browser awaited 1"]);
  });

  test("enableBeforeUnload() makes beforeunload run the callbacks until its return turns it off", async () => {
    const atexit = await load();
    const page = fakePage();
    const log: string[] = [];
    atexit.register((event) => void log.push(seen(event)));
    const disable = atexit.enableBeforeUnload();
    page.window.fire("beforeunload");
    disable();
    expect(log).toEqual(["beforeunload browser sync"]);
    expect(page.window.listeners.get("beforeunload")).toEqual([]);
  });

  test("defer() never reads process for AsyncLocalStorage, and the awaited run waits for the work before the callbacks", async () => {
    const atexit = await load();
    fakePage();
    await expectDeferHeld(atexit, null);
  });
});

describe("the browser entry without a page", () => {
  test("on a server rendering the page it listens to nothing, and names the host it runs on", async () => {
    const atexit = await load();
    const log: string[] = [];
    atexit.register((event) => void log.push(seen(event)));
    await atexit.runHandlers();
    expect(log).toEqual(["manual node awaited"]);
  });

  test("ready() has no supervisor to tell in a page: it resolves, and sends nothing", async () => {
    await expectReadyInert(await load());
  });
});
