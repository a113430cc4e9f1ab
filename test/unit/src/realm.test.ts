// The realm's one slot (src/realm.ts), where every copy of atexit finds the
// shared registry and state: made on first use, kept on globalThis under
// Symbol.for("atexit") with the protocol's number inside, and protected from
// being replaced. Vitest runs each test file in a fresh realm, so this file
// sees the moment before the slot exists.
import { runInNewContext } from "node:vm";
import { buildSync } from "esbuild";
import { describe, expect, test } from "vitest";
import { PROTOCOL, SLOT_KEY } from "../../../src/protocol.ts";
import { findRegistry, findSlot, getRegistry, sharedState, slot } from "../../../src/realm.ts";
import { Registry } from "../../../src/registry.ts";

describe("the realm's slot", () => {
  test("none exists until first use; the first use makes it, and every later use finds that one", () => {
    expect(findSlot()).toBeUndefined();
    expect(findRegistry()).toBeUndefined();
    expect(Object.getOwnPropertySymbols(globalThis)).not.toContain(SLOT_KEY);
    const made = slot();
    expect(made.registry).toBeInstanceOf(Registry);
    expect(getRegistry()).toBe(made.registry);
    expect(findRegistry()).toBe(made.registry);
    expect(sharedState()).toBe(made.state);
    expect(slot()).toBe(made);
  });

  test('it lives under Symbol.for("atexit"), with the protocol it speaks, 1, and an empty shared state', () => {
    expect(SLOT_KEY).toBe(Symbol.for("atexit"));
    expect(PROTOCOL).toBe(1);
    const found = (globalThis as Record<symbol, unknown>)[Symbol.for("atexit")] as { protocol: number; state: object };
    expect(found).toBe(slot());
    expect(found.protocol).toBe(1);
    expect(Object.keys(slot())).toEqual(["protocol", "registry", "state"]);
  });

  test("a stray assignment cannot replace it, and it is not enumerable or deletable", () => {
    const made = slot();
    const holder = globalThis as Record<symbol, unknown>;
    // Modules are strict: the assignment throws rather than failing silently.
    expect(() => (holder[SLOT_KEY] = { protocol: 1, registry: new Registry(), state: {} })).toThrow(TypeError);
    expect(() => delete holder[SLOT_KEY]).toThrow(TypeError);
    expect(slot()).toBe(made);
    expect(Object.getOwnPropertyDescriptor(globalThis, SLOT_KEY)).toEqual({
      value: made,
      writable: false,
      enumerable: false,
      configurable: false,
    });
  });
});

describe("another realm (a vm context, an iframe)", () => {
  // The module as a bundler would ship it, evaluated inside a new context.
  const source = buildSync({
    entryPoints: [new URL("../../../src/realm.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    globalName: "atexitRealm",
    platform: "neutral",
    write: false,
  }).outputFiles[0]!.text;

  test("has a slot of its own, under the same key, made on its first use", () => {
    const ours = getRegistry();
    const realm = runInNewContext(
      `${source}
      const before = atexitRealm.findRegistry();
      const registry = atexitRealm.getRegistry();
      ({ before, registry, again: atexitRealm.getRegistry(), keyed: globalThis[Symbol.for("atexit")].registry });`,
      {},
    ) as { before: unknown; registry: Registry; again: unknown; keyed: unknown };
    expect(realm.before).toBeUndefined();
    expect(realm.registry).not.toBe(ours);
    expect(realm.again).toBe(realm.registry);
    expect(realm.keyed).toBe(realm.registry);
    // Its own copy of the class: it is no instance of this realm's.
    expect(realm.registry).not.toBeInstanceOf(Registry);
    expect(findRegistry()).toBe(ours);
  });
});
