// Rolling restarts behind haproxy, with real sockets on 127.0.0.1: two
// replicas drained by atexit/http, whose /ready answers 503 once
// isDraining(), take turns getting SIGTERM and being replaced while four
// keep-alive clients send requests through the balancer. haproxy sends each
// request once (retries 0, no redispatch) over pooled connections
// (http-reuse always), so a replica that stops listening, or closes a pooled
// connection, before haproxy has marked it DOWN fails a client's request.
// haproxy is required: without it the tests fail, they do not skip.
import { describe, expect, test } from "vitest";
import { CHECK, rollingRestarts, spawnReplica } from "../fixtures/rolling.mjs";
import { fixture, runtimes, type RuntimeId } from "./runtimes.ts";

/** The replica's longest request (test/fixtures/programs/replica.mjs's `/`). */
const WORK_MS = 30;
/** haproxy marks a server DOWN after `fall` failed checks `inter` apart; 200 ms more for the check under way and a round trip. */
const DELAY = CHECK.inter * CHECK.fall + 200;
const ROUNDS = 3;

const kinds: Array<[string, RuntimeId]> = [
  ["node", "node"],
  ["express", "node"],
  ["fastify", "node"],
  ["deno", "deno"],
  ["bun", "bun"],
];

/** Three rounds of restarts of both replicas of `kind`, drained with `delay`. */
function roll(kind: string, id: RuntimeId, delay: number) {
  const { command, args } = runtimes[id];
  const runArgs = id === "deno" ? [...args, "--allow-net=127.0.0.1"] : args;
  return rollingRestarts({
    rounds: ROUNDS,
    start: (port: number) => spawnReplica(command, [...runArgs, fixture("replica.mjs"), kind, String(delay), "4000", String(port)]),
  });
}

describe.each(kinds)("%s replicas behind haproxy", (kind, id) => {
  test(`three rolling restarts, drained with delay ${DELAY}: no request fails, and each replica dies by SIGTERM once the delay has passed`, async () => {
    const { requests, restarts } = await roll(kind, id, DELAY);

    expect(requests.filter((request) => !request.ok)).toEqual([]);
    expect(restarts).toHaveLength(2 * ROUNDS);
    for (const { exit, signalled, during } of restarts) {
      expect(exit.signal).toBe("SIGTERM");
      // The delay counts from the signal, which arrives after kill() returned
      // (a timer may fire up to 1 ms early).
      expect(exit.at - signalled).toBeGreaterThan(DELAY - 2);
      expect(exit.at - signalled).toBeLessThan(DELAY + WORK_MS + 1000);
      // Traffic went on through the restart: four clients over at least
      // DELAY ms of 30 ms requests answer about 50 (56 to 88 measured).
      expect(during.filter((request) => request.ok).length).toBeGreaterThanOrEqual(10);
    }
  }, 60_000);

  // The same restarts with no delay: the replica stops listening at the
  // signal, while haproxy still sends it requests until two checks have
  // failed. Each restart lost 3 to 20 of them here.
  test("with delay 0, requests fail", async () => {
    const { requests, restarts } = await roll(kind, id, 0);

    expect(requests.filter((request) => !request.ok).length).toBeGreaterThan(0);
    for (const { exit } of restarts) expect(exit.signal).toBe("SIGTERM");
  }, 60_000);
});
