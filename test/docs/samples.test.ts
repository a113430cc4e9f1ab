// Every TypeScript sample in README.md and docs/ is run here as a real
// program, and what it prints is checked. A new sample without an
// expectation fails the suite. Also: README.md opens with the two commands a
// newcomer types, headings are unique per file (they key the samples), and
// every relative link leads to a file, and a heading, that exist.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { transformSync } from "esbuild";
import { afterAll, describe, expect, test } from "vitest";
import { bundle, EDGE_CONDITIONS, serveEdgeRuntime, serveWorkerd, WORKERD_CONDITIONS } from "../fixtures/request-hosts.ts";
import { runProgram } from "../fixtures/run.mjs";
import { BROWSER_SAMPLE, files, headings, parse, PENDING_SAMPLE, read, root, samples } from "./samples.ts";

// Inside the package folder, so `import "atexit"` resolves to this package by name.
const scratch = `${root}.tmp/docs`;

const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
// "@atexit/atexit" (the JSR name) mapped to the sources JSR publishes.
const denoArgs = ["run", "--import-map", `${root}test/fixtures/jsr-import-map.json`];

interface Expectation {
  /** The lines printed; or a pattern the output must match (a vitest run, an exporter's dump). */
  stdout: string[] | RegExp;
  code: number | null;
  /** The signal that ends the program, if one does. */
  signal?: string;
  command?: string;
  args?: string[];
  /** Run as a test file by vitest instead of as a program. */
  vitest?: true;
  /** Environment variables the program runs with, besides the test's own. */
  env?: Record<string, string>;
  /**
   * Bundled and served by that request-scoped runtime (the Vercel sample's
   * default export as the FetchEvent listener Vercel makes of it), asked
   * for "/" once; `stdout` is what it printed.
   */
  served?: "workerd" | "edge-runtime";
}

const README = "README.md";
const GUIDE = "docs/1.guide";
const HELPERS = "docs/3.helpers";
const RECIPES = "docs/4.recipes";

