// register()'s `once` and `signal` options at the call site (src/validate.ts):
// `once` must be a boolean; `signal` is recognised by its shape (an `aborted`
// flag and addEventListener), so a signal from another realm or a polyfill
// works, while look-alikes that are not signals are refused.
import { afterEach, describe, expect, test } from "vitest";
import { createApi } from "../fixtures/api.ts";
import { getRegistry } from "../../src/realm.ts";
import { defaultConfig } from "../../src/config.ts";
import type { RegisterOptions } from "../../src/types.ts";

const api = createApi(() => ({ runtime: "unknown", install: () => {}, uninstall: () => {} }));
const fn = (): void => {};
// Calls with values the types forbid: the runtime check is what is under test.
const loose = (options: Record<string, unknown>): RegisterOptions => options as RegisterOptions;

afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
});

describe("once", () => {
  test.each([true, false])("once: %s is accepted", (once) => {
    api.register(fn, { once });
    expect(api.count()).toBe(1);
  });

  test.each([
    ["yes", "string"],
    [1, "number"],
    [null, "null"],
  ])("once: %s → TypeError naming what it got", (once, got) => {
    expect(() => api.register(fn, loose({ once }))).toThrow(
      new TypeError(`[atexit] register() option "once" must be a boolean, got ${got}`),
    );
    expect(api.count()).toBe(0);
  });
});

describe("signal", () => {
  const signalLike = () => Object.assign(new EventTarget(), { aborted: false });

  test.each([
    ["an object with only aborted: false", { aborted: false }, "object"],
    ["a bare EventTarget (no aborted flag)", new EventTarget(), "object"],
    ["an EventTarget whose aborted is not a boolean", Object.assign(new EventTarget(), { aborted: "false" }), "object"],
    ["a function with aborted and addEventListener", Object.assign(() => {}, { aborted: false, addEventListener: () => {} }), "function"],
  ])("%s → TypeError", (_what, signal, got) => {
    expect(() => api.register(fn, loose({ signal }))).toThrow(
      new TypeError(`[atexit] register() option "signal" must be an AbortSignal, got ${got}`),
    );
    expect(api.count()).toBe(0);
  });

  test("something shaped like a signal (another realm's, a polyfill) is accepted, and its abort event removes the registration", () => {
    const signal = signalLike();
    const off = api.register(fn, loose({ signal }));
    expect(api.count()).toBe(1);
    signal.dispatchEvent(new Event("abort"));
    expect(api.count()).toBe(0);
    expect(off()).toBe(false);
  });

  test("one that says it is already aborted registers nothing", () => {
    const signal = Object.assign(new EventTarget(), { aborted: true });
    api.register(fn, loose({ signal }));
    expect(api.count()).toBe(0);
  });
});
