// What a program's atexit and its worker threads' say to each other
// (src/thread.ts): fixed for every version, so the values themselves are held here.
import { beforeEach, expect, test, vi } from "vitest";

// Loaded afresh for each test: the constants are made as the module loads, and
// a mutation run's changes to them are only active while a test runs.
const load = () => import("../../../src/thread.ts");
let thread = await load();
beforeEach(async () => {
  vi.resetModules();
  thread = await load();
});

test("the channel is named after the thread id", () => {
  expect(thread.threadChannel(5)).toBe("atexit:thread:5");
});

test("the four messages", () => {
  expect([thread.ASK, thread.END, thread.LISTENING, thread.GONE]).toEqual(["ask", "end", "listening", "gone"]);
});
