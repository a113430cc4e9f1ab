// atexit/cluster's superviseWorkers (helpers/cluster.ts) against a fake
// node:cluster reached through a stubbed process.getBuiltinModule: which
// workers are disconnected on which exit paths, the wait and the SIGKILL at
// the timeout or the deadline, the phase, and the errors for bad input. Real
// clusters on Node, Deno and Bun are in test/e2e/cluster.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import { clear, configure, count, register, runHandlers } from "../../../adapters/auto.ts";
import { superviseWorkers, type ClusterLike } from "../../../helpers/cluster.ts";
import { withExit } from "../../../helpers/request.ts";
import { getRegistry } from "../../../src/realm.ts";
import { runNow } from "../../../src/run.ts";
import { settledNow } from "../settled-now.ts";

/** A fake cluster worker that records what is done to it; `endsOn` says what ends it, 5 ms later. */
function fakeWorker(id: number, calls: string[], endsOn: Array<"disconnect" | "SIGKILL"> = ["disconnect", "SIGKILL"]) {
  const listeners: Array<() => void> = [];
  let dead = false;
  const end = (): void => {
    dead = true;
    for (const listener of listeners.splice(0)) listener();
  };
  const worker = {
    process: {
      pid: 7000 + id,
      kill: (signal?: string) => {
        calls.push(`kill ${id} ${signal}`);
        if (signal === "SIGKILL" && endsOn.includes("SIGKILL")) setTimeout(end, 5);
        return true;
      },
    },
    isDead: () => dead,
    disconnect: () => {
      calls.push(`disconnect ${id}`);
      if (endsOn.includes("disconnect")) setTimeout(end, 5);
    },
    once: (event: "exit", listener: () => void) => void (event === "exit" && listeners.push(listener)),
    end,
  };
  return worker;
}

function stubCluster(cluster: unknown): void {
  vi.spyOn(process, "getBuiltinModule").mockImplementation(((id: string) => (id === "node:cluster" ? cluster : undefined)) as never);
}

afterEach(() => {
  vi.useRealTimers();
  clear();
  configure({ timeout: 5000, totalTimeout: 9000 });
  vi.restoreAllMocks();
});

describe("the exit paths", () => {
  test("an awaited path disconnects every live worker and waits until each has ended, before the ordinary callbacks", async () => {
    const calls: string[] = [];
    const [one, two, gone] = [fakeWorker(1, calls), fakeWorker(2, calls), fakeWorker(3, calls)];
    gone.end();
    stubCluster({ isPrimary: true, workers: { 1: one, 2: two, 3: gone, 4: undefined } });
    superviseWorkers();
    // Registered after, run after: superviseWorkers runs in the `first` phase.
    register(() => void calls.push(`ordinary, workers dead: ${one.isDead()} ${two.isDead()}`));

    await runHandlers();

    expect(calls).toEqual(["disconnect 1", "disconnect 2", "ordinary, workers dead: true true"]);
  });

  test("a worker that has not ended at the timeout gets SIGKILL; the wait counts from the disconnect", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const stuck = fakeWorker(1, calls, ["SIGKILL"]);
    const quick = fakeWorker(2, calls);
    stubCluster({ isPrimary: true, workers: { 1: stuck, 2: quick } });
    superviseWorkers({ timeout: 300 });
    const onError = vi.fn();
    configure({ onError });

    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(299);
    expect(calls).toEqual(["disconnect 1", "disconnect 2"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["disconnect 1", "disconnect 2", "kill 1 SIGKILL"]);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(run)).toBe(true);
    expect(stuck.isDead()).toBe(true);
    expect(onError).not.toHaveBeenCalled();
  });

  test("a worker that SIGKILL does not end is waited for 1 s more, within the callback's own limit: no timeout is reported", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls, []) } });
    superviseWorkers({ timeout: 300 });
    const onError = vi.fn();
    configure({ onError });

    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(300 + 999);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(run)).toBe(true);
    expect(calls).toEqual(["disconnect 1", "kill 1 SIGKILL"]);
    expect(onError).not.toHaveBeenCalled();
  });

  test("the callback's own time limit covers the wait and SIGKILL's, above a shorter configured one", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls, ["SIGKILL"]) } });
    configure({ timeout: 100, onError: (error) => void calls.push(`onError ${(error as Error).message}`) });
    superviseWorkers({ timeout: 300 });

    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(305);
    await run;
    expect(calls).toEqual(["disconnect 1", "kill 1 SIGKILL"]);
  });

  test("a failure is reported under the name superviseWorkers", async () => {
    const calls: string[] = [];
    stubCluster({
      isPrimary: true,
      get workers() {
        throw new Error("no workers");
      },
    });
    configure({ onError: (error, _event, name) => void calls.push(`onError ${name}: ${(error as Error).message}`) });
    superviseWorkers();

    await runHandlers();

    expect(calls).toEqual(["onError superviseWorkers: no workers"]);
  });

  test("the default timeout is 5000 ms", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls, ["SIGKILL"]) } });
    superviseWorkers();

    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toEqual(["disconnect 1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["disconnect 1", "kill 1 SIGKILL"]);
    await vi.advanceTimersByTimeAsync(5);
    await run;
  });

  test("the run's total deadline cuts the wait short: SIGKILL then", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls, ["SIGKILL"]) } });
    superviseWorkers({ timeout: 10_000 });
    configure({ totalTimeout: 400, onError: () => {} });

    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(399);
    expect(calls).toEqual(["disconnect 1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(["disconnect 1", "kill 1 SIGKILL"]);
    await vi.advanceTimersByTimeAsync(5);
    await run;
  });

  test("a worker that ends during its disconnect is not waited for, and one whose disconnect throws is waited for all the same", async () => {
    const calls: string[] = [];
    const instant = fakeWorker(1, calls, []);
    instant.disconnect = () => {
      calls.push("disconnect 1");
      instant.end();
    };
    const closed = fakeWorker(2, calls);
    closed.disconnect = () => {
      calls.push("disconnect 2 throws");
      setTimeout(closed.end, 5);
      throw new Error("ERR_IPC_CHANNEL_CLOSED");
    };
    stubCluster({ isPrimary: true, workers: { 1: instant, 2: closed } });
    superviseWorkers();

    await runHandlers();

    expect(calls).toEqual(["disconnect 1", "disconnect 2 throws"]);
    expect(closed.isDead()).toBe(true);
  });

  test("no live worker: nothing to wait for", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const gone = fakeWorker(1, calls);
    gone.end();
    stubCluster({ isPrimary: true, workers: { 1: gone } });
    superviseWorkers();
    register(() => void calls.push("ordinary"));

    expect(await settledNow(runHandlers())).toBe(true);
    expect(calls).toEqual(["ordinary"]);
  });

  test("a cluster with no workers table (none forked yet)", async () => {
    vi.useFakeTimers();
    stubCluster({ isPrimary: true });
    superviseWorkers();
    expect(await settledNow(runHandlers())).toBe(true);
  });

  test("a path that cannot wait leaves the workers to the runtime: nothing is disconnected or killed", () => {
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls) } });
    superviseWorkers();

    runNow(getRegistry(), { reason: "exit", code: 0, runtime: "node", final: true });

    expect(calls).toEqual([]);
  });

  test("an invocation's end (withExit's phase) disconnects nothing, and the workers stay supervised for the exit", async () => {
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls) } });
    superviseWorkers();
    const ran: string[] = [];
    register((event) => void ran.push(event.reason));

    await withExit(() => "response")();
    for (let waited = 0; waited < 1000 && ran.length === 0; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(ran).toEqual(["request"]);
    expect(calls).toEqual([]);
    expect(count()).toBe(2);
  });

  test("the registration's handle takes it back", async () => {
    const calls: string[] = [];
    stubCluster({ isPrimary: true, workers: { 1: fakeWorker(1, calls) } });
    const registration = superviseWorkers();
    registration();
    await runHandlers();
    expect(calls).toEqual([]);
  });

  test("Node before 16 names the primary `isMaster`", () => {
    stubCluster({ isMaster: true, workers: {} } satisfies ClusterLike);
    superviseWorkers();
    expect(count()).toBe(1);
  });
});

