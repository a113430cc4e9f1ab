// The package as users get it: resolution through package.json "exports"
// (ESM, CJS, subpaths), one registry across builds and installed copies,
// nothing done at import, a packed tarball installed into a fresh project,
// and the explicit adapter refusing the wrong runtime. Every case spawns a
// real `node` on a fixture from test/fixtures/packaging/.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runProgram } from "../fixtures/run.mjs";

type Outcome = Awaited<ReturnType<typeof runProgram>>;
type RunOptions = Parameters<typeof runProgram>[2];

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/packaging/${name}`, import.meta.url));
const zeros = "exit=0 beforeExit=0 SIGINT=0 SIGTERM=0 SIGHUP=0 uncaughtExceptionMonitor=0";
const ones = "exit=1 beforeExit=1 SIGINT=1 SIGTERM=1 SIGHUP=1 uncaughtExceptionMonitor=1";

const temps: string[] = [];
/** A fresh directory under the OS temp dir, removed after the suite (real path: Node reports real paths). */
function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "atexit-packaging-")));
  temps.push(dir);
  return dir;
}

/** Runs `file` on this Node and checks that it wrote nothing to stderr. */
async function node(file: string, args: string[] = [], options: RunOptions = {}): Promise<Outcome> {
  const outcome = await runProgram(process.execPath, [file, ...args], { timeoutMs: 10_000, ...options });
  expect(outcome.stderr).toBe("");
  return outcome;
}

const status = ({ code, signal }: Outcome) => ({ code, signal });

/**
 * Runs npm without the npm_* variables an enclosing `npm test` exports
 * (npm_config_local_prefix, npm_config_call, ...): a nested npm reads
 * npm_config_* as its own configuration.
 */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return execFileSync("npm", [...args, "--loglevel=error"], { cwd, env, encoding: "utf8" });
}

interface Packed {
  /** Paths inside the tarball, relative to the package root. */
  files: string[];
  /** A fresh project with the tarball installed as its `atexit` dependency. */
  app: string;
}

let packed: Packed | undefined;
/** Packs the repo once (dist/ must exist) and installs the tarball into a fresh project. */
function packAndInstall(): Packed {
  if (packed) return packed;
  const dir = tempDir();
  const [result] = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], root)) as [
    { filename: string; files: { path: string }[] },
  ];
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  npm(["install", join(dir, result.filename), "--no-audit", "--no-fund", "--offline"], app);
  return (packed = { files: result.files.map((file) => file.path), app });
}

/** Every file path named in an "exports" map, without the leading "./". */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === "string") return [exports.replace(/^\.\//, "")];
  if (typeof exports !== "object" || exports === null) return [];
  return Object.values(exports).flatMap(exportTargets);
}

describe("packaging", () => {
  beforeAll(() => {
    if (!existsSync(join(root, "dist/adapters/node.js"))) {
      execFileSync("npx", ["tsup", "--silent"], { cwd: root, stdio: "inherit" });
    }
  });

  afterAll(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  test("ESM: import from \"atexit\" resolves to the node build, callbacks run LIFO at the natural end", async () => {
    const outcome = await node(fixture("consumer.mjs"));
    expect(outcome.lines).toEqual([
      `resolved ${pathToFileURL(join(root, "dist/adapters/node.js")).href}`,
      "B natural 0 node",
      "A",
    ]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("CJS: require(\"atexit\") resolves to the detecting build (Deno's require takes the node condition too), callbacks run LIFO at the natural end", async () => {
    const outcome = await node(fixture("consumer.cjs"));
    expect(outcome.lines).toEqual([`resolved ${join(root, "dist/adapters/auto.cjs")}`, "B natural 0 node", "A"]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("ESM and CJS builds in one process share one LIFO stack and one listener per event", async () => {
    const outcome = await node(fixture("esm-and-cjs.mjs"));
    expect(outcome.lines).toEqual([
      "two builds loaded: true",
      "count esm=3 cjs=3",
      ones,
      "C (esm)",
      "B (cjs)",
      "A (esm)",
    ]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("\"atexit\" and \"atexit/adapters/node\" load the same ES module under the node condition; require(\"atexit\") detects", async () => {
    const outcome = await node(fixture("same-module.mjs"));
    expect(outcome.lines).toEqual(["esm same: true", "cjs detects: true", "fallback differs: true"]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("two installed copies in one process share one LIFO stack, one count and one listener per event", async () => {
    const dir = tempDir();
    const copies = ["one", "two"].map((name) => join(dir, name));
    for (const copy of copies) {
      const target = join(copy, "node_modules/atexit");
      mkdirSync(target, { recursive: true });
      cpSync(join(root, "package.json"), join(target, "package.json"));
      cpSync(join(root, "dist"), join(target, "dist"), { recursive: true });
    }
    const outcome = await node(fixture("two-copies.mjs"), copies);
    expect(outcome.lines).toEqual([
      "two copies loaded: true",
      "count one=3 two=3",
      ones,
      "C (one)",
      "B (two)",
      "A (one)",
    ]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("npm pack: the tarball holds dist/ and every exports target, and no test files", () => {
    const { files } = packAndInstall();
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: unknown };
    expect(files).toContain("package.json");
    expect(files).toEqual(expect.arrayContaining(["dist/adapters/node.js", "dist/adapters/node.cjs"]));
    expect(files).toEqual(expect.arrayContaining(exportTargets(manifest.exports)));
    const testFile = /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\.[cm]?[jt]s$/;
    expect(files.filter((file) => testFile.test(file))).toEqual([]);
  }, 60_000);

  test.each(["consumer.mjs", "consumer.cjs"])(
    "npm pack + install: %s in a fresh project runs its callbacks on SIGTERM, then dies by SIGTERM",
    async (name) => {
      const { app } = packAndInstall();
      cpSync(fixture(name), join(app, name));
      const outcome = await node(join(app, name), ["signal"], { cwd: app, signals: [{ signal: "SIGTERM" }] });
      const entry = join(app, "node_modules/atexit/dist/adapters", name === "consumer.mjs" ? "node.js" : "auto.cjs");
      expect(outcome.lines).toEqual([
        `resolved ${name === "consumer.mjs" ? pathToFileURL(entry).href : entry}`,
        "B signal SIGTERM node",
        "A",
      ]);
      expect(status(outcome)).toEqual({ code: null, signal: "SIGTERM" });
    },
    60_000,
  );

  test("atexit/adapters/node beside a Deno global: register() throws naming both, adds nothing", async () => {
    const outcome = await node(fixture("wrong-runtime.mjs"), ["--fake-deno", "atexit/adapters/node"]);
    const [error, ...rest] = outcome.lines;
    expect(error).toMatch(/^error true \[atexit\] /);
    expect(error).toContain("Node.js");
    expect(error).toContain("Deno");
    expect(rest).toEqual([zeros]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("the Deno and Bun adapters loaded by Node refuse with an error naming both runtimes", async () => {
    const outcome = await node(fixture("wrong-runtime.mjs"), ["atexit/adapters/deno", "atexit/adapters/bun"]);
    const [deno, bun, ...rest] = outcome.lines;
    expect(deno).toMatch(/^error true \[atexit\] atexit\/adapters\/deno is for Deno, but this program runs on Node\.js/);
    expect(bun).toMatch(/^error true \[atexit\] atexit\/adapters\/bun is for Bun, but this program runs on Node\.js/);
    expect(rest).toEqual([zeros]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("import adds no listener or registry; register adds one per event, unregister removes them", async () => {
    const outcome = await node(fixture("import-only.mjs"));
    expect(outcome.lines).toEqual([
      "registry before: false",
      `before: ${zeros}`,
      "registry after: true",
      `registered: ${ones}`,
      "off: true",
      `unregistered: ${zeros}`,
    ]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });

  test("a child with an IPC channel ends by itself after its callbacks: atexit adds no message listener", async () => {
    // A `message` listener would keep the channel referenced and the child alive until the timeout.
    const outcome = await node(fixture("ipc-child.mjs"), [], { stdio: "ipc" });
    expect(outcome.lines).toEqual([
      "connected: true",
      "message listeners: 0",
      "disconnect listeners: 0",
      "callback natural code=0",
    ]);
    expect(status(outcome)).toEqual({ code: 0, signal: null });
  });
});
