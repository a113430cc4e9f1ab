// atexit/cluster's endOnExit (helpers/_threads.ts) against fake workers of
// each shape and a fake BroadcastChannel: what it says on atexit's channel,
// when it terminates, the self-removal, and the errors for bad input. The
// real runtimes, with real threads, are in test/e2e/threads.test.ts.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { clear, count, register, runHandlers } from "../../../adapters/auto.ts";
import { endOnExit, type ThreadWorker } from "../../../helpers/_threads.ts";
import { getRegistry } from "../../../src/realm.ts";
import { runNow } from "../../../src/run.ts";
import { settledNow } from "../settled-now.ts";

/** Every fake channel made, by name. */
let channels: FakeChannel[] = [];

class FakeChannel {
  onmessage: ((event: { data: unknown }) => unknown) | null = null;
  posted: unknown[] = [];
  closed = false;
  unrefs = 0;
  constructor(readonly name: string) {
    channels.push(this);
  }
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  close(): void {
    this.closed = true;
  }
  unref(): void {
    this.unrefs++;
  }
  /** A message from the worker's side. */
  hear(data: unknown): void {
    this.onmessage?.({ data });
  }
}

/** A fake node:worker_threads Worker; `exit()` ends it. */
function nodeWorker(threadId = 7) {
  const listeners: Array<() => void> = [];
  const worker = {
    threadId,
    terminated: 0,
    once: (event: string, listener: () => void) => void (event === "exit" && listeners.push(listener)),
    terminate() {
      worker.terminated++;
      setTimeout(() => worker.exit(), 5);
      return Promise.resolve(1);
    },
    exit: () => listeners.splice(0).forEach((listener) => listener()),
  };
  return worker;
}

/** A fake web Worker (Bun's has a threadId, Deno's none); `close()` ends it. */
function webWorker(threadId?: number) {
  const listeners: Array<() => void> = [];
  const worker = {
    ...(threadId !== undefined && { threadId }),
    terminated: 0,
    addEventListener: (type: string, listener: () => void) => void (type === "close" && listeners.push(listener)),
    terminate() {
      worker.terminated++;
    },
    close: () => listeners.splice(0).forEach((listener) => listener()),
  };
  return worker;
}

beforeEach(() => {
  vi.useFakeTimers();
  channels = [];
  vi.stubGlobal("BroadcastChannel", FakeChannel);
});