const expected: Record<string, Expectation> = {
  [`${README}#Node.js (npm install atexit)`]: { stdout: ["working", "database closed (natural)", "logs flushed"], code: 0 },
  [`${README}#Deno (deno add jsr:@atexit/atexit, or npm:atexit)`]: {
    stdout: ["flushed on deno (natural)"],
    code: 2,
    command: deno,
    args: denoArgs,
  },
  [`${README}#Bun (bun add atexit)`]: { stdout: ["flushed on bun (natural)"], code: 0, command: bun },
  [`${GUIDE}/01.api.md#register(callback, options?)`]: { stdout: ["true false", "this one runs"], code: 0 },
  [`${GUIDE}/01.api.md#unregister(callback)`]: { stdout: ["2 0"], code: 0 },
  [`${GUIDE}/01.api.md#exit(code?)`]: { stdout: ["saved"], code: 3 },
  [`${GUIDE}/01.api.md#runHandlers()`]: { stdout: ["flushed early", "0"], code: 0 },
  [`${GUIDE}/01.api.md#count() and clear()`]: { stdout: ["2", "0"], code: 0 },
  [`${GUIDE}/02.configure.md#configure(options)`]: { stdout: ["2000 [ 'SIGUSR2' ]"], code: 0 },
  [`${GUIDE}/02.configure.md#The exit report (onReport)`]: {
    stdout: ["close database: failed", "upload: ok", "natural, status 0, 0 deferred abandoned"],
    code: 0,
  },
  [`${GUIDE}/02.configure.md#The atexit:report channel`]: { stdout: ["flushed", "natural: ok"], code: 0 },
  [`${GUIDE}/04.defer.md#defer(promise)`]: { stdout: ["flushed upload done"], code: 0 },
  [`${GUIDE}/06.library-authors.md#For library authors`]: { stdout: ["flushed 2 events after 2 background sends"], code: 0 },
  [`${HELPERS}/http.md#drain(server, options?)`]: { stdout: ["200"], code: null, signal: "SIGTERM" },
  [`${HELPERS}/http.md#WebSockets, event streams and drainSignal(server)`]: { stdout: ["closing connections"], code: null, signal: "SIGTERM" },
  [`${HELPERS}/child.md#killOnExit(child, options?)`]: { stdout: ["worker ended by SIGTERM"], code: 0 },
  [`${HELPERS}/cluster.md#superviseWorkers(options?)`]: {
    stdout: ["a worker ended with 0", "a worker ended with 0", "primary: every worker is gone"],
    code: 0,
  },
  [`${HELPERS}/threads.md#endOnExit(worker, options?)`]: {
    stdout: ["worker flushed", "worker ended with 0", "the program's own callbacks"],
    code: 0,
  },
  [`${HELPERS}/request.md#withExit(handler)`]: { stdout: ["hello /docs", "audit sent", "flushed after /docs"], code: 0 },
  [`${HELPERS}/request.md#Cloudflare Workers`]: { stdout: ["audit sent", "flushed after /"], code: null, served: "workerd" },
  [`${HELPERS}/request.md#Vercel (edge and Node functions) and Netlify`]: {
    stdout: ["audit sent", "flushed after /"],
    code: null,
    served: "edge-runtime",
  },
  [`${HELPERS}/request.md#Deno, Bun and Node servers (and Supabase)`]: {
    stdout: ["hello", "flushed after request", "flushed after natural"],
    code: 0,
    command: deno,
    args: ["run", "--allow-net=127.0.0.1"],
  },
  [`${RECIPES}/watchers.md#nodemon, tsx watch, node --watch`]: { stdout: ["closed before the restart"], code: 0 },
  [`${RECIPES}/pm2.md#pm2`]: { stdout: ["stopped"], code: 0 },
  [`${RECIPES}/pm2.md#Waiting for ready (--wait-ready)`]: { stdout: ["serving"], code: null, signal: "SIGINT" },
  [`${RECIPES}/systemd.md#systemd`]: { stdout: ["serving", "stopped"], code: null, signal: "SIGTERM" },
  [`${RECIPES}/rolling-restarts.md#With a database pool`]: { stdout: ["pool ended, server listening: false"], code: null, signal: "SIGTERM" },
  [`${RECIPES}/rolling-restarts.md#Fastify`]: { stdout: ["onClose hooks ran"], code: null, signal: "SIGTERM" },
  [`${RECIPES}/vitest.md#vitest`]: { stdout: /Tests +2 passed \(2\)/, code: 0, vitest: true },
  [`${RECIPES}/pino.md#pino`]: {
    stdout: ['{"level":30,"msg":"working"}', '{"level":30,"reason":"natural","msg":"stopping"}'],
    code: 0,
  },
  [`${RECIPES}/opentelemetry.md#OpenTelemetry`]: { stdout: ["exported checkout"], code: 0 },
  [`${RECIPES}/opentelemetry.md#With the zero-code preload`]: {
    // The span, printed by the console exporter the preload is told to use.
    stdout: /name: 'checkout'/,
    code: 143,
    args: ["--require", "@opentelemetry/auto-instrumentations-node/register"],
    env: {
      OTEL_TRACES_EXPORTER: "console",
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      // No cloud detectors: they would ask metadata servers off this machine.
      OTEL_NODE_RESOURCE_DETECTORS: "none",
    },
  },
  [`${RECIPES}/sentry.md#Sentry`]: { stdout: ["sent event"], code: null, signal: "SIGTERM" },
  [`${RECIPES}/beacon-server.md#Receiving sendOnExit's batches on a server`]: {
    stdout: ["text/plain;charset=UTF-8 [ { event: 'left' } ]"],
    code: 0,
  },
};

