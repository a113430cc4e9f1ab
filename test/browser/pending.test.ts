// atexit/beacon's pending() in real browsers: Chromium with fetchLater,
// Chromium with fetchLater turned off (the hide path), Firefox ESR (the hide
// path, it has no fetchLater). Each case runs 5 times per browser, each time
// in a new tab with its own id, and asserts what the local server received.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PENDING_SAMPLE, samples } from "../docs/samples.ts";
import { startServer, type BeaconServer } from "./server.ts";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const REPEATS = 5;
// The renderer-killed cases run 3 times each, the others 5: a killed page
// costs a second or more, and the whole CI must stay within 20 minutes.
const CRASHES = 3;

const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const browsers = [
  { name: "chromium", mechanism: "fetchLater", executablePath: "/usr/bin/chromium", launch: { browser: "chrome" as const, args: chromiumArgs } },
  {
    name: "chromium without fetchLater",
    mechanism: "hide",
    executablePath: "/usr/bin/chromium",
    launch: { browser: "chrome" as const, args: [...chromiumArgs, "--disable-blink-features=FetchLaterAPI", "--disable-features=FetchLaterAPI"] },
  },
  { name: "firefox", mechanism: "hide", executablePath: "/usr/bin/firefox-esr", launch: { browser: "firefox" as const } },
];

let server: BeaconServer;
let serial = 0;