afterEach(async () => {
  // Every wait is bounded: the runs a test left under way end.
  await vi.advanceTimersByTimeAsync(120_000);
  expect(getRegistry().current).toBeUndefined();
  clear();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/**
 * The channels endOnExit opened. Under a test runner that runs this file in a
 * worker thread, the registry's own adapter opens the worker's end too (it
 * says "listening" first): not ours.
 */
const ours = (): FakeChannel[] => channels.filter((channel) => channel.posted[0] !== "listening");

/** The one channel endOnExit opened. */
const only = (): FakeChannel => {
  expect(ours()).toHaveLength(1);
  return ours()[0]!;
};

describe("the channel", () => {
  test("is named after the worker's thread id, unref'd, and asks whether atexit listens there", () => {
    endOnExit(nodeWorker(12));
    const channel = only();
    expect(channel.name).toBe("atexit:thread:12");
    expect(channel.unrefs).toBe(1);
    expect(channel.posted).toEqual(["ask"]);
  });

  test("none where BroadcastChannel cannot be unref'd (Deno): the worker is terminated at once", async () => {
    // (The registry's own adapter may open one when the runner runs this file in a worker thread.)
    const made: string[] = [];
    vi.stubGlobal(
      "BroadcastChannel",
      class {
        constructor(name: string) {
          made.push(name);
        }
        onmessage = null;
        postMessage(): void {}
        close(): void {}
      },
    );
    const worker = nodeWorker(4242);
    endOnExit(worker);
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(run)).toBe(true);
    expect(made).not.toContain("atexit:thread:4242");
  });

  test("none without BroadcastChannel at all", async () => {
    // Installed first: under a runner that runs this file in a worker thread, the adapter opens a channel of its own.
    register(() => {});
    vi.stubGlobal("BroadcastChannel", undefined);
    const worker = nodeWorker();
    endOnExit(worker);
    void runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(1);
  });

  test("none for a worker with no thread id (Deno's web Worker): terminated at once, and nothing waits for an end it never reports", async () => {
    const worker = webWorker();
    endOnExit(worker);
    expect(ours()).toEqual([]);
    const run = runHandlers();
    expect(await settledNow(run)).toBe(true);
    expect(worker.terminated).toBe(1);
  });
});

describe("at an exit that can wait", () => {
  test("a worker where atexit listens is asked to end, and not terminated when it does", async () => {
    const worker = nodeWorker();
    endOnExit(worker, { timeout: 1000 });
    const channel = only();
    channel.hear("listening");
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.posted).toEqual(["ask", "end"]);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settledNow(run)).toBe(false);
    worker.exit();
    expect(await settledNow(run)).toBe(true);
    expect(worker.terminated).toBe(0);
    expect(channel.closed).toBe(true);
  });

  test("one that has not ended at the timeout is terminated then", async () => {
    const worker = nodeWorker();
    endOnExit(worker, { timeout: 1000 });
    only().hear("listening");
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(999);
    expect(worker.terminated).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(worker.terminated).toBe(1);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(run)).toBe(true);
  });

  test("the default timeout is 5000 ms", async () => {
    const worker = nodeWorker();
    endOnExit(worker);
    only().hear("listening");
    void runHandlers();
    await vi.advanceTimersByTimeAsync(4999);
    expect(worker.terminated).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(worker.terminated).toBe(1);
  });

  test("a worker where atexit does not listen, or no longer does, is asked once more and terminated when no answer comes within 200 ms", async () => {
    const silent = nodeWorker(1);
    const gone = nodeWorker(2);
    endOnExit(silent);
    endOnExit(gone);
    ours()[1]!.hear("listening");
    ours()[1]!.hear("gone");
    ours()[1]!.hear("something else");
    void runHandlers();
    // One after the other (LIFO): `gone`, asked again, then terminated 200 ms on.
    await vi.advanceTimersByTimeAsync(199);
    expect([silent.terminated, gone.terminated]).toEqual([0, 0]);
    expect(ours()[1]!.posted).toEqual(["ask", "ask"]);
    await vi.advanceTimersByTimeAsync(1);
    expect([silent.terminated, gone.terminated]).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(5 + 200);
    expect([silent.terminated, gone.terminated]).toEqual([1, 1]);
    expect(ours()[0]!.posted).toEqual(["ask", "ask"]);
  });

  test("a worker whose answer comes only at the exit (its announcement still on its way) is asked to end, not terminated", async () => {
    const worker = nodeWorker(3);
    endOnExit(worker);
    void runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(only().posted).toEqual(["ask", "ask"]);
    await vi.advanceTimersByTimeAsync(50);
    only().hear("listening");
    await vi.advanceTimersByTimeAsync(0);
    expect(only().posted).toEqual(["ask", "ask", "end"]);
    worker.exit();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(0);
  });

  test("after terminate(), the wait for the end is bounded (1000 ms)", async () => {
    const worker = { ...nodeWorker(), terminate: () => undefined };
    endOnExit(worker);
    const run = runHandlers();
    // The 200 ms for an answer to the ask, then the wait after terminate().
    await vi.advanceTimersByTimeAsync(200 + 999);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(run)).toBe(true);
  });

  test("a terminate() that throws is a worker already going: the end is still waited for", async () => {
    const worker = nodeWorker();
    worker.terminate = () => {
      setTimeout(() => worker.exit(), 5);
      throw new Error("gone");
    };
    endOnExit(worker);
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(200);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(run)).toBe(true);
  });

  test("the program's deadline cuts the wait short", async () => {
    const worker = nodeWorker();
    endOnExit(worker, { timeout: 60_000 });
    only().hear("listening");
    const controller = new AbortController();
    const entry = getRegistry().take(getRegistry().begin({ reason: "manual", runtime: "node", final: false }, {}))!;
    const pending = entry.callback({ reason: "exit", awaited: true, deadline: controller.signal } as never) as Promise<void>;
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(pending)).toBe(true);
    getRegistry().close(getRegistry().current!);
  });

  test("a Bun web Worker is asked over its thread's channel and its end heard through `close`", async () => {
    const worker = webWorker(3);
    endOnExit(worker);
    const channel = only();
    expect(channel.name).toBe("atexit:thread:3");
    channel.hear("listening");
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(channel.posted).toEqual(["ask", "end"]);
    worker.close();
    expect(await settledNow(run)).toBe(true);
    expect(worker.terminated).toBe(0);
  });

  test("it runs first, before the program's own callbacks, named after the thread, with room for its waits", () => {
    endOnExit(nodeWorker());
    register(() => {});
    const entry = getRegistry().take(getRegistry().begin({ reason: "manual", runtime: "node", final: false }, {}))!;
    getRegistry().close(getRegistry().current!);
    expect(entry.options).toMatchObject({ first: true, timeout: 5000 + 1000 + 500, name: "endOnExit(7)" });
  });

  test("a worker with no thread id is named as such, and the room follows the timeout", () => {
    endOnExit(webWorker(), { timeout: 200 });
    const entry = getRegistry().take(getRegistry().begin({ reason: "manual", runtime: "node", final: false }, {}))!;
    getRegistry().close(getRegistry().current!);
    expect(entry.options).toMatchObject({ timeout: 200 + 1000 + 500, name: "endOnExit(worker)" });
  });
});

