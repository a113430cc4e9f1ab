// The advice for containers (docs/4.recipes/docker.md), tried as `docker stop` would: SIGTERM
// to PID 1 of a new PID namespace (unshare), with the app started each way
// that page discusses. Started directly (exec form), with or without an
// init (tini, what `docker run --init` adds), atexit runs the callbacks; under
// `npm start` (or npx) npm hands SIGTERM to the `sh -c` it runs the script
// with, which dies without passing it on: the app never hears it, and dies
// with the namespace, no callback run. `bun run` passes it on.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";
import { fixture, runtimes } from "./runtimes.ts";

function available(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const unshare = available("unshare", ["--pid", "--fork", "true"]);
const tini = available("tini", ["--version"]);
// .ci/run installs tini from Debian: there, missing it is a failure, not a skip.
if (process.env.CI && !tini) throw new Error("tini is missing: apt-get install tini");

const app = [fixture("paths.mjs"), "signal"];
const dir = mkdtempSync(join(tmpdir(), "atexit-docker-"));
writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, scripts: { start: `node ${app.join(" ")}` } }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A nested npm reads an enclosing `npm test`'s npm_* variables as its own configuration.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))) as Record<string, string>;

/** Runs `command` as PID 1 of a new PID namespace, and sends that PID 1 SIGTERM once the app is ready. */
function asPid1(command: string[]) {
  return runProgram("unshare", ["--pid", "--fork", "--mount-proc", ...command], {
    cwd: dir,
    env,
    signals: [{ signal: "SIGTERM" }],
    signalTarget: (pid) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim()),
  });
}

const callbacks = ["C signal code=143 SIGTERM", "B start", "B done", "A"];
/** The app's own lines, without what npm or bun print about the script. */
const appLines = (lines: string[]) => lines.filter((line) => !line.startsWith(">"));

describe.skipIf(!unshare)("docker stop: SIGTERM to the container's PID 1", () => {
  test('CMD ["node", "server.js"]: the callbacks run, and it ends with 143', async () => {
    const outcome = await asPid1([process.execPath, ...app]);
    expect(outcome.lines).toEqual(callbacks);
    expect(outcome.code).toBe(143);
  });

  test.skipIf(!tini)("the same under an init (tini, docker run --init): the callbacks run, 143", async () => {
    const outcome = await asPid1(["tini", "--", process.execPath, ...app]);
    expect(outcome.lines).toEqual(callbacks);
    expect(outcome.code).toBe(143);
  });

  test('CMD ["npm", "start"]: the app never hears the signal; npm ends with 1 and the app dies with it, no callback run', async () => {
    const outcome = await asPid1(["npm", "start"]);
    expect(appLines(outcome.lines)).toEqual([]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/signal SIGTERM/);
  });

  test.skipIf(!tini)("npm start under an init: the same, no callback run", async () => {
    const outcome = await asPid1(["tini", "--", "npm", "start"]);
    expect(appLines(outcome.lines)).toEqual([]);
  });

  test("bun run start passes the signal on: the callbacks run", async () => {
    const outcome = await asPid1([runtimes.bun.command, "run", "start"]);
    expect(appLines(outcome.lines)).toEqual(callbacks);
  });
});
