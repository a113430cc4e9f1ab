// createApi with adapters that provide only some of their optional members:
// the fallback has nothing but `runtime`, and an adapter may know how to end
// the program without knowing the status it would end with.
import { afterEach, describe, expect, test, vi } from "vitest";
import type { Adapter } from "../../src/protocol.ts";
import { createApi } from "../fixtures/api.ts";
import { getRegistry } from "../../src/realm.ts";
import { defaultConfig } from "../../src/config.ts";
import type { ExitEvent } from "../../src/types.ts";

afterEach(() => {
  getRegistry().clear();
  getRegistry().config = defaultConfig;
});

describe("an adapter with only a runtime (the fallback)", () => {
  const api = createApi((): Adapter => ({ runtime: "unknown" }));

  test("exit() runs the callbacks with status 0 and resolves", async () => {
    const events: ExitEvent[] = [];
    api.register((event) => void events.push(event));
    await expect(api.exit()).resolves.toBeUndefined();
    expect(events.map((event) => [event.reason, event.code])).toEqual([["exit", 0]]);
  });

  test("exit() requested during runHandlers() resolves once the run is over", async () => {
    const log: string[] = [];
    api.register(() => void log.push("older"));
    api.register(() => {
      log.push("asks to exit");
      void api.exit(4);
    });
    await expect(api.runHandlers()).resolves.toBeUndefined();
    expect(log).toEqual(["asks to exit", "older"]);
  });
});

describe("an adapter that can end the program", () => {
  function setup(currentCode?: () => number | undefined) {
    const end = vi.fn();
    const adapter: Adapter = { runtime: "unknown", exitProcess: end, ...(currentCode && { currentCode }) };
    return { api: createApi(() => adapter), end };
  }

  test("exit() requested without a status during runHandlers() ends with the status the program has now", async () => {
    const { api, end } = setup(() => 5);
    api.register(() => void api.exit());
    await api.runHandlers();
    expect(end).toHaveBeenCalledWith(5);
  });

  test("... or with 0 if the adapter cannot tell", async () => {
    const { api, end } = setup();
    api.register(() => void api.exit());
    await api.runHandlers();
    expect(end).toHaveBeenCalledWith(0);
  });

  test("exit() without a status ends with 0 if the adapter cannot tell the current one", async () => {
    const { api, end } = setup();
    const codes: Array<number | undefined> = [];
    api.register((event) => void codes.push(event.code));
    await api.exit();
    expect(codes).toEqual([0]);
    expect(end).toHaveBeenCalledWith(0);
  });
});