describe("what it takes", () => {
  test("a function with a Worker's methods is one; a thread id that is not a number is none", async () => {
    const worker = Object.assign(() => {}, nodeWorker(), { threadId: "5" });
    endOnExit(worker as unknown as ThreadWorker);
    expect(count()).toBe(1);
    expect(ours()).toEqual([]);
  });

  test("thread id 0 is a thread's, not a stopped one's", () => {
    endOnExit(nodeWorker(0));
    expect(count()).toBe(1);
    expect(only().name).toBe("atexit:thread:0");
  });

  test("a node:worker_threads Worker without a thread id is still waited for after terminate()", async () => {
    const worker = nodeWorker();
    (worker as { threadId?: number }).threadId = undefined;
    endOnExit(worker as unknown as ThreadWorker);
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.terminated).toBe(1);
    expect(await settledNow(run)).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(await settledNow(run)).toBe(true);
  });

  test("a Bun web Worker where atexit does not listen is terminated, and its close waited for", async () => {
    const worker = webWorker(3);
    endOnExit(worker);
    const run = runHandlers();
    await vi.advanceTimersByTimeAsync(200);
    expect(worker.terminated).toBe(1);
    expect(await settledNow(run)).toBe(false);
    worker.close();
    expect(await settledNow(run)).toBe(true);
  });

  test("a message other than gone leaves it listening", async () => {
    const worker = nodeWorker();
    endOnExit(worker);
    only().hear("listening");
    only().hear("something else");
    void runHandlers();
    await vi.advanceTimersByTimeAsync(0);
    expect(only().posted).toEqual(["ask", "end"]);
    worker.exit();
  });
});

describe("elsewhere", () => {
  test("a path that cannot wait leaves the worker to the process's end", () => {
    const worker = nodeWorker();
    endOnExit(worker);
    runNow(getRegistry(), { reason: "exit", runtime: "node", final: true });
    expect(worker.terminated).toBe(0);
  });

  test("an invocation's end is not the program's", async () => {
    const worker = nodeWorker();
    endOnExit(worker);
    const entry = getRegistry().take(getRegistry().begin({ reason: "manual", runtime: "node", final: false }, {}))!;
    expect(entry.callback({ reason: "request", awaited: true } as never)).toBeUndefined();
    getRegistry().close(getRegistry().current!);
    expect(worker.terminated).toBe(0);
  });

  test("a worker that ends on its own takes its registration and channel with it", () => {
    const worker = nodeWorker();
    endOnExit(worker);
    expect(count()).toBe(1);
    worker.exit();
    expect(count()).toBe(0);
    expect(only().closed).toBe(true);
  });

  test("a worker that has already stopped (thread id -1) is not registered", () => {
    const registration = endOnExit(nodeWorker(-1));
    expect(count()).toBe(0);
    expect(ours()).toEqual([]);
    expect(registration()).toBe(false);
  });

  test("a worker that ends after the program began ending is not terminated", async () => {
    const worker = nodeWorker();
    endOnExit(worker);
    worker.exit();
    await runHandlers();
    expect(worker.terminated).toBe(0);
  });

  test("the registration can be taken back", () => {
    const registration = endOnExit(nodeWorker());
    expect(registration()).toBe(true);
    expect(count()).toBe(0);
  });
});

