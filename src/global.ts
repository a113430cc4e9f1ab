// This module is browser compatible.

import { Registry } from "./registry.ts";

/**
 * The registry's place on `globalThis`. `Symbol.for` keys are shared by every
 * module in a realm, so the ESM and CJS builds, and two installed copies of
 * atexit, find the same registry: one LIFO stack, one set of listeners. The
 * version names the registry's shape; it changes only when that shape does.
 */
export const REGISTRY_KEY: unique symbol = Symbol.for("atexit.registry.v1") as never;

type Holder = { [REGISTRY_KEY]?: Registry };

/** The realm's registry if something has created it; reading never creates one. */
export const findRegistry = (): Registry | undefined => (globalThis as Holder)[REGISTRY_KEY];

/** The realm's registry, created on first use (never at import). */
export function getRegistry(): Registry {
  const holder = globalThis as Holder;
  let registry = holder[REGISTRY_KEY];
  if (!registry) {
    registry = new Registry();
    // Not writable or enumerable: a stray assignment must not split the stack in two.
    Object.defineProperty(holder, REGISTRY_KEY, { value: registry });
  }
  return registry;
}
