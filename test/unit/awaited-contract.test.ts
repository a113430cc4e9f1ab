// The awaited run lives in src/awaited.ts, not on the registry, so a page
// that only registers does not carry it. Copies of atexit that call it as the
// registry's method (0.1.0 does) still get it: these are the two sides of
// that contract.
import { expect, test, vi } from "vitest";
import type { Trigger } from "../../src/adapter.ts";
import { runAwaited } from "../../src/awaited.ts";
import { Registry, type RunResult } from "../../src/registry.ts";

const manual: Trigger = { reason: "manual", runtime: "node", final: false };
const adapter = { runtime: "node" as const };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function slowAndFast(registry: Registry, log: string[]): void {
  registry.add(() => void log.push("A"), {}, adapter);
  registry.add(async () => {
    await sleep(20);
    log.push("B done");
  }, {}, adapter);
}

test("the method, once this version's awaited run was used, is that run: it awaits each callback", async () => {
  const registry = new Registry();
  await runAwaited(registry, manual);
  expect(registry.awaitedRun).toBe(runAwaited);
  const log: string[] = [];
  slowAndFast(registry, log);
  const result = await registry.runAwaited(manual);
  expect(log).toEqual(["B done", "A"]);
  expect(result).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
});

test("the method, before any awaited run was brought (a page), runs the callbacks synchronously, each once", async () => {
  const registry = new Registry();
  const log: string[] = [];
  slowAndFast(registry, log);
  const result = registry.runAwaited(manual);
  // Synchronous: A ran before the promise was even awaited; B's async part is cut.
  expect(log).toEqual(["A"]);
  expect(await result).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
  expect(registry.size).toBe(0);
  await sleep(40);
  expect(log).toEqual(["A", "B done"]);
});

test("the method, called during a run, joins it (nothing runs twice)", async () => {
  const registry = new Registry();
  const log: string[] = [];
  let joined: Promise<RunResult> | undefined;
  registry.add(() => void log.push("A"), {}, adapter);
  registry.add(() => {
    log.push("B");
    joined = registry.runAwaited(manual);
  }, {}, adapter);
  registry.runNow(manual);
  expect(log).toEqual(["B", "A"]);
  expect(await joined).toEqual({ failed: false, exitRequested: false, exitCode: undefined });
});

test("the free function, given a registry made by 0.1.0 (no runsEpisodes), uses that registry's own method", async () => {
  const older = new Registry();
  Object.defineProperty(older, "runsEpisodes", { value: undefined });
  const own = vi.fn(async () => ({ failed: true, exitRequested: false, exitCode: undefined }));
  Object.defineProperty(older, "runAwaited", { value: own });
  const result = await runAwaited(older, manual, true);
  expect(own).toHaveBeenCalledWith(manual, true);
  expect(result.failed).toBe(true);
  expect(older.awaitedRun).toBeUndefined();
});
