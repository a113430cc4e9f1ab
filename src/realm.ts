// This module is browser compatible.

import { PROTOCOL, SLOT_KEY, type SharedRegistry, type SharedState, type Slot } from "./protocol.ts";
import { Registry } from "./registry.ts";

type Holder = { [SLOT_KEY]?: Slot };

/** The realm's slot if some copy of atexit has made it; reading never makes one. */
export const findSlot = (): Slot | undefined => (globalThis as Holder)[SLOT_KEY];

/** The realm's slot, made on first use (never at import), by whichever copy needs it first. */
export function slot(): Slot {
  const holder = globalThis as Holder;
  let found = holder[SLOT_KEY];
  if (!found) {
    found = { protocol: PROTOCOL, registry: new Registry(), state: {} };
    // Not writable or enumerable: a stray assignment must not split the stack in two.
    Object.defineProperty(holder, SLOT_KEY, { value: found });
  }
  return found;
}

/** The realm's registry, made on first use. */
export const getRegistry = (): SharedRegistry => slot().registry;

/** The realm's registry if it exists. */
export const findRegistry = (): SharedRegistry | undefined => findSlot()?.registry;

/** What the realm's copies share besides the registry, made on first use. */
export const sharedState = (): SharedState => slot().state;
