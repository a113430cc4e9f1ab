// What a program's atexit and its worker threads' say to each other
// (src/thread.ts): fixed for every version, so the values themselves are held here.
import { expect, test } from "vitest";
import { ASK, END, GONE, LISTENING, threadChannel } from "../../../src/thread.ts";

test("the channel is named after the thread id", () => {
  expect(threadChannel(5)).toBe("atexit:thread:5");
});

test("the four messages", () => {
  expect([ASK, END, LISTENING, GONE]).toEqual(["ask", "end", "listening", "gone"]);
});