describe("bad input", () => {
  test.each<[string, unknown, string]>([
    ["undefined", undefined, "undefined"],
    ["a number", 3, "number"],
    ["null", null, "null"],
    ["a function", () => {}, "function"],
    ["an object without terminate", { once() {} }, "object"],
    ["an object with terminate and no way to hear its end", { terminate() {} }, "object"],
  ])("%s is not a Worker", (_, value, shown) => {
    expect(() => endOnExit(value as ThreadWorker)).toThrow(
      new TypeError(`[atexit] endOnExit() expects a Worker (node:worker_threads, or a web Worker of Deno or Bun), got ${shown}`),
    );
    expect(count()).toBe(0);
    expect(ours()).toEqual([]);
  });

  test("a worker whose getter throws, or a Proxy whose trap does, leaves nothing behind", () => {
    const getter = Object.defineProperty(nodeWorker(), "threadId", {
      get() {
        throw new Error("no id");
      },
    });
    expect(() => endOnExit(getter)).toThrow(new TypeError("[atexit] endOnExit() could not read the worker: no id"));
    try {
      endOnExit(getter);
    } catch (error) {
      expect((error as Error).cause).toEqual(new Error("no id"));
    }
    const proxy = new Proxy(nodeWorker(), {
      get() {
        throw new Error("trapped");
      },
    });
    expect(() => endOnExit(proxy)).toThrow(new TypeError("[atexit] endOnExit() could not read the worker: trapped"));
    expect(count()).toBe(0);
    expect(ours()).toEqual([]);
  });

  test("a worker that cannot be listened to: the registration and the channel are taken back", () => {
    const worker = {
      ...nodeWorker(),
      once() {
        throw new Error("no listening");
      },
    };
    expect(() => endOnExit(worker)).toThrow(new TypeError("[atexit] endOnExit() could not listen to the worker: no listening"));
    try {
      endOnExit(worker);
    } catch (error) {
      expect((error as Error).cause).toEqual(new Error("no listening"));
    }
    expect(count()).toBe(0);
    expect(ours().every((channel) => channel.closed && channel.onmessage === null)).toBe(true);
  });

  test("one that cannot be listened to where there is no channel (Deno's web Worker) leaves nothing either", () => {
    const worker = {
      terminate() {},
      addEventListener() {
        throw new Error("no listening");
      },
    };
    expect(() => endOnExit(worker)).toThrow(new TypeError("[atexit] endOnExit() could not listen to the worker: no listening"));
    expect(count()).toBe(0);
  });

  test.each<[unknown, Error]>([
    ["1000", new TypeError('[atexit] endOnExit() option "timeout" must be a number of milliseconds, got string')],
    [-1, new RangeError('[atexit] endOnExit() option "timeout" must be 0 or more milliseconds, got -1')],
  ])("timeout %j", (timeout, error) => {
    expect(() => endOnExit(nodeWorker(), { timeout } as never)).toThrow(error);
    expect(count()).toBe(0);
    expect(ours()).toEqual([]);
  });

  test("an unknown option", () => {
    expect(() => endOnExit(nodeWorker(), { signal: "SIGTERM" } as never)).toThrow(
      new TypeError('[atexit] endOnExit() got an unknown option "signal" (known: timeout)'),
    );
    expect(ours()).toEqual([]);
  });
});
