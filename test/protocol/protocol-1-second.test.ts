// A realm whose slot this version made first, and a protocol-1 copy loaded
// after it (protocol-1-copy.ts, written from src/protocol.ts alone): that copy
// registers and runs through this version's registry by the protocol's
// members, and both copies' handles and runs stay one stack.
import { afterEach, describe, expect, test, vi } from "vitest";
import { findSlot } from "../../src/realm.ts";
import { Registry } from "../../src/registry.ts";
import type { Trigger } from "../../src/protocol.ts";
import { createApi } from "../fixtures/api.ts";
import { stubApi } from "./protocol-1-copy.ts";

const api = createApi(() => ({ runtime: "node", install: vi.fn(), uninstall: vi.fn() }));
const other = stubApi();
const manual: Trigger = { reason: "manual", runtime: "node", final: false };

afterEach(() => api.clear());

describe("a protocol-1 copy beside this version, which made the slot", () => {
  test("the slot is this version's: protocol 1, this registry", () => {
    api.register(() => {});
    expect(findSlot()?.protocol).toBe(1);
    expect(findSlot()?.registry).toBeInstanceOf(Registry);
  });

  test("the other copy's registrations join the one stack, and its own run takes them all, LIFO", () => {
    const seen: string[] = [];
    api.register(() => void seen.push("1 this"));
    other.register(() => void seen.push("2 other"));
    api.register(() => void seen.push("3 this"));
    expect(api.count()).toBe(3);
    other.runNow(manual);
    expect(seen).toEqual(["3 this", "2 other", "1 this"]);
    expect(api.count()).toBe(0);
  });

  test("this version's run takes the other copy's callbacks too, and its handles still work", async () => {
    const seen: string[] = [];
    const off = other.register(() => void seen.push("gone"));
    other.register(() => void seen.push("2 other"));
    api.register(() => void seen.push("3 this"));
    expect(off()).toBe(true);
    await api.runHandlers();
    expect(seen).toEqual(["3 this", "2 other"]);
  });
});
