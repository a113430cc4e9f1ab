// Two copies of atexit in one program (two packages, each with its own): the
// copy loaded first makes the realm's registry and the later one uses it. A
// later copy must cope with a registry made by an older one, whose class may
// lack what was added since (here `reinstall`).
import { describe, expect, test, vi } from "vitest";
import { createApi } from "../../src/api.ts";
import { getRegistry, REGISTRY_KEY } from "../../src/global.ts";
import { configure } from "../../src/public.ts";
import { Registry } from "../../src/registry.ts";

// What the older copy left on globalThis before this copy was first used.
const older = new Registry();
Object.defineProperty(older, "reinstall", { value: undefined });
Object.defineProperty(globalThis, REGISTRY_KEY, { value: older });

describe("a registry made by an older copy", () => {
  test("is the one this copy uses", () => {
    expect(getRegistry()).toBe(older);
  });

  test("without reinstall: configure() still applies a listener setting, and the listeners stay as they are", () => {
    const adapter = { runtime: "node" as const, install: vi.fn(), uninstall: vi.fn() };
    const api = createApi(() => adapter);
    api.register(() => {});
    expect(adapter.install).toHaveBeenCalledTimes(1);
    const config = configure({ extraSignals: ["SIGUSR2"], shutdownMessage: "shutdown" });
    expect(config.extraSignals).toEqual(["SIGUSR2"]);
    expect(older.config).toBe(config);
    expect(adapter.uninstall).not.toHaveBeenCalled();
    expect(adapter.install).toHaveBeenCalledTimes(1);
    api.clear();
  });
});