beforeAll(async () => {
  const bundle = async (input: { entryPoints: string[] } | { stdin: { contents: string; loader: "ts"; resolveDir: string } }) =>
    (await build({ ...input, bundle: true, write: false, format: "esm", platform: "browser", target: "es2022", logLevel: "silent" })).outputFiles[0]!.text;
  const sample = samples.find((candidate) => candidate.key === PENDING_SAMPLE)!.code;
  server = await startServer({
    "/readme-pending.html": '<!doctype html><meta charset="utf-8"><title>readme</title><script type="module" src="/readme-pending.js"></script>',
    "/readme-pending.js": await bundle({ stdin: { contents: sample, loader: "ts", resolveDir: here(".") } }),
    "/pending.html": '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/pending.js"></script>',
    "/pending.js": await bundle({ entryPoints: [here("./pending-page.ts")] }),
    "/other.html": "<!doctype html><title>other</title><p>another page",
    "/back.html": "<!doctype html><title>back</title><script>setTimeout(() => history.back(), 300)</script>",
  });
});
afterAll(() => server?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What arrived for `id` once `count` bodies did (or `patience` ms passed),
 * and a little longer, so a duplicate would be seen.
 */
async function received(id: string, count: number, patience = 5000): Promise<unknown[]> {
  for (let waited = 0; waited < patience && server.received(id).length < count; waited += 50) await sleep(50);
  await sleep(150);
  return server.received(id);
}

for (const spec of browsers) {
  const installed = existsSync(spec.executablePath);
  if (!installed && process.env.CI) throw new Error(`${spec.executablePath} is missing: apt-get install chromium firefox-esr`);
  describe.skipIf(!installed)(`pending() in ${spec.name}${installed ? "" : " (skipped: not installed)"}`, () => {
    let browser: Browser;
    let profile: string;

    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), "atexit-pending-"));
      browser = await puppeteer.launch({ ...spec.launch, executablePath: spec.executablePath, headless: true, userDataDir: profile });
      await browser.newPage(); // a tab that stays open (closing the last one closes the window)
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    async function open(query = ""): Promise<{ page: Page; id: string }> {
      const id = `pending-${++serial}`;
      const page = await browser.newPage();
      await page.goto(`${server.origin}/pending.html?id=${id}${query}`);
      await page.waitForFunction(() => document.title === "ready");
      return { page, id };
    }
    const set = (page: Page, value: number) => page.evaluate((v) => (globalThis as never as { payload: { set(data: unknown): void } }).payload.set({ value: v }), value);
    /** Hides `page` behind a new tab, waits, then shows it again; returns the tab in front. */
    async function hideAndShow(page: Page): Promise<void> {
      const front = await browser.newPage();
      await page.waitForFunction(() => document.visibilityState === "hidden");
      await sleep(50);
      await page.bringToFront();
      await page.waitForFunction(() => document.visibilityState === "visible");
      await front.close();
    }

    test(`uses ${spec.mechanism}`, async () => {
      const { page } = await open();
      expect(await page.evaluate(() => (globalThis as never as { mechanism: string }).mechanism)).toBe(spec.mechanism);
      await page.close();
    });

    // Firefox, closing a tab, ends the pagehide listener's script at a
    // function call; cut inside pending's callback before its beacon left,
    // the payload is lost (docs/2.runtimes/browser.md): there a close may
    // deliver nothing, at most once in the 5, and never the older payload
    // nor a second copy.
    const closeLosses = spec.name === "firefox" ? 1 : 0;

    test("set(1), set(2), then the tab closes: exactly one request, with 2", async () => {
      let lost = 0;
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open();
        await set(page, 1);
        await set(page, 2);
        await page.close({ runBeforeUnload: false });
        const bodies = await received(id, 1);
        if (bodies.length === 0 && lost < closeLosses) lost++;
        else expect(bodies).toEqual([{ value: 2 }]);
      }
    });

    test("set(1), set(2), then a navigation: exactly one request, with 2", async () => {
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open();
        await set(page, 1);
        await set(page, 2);
        await page.goto(`${server.origin}/other.html`);
        expect(await received(id, 1)).toEqual([{ value: 2 }]);
        await page.close();
      }
    });

    test("hidden, shown and hidden again without a new set, then closed: one request", async () => {
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open();
        await set(page, 1);
        await hideAndShow(page);
        await hideAndShow(page);
        await page.close({ runBeforeUnload: false });
        expect(await received(id, 1)).toEqual([{ value: 1 }]);
      }
    });

    test("a set after the page came back is sent too, the older payload once", async () => {
      let lost = 0;
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open();
        await set(page, 1);
        await hideAndShow(page);
        // The hide path's body 1 must land before 2 is even set: two beacons may overtake each other.
        if (spec.mechanism === "hide") await received(id, 1);
        await set(page, 2);
        await page.close({ runBeforeUnload: false });
        // The hide path sent 1 at the first hide, then 2 at the close; fetchLater
        // had not sent 1 yet (the page lived), and 2 replaced it.
        const bodies = await received(id, spec.mechanism === "hide" ? 2 : 1);
        if (bodies.length === 1 && spec.mechanism === "hide" && lost < closeLosses) lost++;
        else expect(bodies).toEqual(spec.mechanism === "hide" ? [{ value: 1 }, { value: 2 }] : [{ value: 2 }]);
      }
    });

    test("a back/forward cache round trip, then leaving: one request", async () => {
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open("&bfcache=1");
        // Counted once the page has left for good, not at the first body (sent as it entered the cache).
        for (let waited = 0; waited < 5000 && !server.requested(`/other.html?left=${id}`); waited += 50) await sleep(50);
        expect(server.requested(`/other.html?left=${id}`)).toBe(true);
        expect(await received(id, 1)).toEqual([{ value: 1 }]);
        await page.close();
      }
    });

    test("the documented sample: the position set at load is sent once (at the hide, or by fetchLater at the close)", async () => {
      const page = await browser.newPage();
      await page.goto(`${server.origin}/readme-pending.html`);
      await page.waitForFunction(() => document.readyState === "complete");
      await hideAndShow(page);
      await page.close({ runBeforeUnload: false });
      expect(await received("/analytics/position", 1)).toEqual([{ path: "/readme-pending.html", scrolled: 0 }]);
      server.forget("/analytics/position");
    });

    test("a payload over fetchLater's 64 KiB quota goes by the hide path, in chunks, and arrives whole", async () => {
      const { page, id } = await open();
      // About 120 KB: an array, so the hide path can split it between items.
      await page.evaluate(() =>
        (globalThis as never as { payload: { set(data: unknown): void } }).payload.set(Array.from({ length: 1000 }, (_, index) => ({ index, pad: "x".repeat(100) }))),
      );
      const front = await browser.newPage(); // hidden: the hide path sends it, and the page lives on to send every chunk
      let items: Array<{ index: number }> = [];
      for (let waited = 0; waited < 5000 && items.length < 1000; waited += 100) {
        await sleep(100);
        items = server.received(id).flat() as Array<{ index: number }>;
      }
      expect(server.received(id).length).toBeGreaterThan(1);
      expect(items.map((item) => item.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      await front.close();
      await page.close();
    });

    // The page's renderer process killed (CDP's Page.crash; Chromium only):
    // what docs/3.helpers/beacon.md says of a page killed.
    async function crash(page: Page): Promise<void> {
      const client = await page.createCDPSession();
      // It never answers: the page is gone.
      void client.send("Page.crash").catch(() => undefined);
    }

    // Chromium only: Firefox has no Page.crash over WebDriver BiDi.
    if (spec.name.startsWith("chromium")) {
      test(
        spec.mechanism === "fetchLater"
          ? "the renderer killed while the page is visible: the browser sends the latest payload, once"
          : "the renderer killed while the page is visible: nothing is sent (the hide path needs a hide)",
        async () => {
          for (let i = 0; i < CRASHES; i++) {
            const { page, id } = await open();
            await set(page, 1);
            await set(page, 2);
            await crash(page);
            expect(await received(id, 1, spec.mechanism === "fetchLater" ? 5000 : 500)).toEqual(spec.mechanism === "fetchLater" ? [{ value: 2 }] : []);
            await page.close().catch(() => undefined);
          }
        },
      );

      test("hidden, then the renderer killed: the latest payload, once", async () => {
        for (let i = 0; i < CRASHES; i++) {
          const { page, id } = await open();
          await set(page, 1);
          await set(page, 2);
          const front = await browser.newPage();
          await page.waitForFunction(() => document.visibilityState === "hidden");
          // The hide path sends it at the hide; fetchLater keeps it in the browser.
          if (spec.mechanism === "hide") await received(id, 1);
          await crash(page);
          expect(await received(id, 1)).toEqual([{ value: 2 }]);
          await page.close().catch(() => undefined);
          await front.close();
        }
      });
    }

    test("cancel(): nothing is sent", async () => {
      for (let i = 0; i < REPEATS; i++) {
        const { page, id } = await open();
        await set(page, 1);
        await page.evaluate(() => (globalThis as never as { payload: { cancel(): void } }).payload.cancel());
        await page.close({ runBeforeUnload: false });
        // Half a second: several times what the other cases' requests took to arrive.
        expect(await received(id, 1, 500)).toEqual([]);
      }
    });
  });
}
