// The state every copy of atexit in a realm shares besides the registry
// (src/realm.ts): made on first use, one object, on a key no stray
// assignment or enumeration touches.
import { expect, test } from "vitest";
import { REALM_KEY, realmState } from "../../src/realm.ts";

test("nothing is made at import; the first use makes it, empty; every later use gets the same object", () => {
  expect(Object.getOwnPropertySymbols(globalThis)).not.toContain(REALM_KEY);
  const state = realmState();
  expect(state).toEqual({ pageTrigger: undefined, keepaliveInFlight: 0 });
  expect(realmState()).toBe(state);
  expect((globalThis as Record<symbol, unknown>)[Symbol.for("atexit.realm.v1")]).toBe(state);
});

test("the key is neither enumerable nor writable: an assignment cannot split the state in two", () => {
  const state = realmState();
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, REALM_KEY)!;
  expect(descriptor).toMatchObject({ enumerable: false, writable: false, configurable: false });
  expect(() => ((globalThis as Record<symbol, unknown>)[REALM_KEY] = {})).toThrow(TypeError);
  expect(realmState()).toBe(state);
});
