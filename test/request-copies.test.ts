// Two copies of atexit in one realm (here the sources and the built package):
// the realm's registry, its deferred work, its open invocations and its
// AsyncLocalStorage are shared, so one copy's withExit waits for what the
// other copy's defer was given, and runs what the other copy registered.
import { defer as builtDefer, register as builtRegister } from "atexit/adapters/fallback";
import { describe, expect, test } from "vitest";
import { withExit } from "../helpers/request.ts";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("withExit of one copy, defer and register of another", () => {
  test("the phase waits for the other copy's deferred work, then runs its callbacks", async () => {
    const seen: string[] = [];
    const off = builtRegister(() => void seen.push("flush of the built copy"), { last: true });
    const handed: Promise<unknown>[] = [];
    const handler = withExit(async (_: Request, _ctx: unknown) => {
      await sleep(5);
      builtDefer(sleep(40).then(() => seen.push("deferred through the built copy")));
      return new Response("ok");
    });
    await handler(new Request("http://127.0.0.1/"), { waitUntil: (work: Promise<unknown>) => void handed.push(work) });
    expect(handed).toHaveLength(1);
    await Promise.all(handed);
    expect(seen).toEqual(["deferred through the built copy", "flush of the built copy"]);
    off();
  });
});
