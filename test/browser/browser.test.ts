// atexit in real browsers: Debian's Chromium and Firefox ESR, headless, driven
// by puppeteer-core (never a downloaded browser). Each case loads the page,
// makes the browser hide or leave it, and asserts what the server received.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BROWSER_SAMPLE, samples } from "../docs/samples.ts";
import { startServer, type BeaconServer } from "./server.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

const browsers = [
  {
    name: "chromium",
    executablePath: "/usr/bin/chromium",
    launch: {
      browser: "chrome" as const,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        // This machine has no network beyond loopback: keep Chromium from calling out.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  { name: "firefox", executablePath: "/usr/bin/firefox-esr", launch: { browser: "firefox" as const } },
];

async function bundle(entry: string | { contents: string }): Promise<string> {
  const input = typeof entry === "string" ? { entryPoints: [here(entry)] } : { stdin: { ...entry, loader: "ts" as const, resolveDir: here(".") } };
  const result = await build({
    ...input,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

let server: BeaconServer;
let serial = 0;

beforeAll(async () => {
  const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="${script}"></script>`;
  server = await startServer({
    "/page.html": html("/page.js"),
    "/other.html": "<!doctype html><title>other</title><p>another page",
    "/back.html": "<!doctype html><title>back</title><script>setTimeout(() => history.back(), 300)</script>",
    "/page.js": await bundle("./page.ts"),
    "/worker.js": await bundle("./worker.ts"),
    "/readme.html": html("/readme.js"),
    "/readme.js": await bundle({ contents: samples.find((sample) => sample.key === BROWSER_SAMPLE)!.code }),
  });
});
afterAll(() => server?.close());

/** Polls the server until `count` bodies arrived for `id` (or a few seconds passed). */
async function received(id: string, count: number): Promise<unknown[]> {
  for (let waited = 0; waited < 5000 && server.received(id).length < count; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A little longer, so that a duplicate delivery would be seen too.
  await new Promise((resolve) => setTimeout(resolve, 150));
  return inSentOrder(server.received(id));
}

type Numbered = { load?: number; sent?: number };
/**
 * The bodies in the order the page sent them (per load, by the page's `sent`
 * counter), not the order the requests happened to arrive in: the callbacks'
 * order is what is under test, and beacons may overtake each other on the way.
 * Bodies without a number (sendOnExit's chunks) keep their arrival order.
 */
const inSentOrder = (bodies: unknown[]): unknown[] =>
  [...bodies].sort((a, b) => {
    const [x, y] = [a as Numbered, b as Numbered];
    if (x.sent === undefined || y.sent === undefined) return 0;
    return (x.load ?? 0) - (y.load ?? 0) || x.sent - y.sent;
  });

const labels = (bodies: unknown[]) => bodies.map((body) => (body as { label: string }).label);

for (const spec of browsers) {
  const installed = existsSync(spec.executablePath);
  // CI installs both browsers (.ci/run); elsewhere a missing one is skipped, and says so.
  if (!installed && process.env.CI) throw new Error(`${spec.executablePath} is missing: apt-get install chromium firefox-esr`);
  const title = installed ? spec.name : `${spec.name} (skipped: ${spec.executablePath} is not installed)`;
  describe.skipIf(!installed)(title, () => {
    let browser: Browser;
    let profile: string;

    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), `atexit-${spec.name}-`));
      browser = await puppeteer.launch({ ...spec.launch, executablePath: spec.executablePath, headless: true, userDataDir: profile });
      // A tab that stays open: closing a browser's last tab closes its window
      // (Firefox then skips the page's lifecycle events).
      await browser.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    /** Opens the page for `name` in a new tab and waits until it has registered its callbacks. */
    async function open(name: string): Promise<{ page: Page; id: string }> {
      const id = `${spec.name}-${name}-${++serial}`;
      const page = await browser.newPage();
      await page.goto(`${server.origin}/page.html?case=${name}&id=${id}`);
      await page.waitForFunction(() => document.title === "ready");
      return { page, id };
    }

    test("navigating to another page runs the callbacks, LIFO", async () => {
      const { page, id } = await open("order");
      await page.goto(`${server.origin}/other.html`);
      const bodies = await received(id, 3);
      expect(labels(bodies)).toEqual(["C", "B", "A"]);
      expect(bodies[0]).toMatchObject({ reason: "pagehide", awaited: false });
      await page.close();
    });

    test("closing the page runs the callbacks, LIFO, once, all told the same", async () => {
      let bodies: Array<{ reason: string; final: boolean }> = [];
      // Firefox, closing a tab, ends the pagehide listener's script at a
      // function call, and a cut inside a callback before its beacon left
      // loses that beacon (README "In the browser"; bench/firefox-close.mjs:
      // about 1 close in 250). No close lost all three in the 2,200 measured
      // on 2026-12-02, but one run of an earlier build lost all three in 8 of
      // 500, so a close that delivered nothing is tried again, twice at most.
      // Elsewhere one close, which must deliver all three.
      for (let tries = spec.name === "firefox" ? 3 : 1; tries > 0 && bodies.length === 0; tries--) {
        const { page, id } = await open("order");
        await page.close({ runBeforeUnload: false });
        bodies = (await received(id, 3)) as Array<{ reason: string; final: boolean }>;
      }
      if (spec.name === "firefox") {
        // What arrives is in the callbacks' order, each once: C, B, A or a part of it.
        const arrived = labels(bodies);
        expect(arrived.length).toBeGreaterThan(0);
        expect(["C", "B", "A"].filter((label) => arrived.includes(label))).toEqual(arrived);
      } else {
        expect(labels(bodies)).toEqual(["C", "B", "A"]);
      }
      // Firefox sometimes hides a closing tab (visibilitychange) before its pagehide:
      // that episode then runs as "hidden", not final. Either way, one episode.
      const [first] = bodies;
      expect([{ reason: "pagehide", final: true }, { reason: "hidden", final: false }]).toContainEqual({
        reason: first!.reason,
        final: first!.final,
      });
      for (const body of bodies) expect(body).toMatchObject({ reason: first!.reason, final: first!.final });
    });

    test("a back/forward cache round trip: not final on entering, restored, and run again at the next hide", async () => {
      const { page, id } = await open("bfcache");
      const bodies = await received(id, 6);
      expect(labels(bodies)).toEqual(["C", "B", "A", "C", "B", "A"]);
      // Entering the cache is not final; load 1 throughout: restored, not reloaded.
      expect(bodies[0]).toMatchObject({ reason: "pagehide", final: false, load: 1 });
      for (const body of bodies) expect(body).toMatchObject({ load: 1 });
      await page.close();
    });

    test("the page becoming hidden runs them (not final), and again after it is shown and hidden again", async () => {
      const { page, id } = await open("order");
      const front = await browser.newPage(); // in front: the first page is hidden
      expect(labels(await received(id, 3))).toEqual(["C", "B", "A"]);
      expect(server.received(id)[0]).toMatchObject({ reason: "hidden", final: false });
      await page.bringToFront();
      await page.waitForFunction(() => document.visibilityState === "visible");
      await front.bringToFront();
      expect(labels(await received(id, 6))).toEqual(["C", "B", "A", "C", "B", "A"]);
      await front.close();
      await page.close();
    });

    test("a throwing callback does not stop the others", async () => {
      const { page, id } = await open("throwing");
      await page.goto(`${server.origin}/other.html`);
      expect(labels(await received(id, 2))).toEqual(["C", "A"]);
      await page.close();
    });

    test("a payload over 64 KiB arrives whole, in chunks, when the page is hidden", async () => {
      const { page, id } = await open("big");
      const front = await browser.newPage();
      let items: Array<{ index: number }> = [];
      for (let waited = 0; waited < 5000 && items.length < 2000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        items = server.received(id).flat() as Array<{ index: number }>;
      }
      expect(server.received(id).length).toBeGreaterThan(2); // more than one request
      expect(items.map((item) => item.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      await front.close();
      await page.close();
    });

    test("the README's browser sample delivers its queue when the page is hidden", async () => {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/readme.html`);
      await page.waitForFunction(() => document.readyState === "complete");
      const front = await browser.newPage();
      const [batch] = await received("/analytics", 1);
      expect(batch).toEqual([{ event: "page viewed", path: "/readme.html" }]);
      server.forget("/analytics");
      await front.close();
      await page.close();
    });

    test("the bundle loads in a Web Worker and runs callbacks through runHandlers() and exit()", async () => {
      const { page, id } = await open("worker");
      const [body] = await received(id, 1);
      expect(body).toEqual({ label: "worker", lines: ["B manual worker", "A", "C", "count 0"], sent: 1 });
      await page.close();
    });
  });
}
