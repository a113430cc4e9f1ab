// The realm's one registry (src/global.ts): made on first use, kept on
// globalThis under a Symbol.for key that every copy of atexit in the realm
// shares, and protected from being replaced. Vitest runs each test file in a
// fresh realm (vitest.mutation.config.ts keeps `isolate` on), so this file
// sees the moment before the registry exists.
import { runInNewContext } from "node:vm";
import { buildSync } from "esbuild";
import { describe, expect, test } from "vitest";
import { findRegistry, getRegistry, REGISTRY_KEY } from "../../src/global.ts";
import { Registry } from "../../src/registry.ts";

describe("the realm's registry", () => {
  test("none exists until first use; getRegistry() makes one, and every later call finds that one", () => {
    expect(findRegistry()).toBeUndefined();
    expect(Object.getOwnPropertySymbols(globalThis)).not.toContain(REGISTRY_KEY);
    const registry = getRegistry();
    expect(registry).toBeInstanceOf(Registry);
    expect(getRegistry()).toBe(registry);
    expect(findRegistry()).toBe(registry);
  });

  test("it lives under Symbol.for(\"atexit.registry.v1\"), where another copy of atexit finds it", () => {
    expect(REGISTRY_KEY).toBe(Symbol.for("atexit.registry.v1"));
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("atexit.registry.v1")]).toBe(getRegistry());
  });

  test("a stray assignment cannot replace it, and it is not enumerable or deletable", () => {
    const registry = getRegistry();
    const holder = globalThis as Record<symbol, unknown>;
    // Modules are strict: the assignment throws rather than failing silently.
    expect(() => (holder[REGISTRY_KEY] = new Registry())).toThrow(TypeError);
    expect(() => delete holder[REGISTRY_KEY]).toThrow(TypeError);
    expect(getRegistry()).toBe(registry);
    expect(Object.getOwnPropertyDescriptor(globalThis, REGISTRY_KEY)).toEqual({
      value: registry,
      writable: false,
      enumerable: false,
      configurable: false,
    });
  });
});

describe("another realm (a vm context, an iframe)", () => {
  // The module as a bundler would ship it, evaluated inside a new context.
  const source = buildSync({
    entryPoints: [new URL("../../src/global.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    globalName: "atexitGlobal",
    platform: "neutral",
    write: false,
  }).outputFiles[0]!.text;

  test("has a registry of its own, under the same key, made on its first use", () => {
    const ours = getRegistry();
    const realm = runInNewContext(
      `${source}
      const before = atexitGlobal.findRegistry();
      const registry = atexitGlobal.getRegistry();
      ({ before, registry, again: atexitGlobal.getRegistry(), keyed: globalThis[Symbol.for("atexit.registry.v1")] });`,
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
