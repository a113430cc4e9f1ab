// Bun's host (adapters/_bun.ts), built on Node's, against a fake process
// (an EventEmitter that ends nothing) and exit paths that only record: each
// row of the file's table (the natural end one timer turn late, an unhandled
// rejection reproduced as Bun's own crash with its real status, the signals
// Bun never hands over), the flush of stdout and stderr from Bun's native
// sinks and its bound, the crash report, and the IPC channel's hold. Bun runs
// every exit path for real in test/e2e/bun.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import { bunAdapter, bunQuirks, flushBunStdio } from "../../../adapters/_bun.ts";
import { processHost } from "../../../adapters/_node.ts";
import { defaultConfig } from "../../../src/config.ts";
import type { AtexitConfig } from "../../../src/types.ts";
import { fakePaths, fakeProcess, fakeStream, listened } from "./fake-process.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const boom = new Error("boom");

/** A stream as Bun makes it: nothing pending to Node's eye, its queued output in a native sink under a symbol. */
function bunStream(calls: string[], name: string, flush: () => unknown) {
  return Object.assign(fakeStream(calls, name, 0), {
    [Symbol("other")]: { notAFlush: true },
    [Symbol("null")]: null,
    [Symbol("kFileSink")]: { flush },
  });
}

describe("flushBunStdio", () => {
  test("waits for each stream's native sink to flush, not for a write", async () => {
    const calls: string[] = [];
    let release: () => void = () => {};
    const pending = new Promise<void>((resolve) => (release = resolve));
    const proc = fakeProcess({
      stdout: bunStream(calls, "stdout", () => (calls.push("flush stdout"), pending)),
      stderr: bunStream(calls, "stderr", () => void calls.push("flush stderr")),
    });
    let done = false;
    const flushed = flushBunStdio(proc, 2000).then(() => (done = true));
    expect(calls).toEqual(["flush stdout", "flush stderr"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release();
    await flushed;
    expect(calls).toEqual(["flush stdout", "flush stderr"]);
  });

  test("a sink whose flush fails still lets the end go on", async () => {
    const proc = fakeProcess({ stdout: bunStream([], "stdout", () => Promise.reject(new Error("EPIPE"))) });
    await expect(flushBunStdio(proc, 2000)).resolves.not.toThrow();
  });

  test("a missing stream is skipped", async () => {
    const calls: string[] = [];
    const proc = fakeProcess({ stderr: bunStream(calls, "stderr", () => void calls.push("flush stderr")) });
    await flushBunStdio(proc, 2000);
    expect(calls).toEqual(["flush stderr"]);
  });

  test("a Bun without such a sink: Node's wait on the queued bytes", async () => {
    const calls: string[] = [];
    const odd = Object.assign(fakeStream(calls, "stdout", 4), { [Symbol("flushless")]: { flush: "no" } });
    await flushBunStdio(fakeProcess({ stdout: odd, stderr: fakeStream(calls, "stderr", 0) }), 2000);
    expect(calls).toEqual(['write stdout ""']);
  });

  test("a sink that never flushes holds the end limitMs, no longer", async () => {
    vi.useFakeTimers();
    let done = false;
    const proc = fakeProcess({ stdout: bunStream([], "stdout", () => new Promise(() => {})) });
    void flushBunStdio(proc, 500).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});

describe("Bun's quirks", () => {
  test("named bun; its flush is the sinks', bounded at 2 s", async () => {
    vi.useFakeTimers();
    const proc = fakeProcess({ stdout: bunStream([], "stdout", () => new Promise(() => {})) });
    const quirks = bunQuirks(proc);
    expect(quirks.runtime).toBe("bun");
    expect(bunAdapter(proc).runtime).toBe("bun");
    let done = false;
    void quirks.flush().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  test("the crash report is the error alone, as Bun prints it", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    bunQuirks(fakeProcess()).printCrash("rejection", boom);
    expect(error.mock.calls).toEqual([[boom]]);
  });

  test("the channel: the explicit switch, only where nothing of the application's held it", () => {
    const calls: string[] = [];
    const channel = { unref: () => void calls.push("unref"), unrefCounted: () => void calls.push("unrefCounted") };
    bunQuirks(fakeProcess()).releaseChannel(channel, true);
    expect(calls).toEqual([]);
    bunQuirks(fakeProcess()).releaseChannel(channel, false);
    expect(calls).toEqual(["unref"]);
    expect(() => bunQuirks(fakeProcess()).releaseChannel({}, false)).not.toThrow();
  });
});

describe("beforeExit: the natural end one timer turn later", () => {
  test("not at once: after a timer, so an unhandled rejection of the last tick surfaces first", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const paths = fakePaths(calls);
    bunQuirks(fakeProcess()).beforeExit?.(paths);
    expect(calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(["natural"]);
  });

  test("again before that turn: one timer, one natural end", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const paths = fakePaths(calls);
    const quirks = bunQuirks(fakeProcess());
    quirks.beforeExit?.(paths);
    quirks.beforeExit?.(paths);
    expect(vi.getTimerCount()).toBe(1);
    await vi.runAllTimersAsync();
    expect(calls).toEqual(["natural"]);
  });

  test("after that turn, a program still live is waited for again", async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const paths = fakePaths(calls);
    const quirks = bunQuirks(fakeProcess());
    quirks.beforeExit?.(paths);
    await vi.runAllTimersAsync();
    quirks.beforeExit?.(paths);
    await vi.runAllTimersAsync();
    expect(calls).toEqual(["natural", "natural"]);
  });

  test("a program already ending: no timer, which would make the loop fire beforeExit again and again", () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    bunQuirks(fakeProcess()).beforeExit?.(fakePaths(calls, { live: false }));
    expect(vi.getTimerCount()).toBe(0);
    expect(calls).toEqual([]);
  });

  test("wired as the host's beforeExit", async () => {
    vi.useFakeTimers();
    const proc = fakeProcess();
    const calls = proc.calls;
    processHost(proc, bunQuirks(proc)).listen(fakePaths(calls), defaultConfig);
    proc.emit("beforeExit", 0);
    expect(calls).toEqual([]);
    await vi.runAllTimersAsync();
    expect(calls).toEqual(["natural"]);
  });
});

describe("unhandledRejection: Bun's crash reproduced, with its real status", () => {
  /** Bun's host over a fake process listening with `config`; the console's report is recorded in `calls` too. */
  function bunListening(config: Partial<AtexitConfig> = {}, awaitCrash = true) {
    const proc = fakeProcess();
    const calls = proc.calls;
    vi.spyOn(console, "error").mockImplementation((error: unknown) => void calls.push(`console.error ${(error as Error).message}`));
    const host = processHost(proc, bunQuirks(proc));
    host.listen(fakePaths(calls, { awaitCrash }), { ...defaultConfig, ...config });
    return { proc, calls };
  }

  test("listened to, beside Node's set", () => {
    expect(bunListening().proc.listenerCount("unhandledRejection")).toBe(1);
  });

  test("crash(), Bun's report, then status 1", () => {
    const { proc, calls } = bunListening();
    proc.emit("unhandledRejection", boom, Promise.resolve());
    expect(calls).toEqual(["crash rejection boom", "console.error boom", "exit 1"]);
  });

  test("one the application handles (its own listener) is left to it", () => {
    const { proc, calls } = bunListening();
    proc.on("unhandledRejection", () => {});
    proc.emit("unhandledRejection", boom, Promise.resolve());
    expect(calls).toEqual([]);
  });

  test.each([false, true])(
    "beside the application's uncaughtException listener (awaitCrash %s): Bun's report, and the program goes on, as Bun's own handling does",
    (awaitCrash) => {
      const { proc, calls } = bunListening({ awaitCrash });
      // With awaitCrash, ours is one of them (Node's listener set): the application's is the one more.
      if (awaitCrash) expect(proc.listenerCount("uncaughtException")).toBe(1);
      proc.on("uncaughtException", () => {});
      proc.emit("unhandledRejection", boom, Promise.resolve());
      expect(calls).toEqual(["console.error boom"]);
    },
  );

  test("with awaitCrash: the engine takes it over", () => {
    const { proc, calls } = bunListening({ awaitCrash: true });
    proc.emit("unhandledRejection", boom, Promise.resolve());
    expect(calls).toEqual(["awaitCrash rejection boom"]);
  });

  test("with awaitCrash while the program is already ending: the report, then status 1", () => {
    const { proc, calls } = bunListening({ awaitCrash: true }, false);
    proc.emit("unhandledRejection", boom, Promise.resolve());
    expect(calls).toEqual(["awaitCrash rejection boom", "console.error boom", "exit 1"]);
  });
});

describe("the signals listened to", () => {
  test("Bun: the same but SIGPWR and SIGSTKFLT, which Bun never hands to a listener", () => {
    expect(listened(bunAdapter)).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU", "SIGQUIT"]);
  });
});