describe("errors, leaving nothing registered", () => {
  test("in a worker", () => {
    stubCluster({ isPrimary: false });
    expect(() => superviseWorkers()).toThrow(
      new TypeError("[atexit] superviseWorkers() is for the cluster's primary: in a worker, the primary's disconnect already ends it through atexit"),
    );
    expect(count()).toBe(0);
  });

  test("where node:cluster cannot be reached", () => {
    const message = "[atexit] superviseWorkers() needs node:cluster, through process.getBuiltinModule (Node.js 20.16 or later, Deno, Bun)";
    stubCluster(undefined);
    expect(() => superviseWorkers()).toThrow(new TypeError(message));
    stubCluster(null);
    expect(() => superviseWorkers()).toThrow(new TypeError(message));
    vi.spyOn(process, "getBuiltinModule").mockReturnValue("node:cluster" as never);
    expect(() => superviseWorkers()).toThrow(new TypeError(message));
    // A host without getBuiltinModule, and one without a process.
    for (const proc of [{ ...process, getBuiltinModule: undefined }, undefined, null]) {
      vi.stubGlobal("process", proc);
      try {
        expect(() => superviseWorkers()).toThrow(new TypeError(message));
      } finally {
        vi.unstubAllGlobals();
      }
    }
    expect(count()).toBe(0);
  });

  test("a getBuiltinModule that throws", () => {
    const failure = new Error("denied");
    vi.spyOn(process, "getBuiltinModule").mockImplementation(() => {
      throw failure;
    });
    let thrown: unknown;
    try {
      superviseWorkers();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toEqual(new TypeError("[atexit] superviseWorkers() could not load node:cluster: denied"));
    expect((thrown as Error).cause).toBe(failure);
    expect(count()).toBe(0);
  });

  test("bad options", () => {
    stubCluster({ isPrimary: true, workers: {} });
    expect(() => superviseWorkers({ timeout: -1 })).toThrow(RangeError);
    expect(() => superviseWorkers({ timeout: "5s" as never })).toThrow(TypeError);
    expect(() => superviseWorkers({ timeout: -1 })).toThrow(/^\[atexit\] superviseWorkers\(\) option "timeout"/);
    expect(() => superviseWorkers({ tree: true } as never)).toThrow(/^\[atexit\] superviseWorkers\(\)/);
    expect(() => superviseWorkers(42 as never)).toThrow(/^\[atexit\] superviseWorkers\(\)/);
    expect(count()).toBe(0);
  });
});
