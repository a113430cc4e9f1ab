// A realm whose slot a protocol-1 copy made first (protocol-1-copy.ts, written
// from src/protocol.ts alone): this version finds it and does everything
// through that registry's protocol members, beside the other copy.
import { afterEach, describe, expect, test, vi } from "vitest";
import { findSlot } from "../../src/realm.ts";
import { runAwaited, runNow } from "../../src/run.ts";
import type { Adapter, Trigger } from "../../src/protocol.ts";
import { createApi } from "../fixtures/api.ts";
import { makeStubSlot, stubApi } from "./protocol-1-copy.ts";

// Before anything of this version runs: the other copy was loaded and used first.
const stub = makeStubSlot();
const other = stubApi();

const exitProcess = vi.fn((_code: number) => {});
const adapter: Adapter = { runtime: "node", install: vi.fn(), uninstall: vi.fn(), currentCode: () => 0, exitProcess };
const api = createApi(() => adapter);
const manual: Trigger = { reason: "manual", runtime: "node", final: false };

afterEach(() => {
  api.clear();
  vi.clearAllMocks();
});

describe("this version beside a protocol-1 copy that made the slot", () => {
  test("it uses that slot and that registry", () => {
    expect(findSlot()?.registry).toBe(stub.registry);
    api.register(() => {});
    expect(stub.registry.size).toBe(1);
    expect(api.count()).toBe(1);
  });

  test("one LIFO stack across both copies, run by this version's driver, each callback once", async () => {
    const seen: string[] = [];
    other.register(() => void seen.push("1 other"));
    api.register(() => void seen.push("2 this"));
    other.register(async () => void seen.push("3 other"));
    api.register(() => void seen.push("4 last"), { last: true });
    const result = await runAwaited(stub.registry, manual);
    expect(seen).toEqual(["3 other", "2 this", "1 other", "4 last"]);
    expect(result).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
    expect(api.count()).toBe(0);
  });

  test("and by the other copy's own run", () => {
    const seen: string[] = [];
    api.register(() => void seen.push("1 this"));
    other.register(() => void seen.push("2 other"));
    other.runNow(manual);
    expect(seen).toEqual(["2 other", "1 this"]);
  });

  test("this version's handles, unregister, count and clear act on it", () => {
    const fn = () => {};
    const off = api.register(fn);
    api.register(fn);
    other.register(fn);
    expect(api.count()).toBe(3);
    expect(off()).toBe(true);
    expect(off()).toBe(false);
    expect(api.unregister(fn)).toBe(2);
    other.register(() => {});
    api.clear();
    expect(stub.registry.size).toBe(0);
  });

  test("the first registration installs this version's adapter there, and the last removes it", () => {
    const off = api.register(() => {});
    expect(stub.registry.installed).toBe(adapter);
    expect(adapter.install).toHaveBeenCalledWith(stub.registry);
    off();
    expect(adapter.uninstall).toHaveBeenCalledTimes(1);
    expect(stub.registry.installed).toBeUndefined();
  });

  test("configure() sets the shared config and relistens when a listener setting changes", () => {
    api.register(() => {});
    const config = api.configure({ awaitCrash: true });
    expect(stub.registry.config).toBe(config);
    expect(stub.registry.log).toContain("relisten");
    api.configure({ awaitCrash: false });
  });

  test("exit(code) during a run marks the shared run; the run's owner ends with it", async () => {
    api.register(() => void api.exit(7));
    await api.runHandlers();
    expect(exitProcess).toHaveBeenCalledWith(7);
  });

  test("a page hide episode runs once per hide, kept for the next", () => {
    const seen: string[] = [];
    api.register(() => void seen.push("a"));
    const hide: Trigger = { reason: "hidden", runtime: "browser", final: false };
    runNow(stub.registry, hide, { keep: true, episode: true });
    runNow(stub.registry, hide, { keep: true, episode: true });
    expect(seen).toEqual(["a"]);
    runNow(stub.registry, { ...hide }, { keep: true, episode: true });
    expect(seen).toEqual(["a", "a"]);
  });

  test("it called nothing but the protocol's members", () => {
    const members = new Set(["add", "remove", "removeAll", "clear", "begin", "take", "close", "relisten", "detach"]);
    expect(stub.registry.log.filter((call) => !members.has(call))).toEqual([]);
  });
});
