// More of the shared signal path (adapters/_server-signal.ts signalHandler) than
// signals.test.ts covers: the event callbacks get, a host with debugging off
// (no debug method), and the order of events when the host answers the
// ownership question synchronously (Node, Bun).
import { afterEach, describe, expect, test, vi } from "vitest";
import { signalHandler, type SignalContext } from "../../adapters/_signal.ts";
import { fakeSignalContext } from "./fake-signal-host.ts";
import { defaultConfig } from "../../src/config.ts";
import { Registry } from "../../src/registry.ts";
import type { ExitEvent } from "../../src/types.ts";

function setup(host: Partial<SignalContext> = {}) {
  const registry = new Registry();
  registry.config = defaultConfig;
  const calls: string[] = [];
  const fake = fakeSignalContext(calls, host);
  const events: ExitEvent[] = [];
  let release: () => void = () => {};
  const slow = new Promise<void>((resolve) => (release = resolve));
  registry.add(
    async (event) => {
      events.push(event);
      await slow;
    },
    {},
    { runtime: "deno" },
  );
  return { registry, calls, events, onSignal: signalHandler(registry, fake, "deno"), release: () => release() };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => vi.restoreAllMocks());

describe("the event", () => {
  test("callbacks get reason signal, the signal, its 128+n status, the runtime, final and awaited", async () => {
    const { events, onSignal, release } = setup();
    const run = onSignal("SIGTERM");
    release();
    await run;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: "signal", signal: "SIGTERM", code: 143, runtime: "deno", final: true, awaited: true });
  });
});

describe("a host with debugging off (no debug method)", () => {
  test("a signal the application owns is left to it, silently", async () => {
    const { calls, registry, onSignal } = setup({ appOwns: () => true });
    await expect(onSignal("SIGINT")).resolves.toBeUndefined();
    expect(calls).toEqual([]);
    expect((registry.current !== undefined)).toBe(false);
  });

  test("a duplicate delivery is ignored, and a second request ends at once", async () => {
    let clock = 1_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const { calls, onSignal } = setup();
    void onSignal("SIGINT");
    await tick();
    clock += 1;
    await expect(onSignal("SIGINT")).resolves.toBeUndefined();
    expect(calls).toEqual(["onRun"]);
    clock += 1000;
    await onSignal("SIGINT");
    expect(calls).toEqual(["onRun", "kill 4242 SIGINT"]);
  });
});

describe("a synchronous ownership answer is acted on at once", () => {
  // The application's own listener may end the process synchronously right
  // after atexit's, so nothing may wait for a microtask before acting.
  test("an application that owns the signal is told so before the listener returns", () => {
    const debug = vi.fn();
    const { onSignal } = setup({ appOwns: () => true, debug });
    void onSignal("SIGTERM");
    expect(debug).toHaveBeenCalledWith(
      "SIGTERM: the application listens to it, so it owns it; the callbacks run at the exit it chooses",
    );
  });

  test("otherwise the adapter is told the run has begun before the listener returns", () => {
    const { calls, onSignal } = setup();
    void onSignal("SIGTERM");
    expect(calls).toEqual(["onRun"]);
  });
});