/** Serves a request-scoped sample, asks for "/" once, and returns what it printed once its phase is over. */
async function serveSample(code: string, served: "workerd" | "edge-runtime"): Promise<{ lines: string[]; stderr: string }> {
  const dir = `${scratch}/${served}`;
  mkdirSync(dir, { recursive: true });
  const host =
    served === "workerd"
      ? await serveWorkerd(dir, await bundle({ contents: code, resolveDir: scratch }, WORKERD_CONDITIONS, "esm"))
      : await serveEdgeRuntime(
          dir,
          await bundle(
            {
              contents: `import handler from ${JSON.stringify(`${scratch}/vercel-sample.ts`)};\naddEventListener("fetch", (event) => event.respondWith(handler(event.request, event)));\n`,
              resolveDir: scratch,
            },
            EDGE_CONDITIONS,
            "iife",
          ),
        );
  try {
    await (await fetch(`http://127.0.0.1:${host.port}/`)).text();
    const until = performance.now() + 5000;
    while (!host.stdout().includes("flushed") && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    host.child.kill("SIGKILL");
    await host.ended;
  }
  // The edge host prints the port it serves on first.
  return { lines: host.stdout().trim().split("\n").filter((line) => !line.startsWith("port ")), stderr: host.stderr() };
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replaceAll(" ", "-");

/** The relative links of a Markdown file (those in code blocks are not links). */
function linksOf(file: string): string[] {
  const text = read(file).replace(/^```\w*\n[\s\S]*?^```$/gm, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/.test(target));
}

describe("README.md and docs/", () => {
  test("README.md opens with the two commands", () => {
    const first = samples[0]!;
    expect(first.file).toBe("README.md");
    expect(first.heading).toBe("atexit");
    expect(first.lang).toBe("sh");
    expect(first.code).toMatch(/^npm start\b.*\nnpm test\b/);
  });

  test("headings are unique within each file (they name the samples)", () => {
    for (const file of files) {
      const texts = headings.filter((heading) => heading.file === file).map((heading) => heading.text);
      expect(texts.filter((text, index) => texts.indexOf(text) !== index), file).toEqual([]);
    }
  });

  test("every relative link leads to a file that exists, and to a heading there", () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const link of linksOf(file)) {
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? file : normalize(join(dirname(file), path));
        if (target.startsWith("..") || !existsSync(`${root}${target}`)) {
          broken.push(`${file}: ${link} (no ${target})`);
          continue;
        }
        if (anchor === undefined || !target.endsWith(".md")) continue;
        const anchors = (files.includes(target) ? headings.filter((heading) => heading.file === target) : parse(target).headings).map(
          (heading) => anchorOf(heading.text),
        );
        if (!anchors.includes(anchor)) broken.push(`${file}: ${link} (no such heading in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("every TypeScript sample has an expectation here (the browser ones run in test/browser)", () => {
    const keys = samples.filter((sample) => sample.lang === "ts").map((sample) => sample.key);
    expect(keys.sort()).toEqual([...Object.keys(expected), BROWSER_SAMPLE, PENDING_SAMPLE].sort());
  });

  for (const sample of samples.filter((s) => s.lang === "ts" && s.key !== BROWSER_SAMPLE && s.key !== PENDING_SAMPLE)) {
    const expectation = expected[sample.key];
    test.runIf(expectation)(`sample under "${sample.key}" runs and prints what it says`, async () => {
      const { command = process.execPath, args = [], vitest, served, env } = expectation!;
      if (served) {
        mkdirSync(scratch, { recursive: true });
        writeFileSync(`${scratch}/vercel-sample.ts`, sample.code);
        const { lines, stderr } = await serveSample(sample.code, served);
        expect(stderr).toBe("");
        expect(lines).toEqual(expectation!.stdout);
        return;
      }
      // esbuild strips the types and lowers `using`, which Node 20 lacks.
      const { code } = transformSync(sample.code, { loader: "ts", format: "esm", target: "node20" });
      // A vitest sample runs as a test file, in a folder with a config of its own.
      const dir = vitest ? `${scratch}/vitest` : scratch;
      mkdirSync(dir, { recursive: true });
      const file = `${dir}/${sample.key.replace(/\W+/g, "-")}${vitest ? ".test" : ""}.mjs`;
      writeFileSync(file, code);
      if (vitest) writeFileSync(`${dir}/vitest.config.mjs`, 'export default { test: { include: ["*.test.mjs"] } };\n');
      const outcome = vitest
        ? await runProgram(`${root}node_modules/.bin/vitest`, ["run"], { cwd: dir, env: { CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" } })
        : await runProgram(command, [...args, file], env ? { env } : {});
      const { stdout } = expectation!;
      if (stdout instanceof RegExp) {
        expect(outcome.stdout).toMatch(stdout);
        if (!vitest) expect(outcome.stderr).toBe("");
      } else {
        expect(outcome.stderr).toBe("");
        expect(outcome.lines).toEqual(stdout);
      }
      expect({ code: outcome.code, signal: outcome.signal }).toEqual({
        code: expectation!.code,
        signal: expectation!.signal ?? null,
      });
    });
  }
});
