// withExit of this version in a realm whose registry atexit 0.1.0 made (its
// copy was loaded and used first): 0.1.0's registry has no run protocol to
// lend a phase, so each phase runs the callbacks synchronously, keeping them
// registered, and defer()'s work is not waited for there.
import { register as registerOld } from "atexit-0.1.0/adapters/fallback";
import { afterAll, describe, expect, test } from "vitest";
import { getRegistry } from "../../src/global.ts";
import { withExit } from "../../src/request.ts";
import type { ExitEvent } from "../../src/types.ts";

const seen: string[] = [];
// 0.1.0 makes the realm's registry with this first registration.
const off = registerOld((event: ExitEvent) => void seen.push(`old ${event.reason}`));

afterAll(() => void off());

describe("withExit beside atexit 0.1.0's registry", () => {
  test("the registry is 0.1.0's", () => {
    expect((getRegistry() as { runsEpisodes?: unknown }).runsEpisodes).toBeUndefined();
  });

  test("each phase runs the callbacks, which stay registered for the next request", async () => {
    const handed: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void handed.push(promise) };
    const handler = withExit((_: Request, _ctx: unknown) => new Response("ok"));
    for (const path of ["/1", "/2"]) await handler(new Request(`http://127.0.0.1${path}`), ctx);
    await Promise.all(handed);
    expect(seen).toEqual(["old request", "old request"]);
    expect(getRegistry().size).toBe(1);
  });
});
