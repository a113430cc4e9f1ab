// Node's host (adapters/_node.ts) against a fake process: the end drains
// stdout and stderr only where Node may have made them, since making them
// just to look costs milliseconds on the exit path; and the signals it
// listens to. Node runs every exit path for real in test/e2e/node.test.ts.
import { describe, expect, test } from "vitest";
import { nodeAdapter } from "../../../adapters/_node.ts";
import type { ProcessLike } from "../../../adapters/types/process.ts";
import { listened } from "./fake-process.ts";

function fakeProcess(resources: string[] | undefined) {
  const calls: string[] = [];
  const stream = (name: string) => ({ writableLength: 3, write: (_chunk: string, done: () => void) => (calls.push(`write ${name}`), done(), true) });
  const proc = {
    pid: 1234,
    platform: "linux",
    on: () => proc,
    off: () => proc,
    listenerCount: () => 0,
    kill: () => true,
    exit: (code?: number) => void calls.push(`exit ${code}`),
    get stdout() {
      calls.push("stdout made");
      return stream("stdout");
    },
    get stderr() {
      calls.push("stderr made");
      return stream("stderr");
    },
    ...(resources && { getActiveResourcesInfo: () => resources }),
  } as unknown as ProcessLike;
  return { proc, calls };
}

describe("the end's drain of stdout and stderr", () => {
  test("nothing among the active resources that a stream could be: neither is made, the end is at once", async () => {
    const { proc, calls } = fakeProcess(["Timeout", "FSReqCallback"]);
    await nodeAdapter(proc).exitProcess?.(0);
    expect(calls).toEqual(["exit 0"]);
  });

  test.each(["PipeWrap", "TTYWrap", "TCPWrap"])("a %s among them: both are drained before the end", async (handle) => {
    const { proc, calls } = fakeProcess(["Timeout", handle]);
    await nodeAdapter(proc).exitProcess?.(3);
    expect(calls).toEqual(["stdout made", "stderr made", "write stdout", "write stderr", "exit 3"]);
  });

  test("a process that cannot list its resources is drained as before", async () => {
    const { proc, calls } = fakeProcess(undefined);
    await nodeAdapter(proc).exitProcess?.(1);
    expect(calls).toEqual(["stdout made", "stderr made", "write stdout", "write stderr", "exit 1"]);
  });
});

describe("the signals listened to", () => {
  test("Node: the requests to stop and the extras", () => {
    expect(listened(nodeAdapter)).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", "SIGSTKFLT", "SIGQUIT"]);
  });
});
