// An invocation's exit phase (src/invocation.ts) on its own, through
// withExitFor: what a phase takes from the registry and in what order, when
// callbacks change under it. What withExit does per runtime and platform is
// test/unit/helpers/request.test.ts's.
import { afterEach, expect, test, vi } from "vitest";
import { createApi } from "../../fixtures/api.ts";
import { defaultConfig } from "../../../src/config.ts";
import { processContext } from "../../../src/defer.ts";
import { withExitFor } from "../../../src/invocation.ts";
import type { Registration } from "../../../src/types.ts";

const api = createApi(() => ({ runtime: "unknown" }));
const host = { context: processContext, runtime: "node" } as const;

/** A Workers-style ctx that keeps what it is handed. */
function context(): { waitUntil(promise: Promise<unknown>): void; settled(): Promise<unknown[]> } {
  const handed: Promise<unknown>[] = [];
  return { waitUntil: (promise) => void handed.push(promise), settled: () => Promise.all(handed) };
}

afterEach(() => {
  api.clear();
  api.configure({ ...defaultConfig });
  vi.restoreAllMocks();
});

test("a callback unregistered by an earlier one of the same phase is skipped, and each one after it runs once", async () => {
  const seen: string[] = [];
  api.register(() => void seen.push("a"));
  const b: Registration = api.register(() => void seen.push("b"));
  api.register(() => void seen.push("c"));
  api.register(() => {
    seen.push("d");
    b();
  });
  const ctx = context();
  await withExitFor(host, (_: Request, _ctx: unknown) => new Response("ok"))(new Request("http://127.0.0.1/"), ctx);
  await ctx.settled();
  expect(seen).toEqual(["d", "c", "a"]);
  expect(api.count()).toBe(3);
});
