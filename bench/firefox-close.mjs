// Experiment (not part of `npm test`): how reliably does a closing Firefox tab
// deliver the beacons its exit callbacks send? Each page sends three beacons
// (C, B, A) when it is hidden or left; the variants differ only in how they
// hook the page's end, and they take turns, so every variant sees the same
// machine load. A close is "lost" when no beacon of the page arrived.
//
//   node bench/firefox-close.mjs [closes per variant, default 500] [variant,...]
//
// Variants:
//   atexit    the published browser build: register() three times
//   raw       plain pagehide and visibilitychange listeners, no latch: each sends all three
//   rewrite   atexit's latch in a dozen lines, without atexit: one run per hide, and a
//             trigger nested in a run carries on with the beacons not sent yet
//   capture   the rewrite with atexit's listener set (capture phase, freeze/resume/pageshow)
//   bundle    the rewrite, with atexit's bundle loaded beside it (evaluated, not used)
//   warm      atexit, its hide path run once at load with the callbacks silent (then re-armed)
//
// Prints, per variant: closes, all three arrived, some lost, all lost.
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const closes = Number(process.argv[2] ?? 500);
const chosen = (process.argv[3] ?? "atexit,raw,rewrite,capture,bundle").split(",");

const send = `const send = (label) => navigator.sendBeacon("/beacon?id=" + new URLSearchParams(location.search).get("id"), label);`;
const rewrite = (capture) => `${send}
  const labels = ["C", "B", "A"];
  let latched = false, next = labels.length;
  const run = () => {
    if (next < labels.length) { while (next < labels.length) send(labels[next++]); return; } // nested: carry on
    if (latched) return;
    latched = true; next = 0;
    while (next < labels.length) send(labels[next++]);
  };
  const rearm = () => { latched = false; };
  document.addEventListener("visibilitychange", () => (document.visibilityState === "hidden" ? run() : rearm()), ${capture});
  addEventListener("pagehide", run, ${capture});
  ${capture ? `document.addEventListener("freeze", run, true); document.addEventListener("resume", rearm, true); addEventListener("pageshow", (e) => e.persisted && rearm(), true);` : ""}
`;

const sources = {
  atexit: `import { register } from "atexit"; ${send} for (const label of ["A", "B", "C"]) register(() => send(label));`,
  // atexit, with its hide path run once at load (callbacks silent), then re-armed:
  // tells whether the first, cold run of atexit's code is what loses beacons.
  warm: `import { register } from "atexit"; ${send}
    let warming = true;
    for (const label of ["A", "B", "C"]) register(() => warming || send(label));
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
    dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    warming = false;`,
  raw: `${send}
    const all = () => { for (const label of ["C", "B", "A"]) send(label); };
    addEventListener("pagehide", all);
    document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && all());`,
  rewrite: rewrite(false),
  capture: rewrite(true),
  bundle: `import { count } from "atexit"; globalThis.atexitCount = count; ${rewrite(false)}`,
};

async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    minify: true,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

const files = {};
for (const name of chosen) {
  files[`/${name}.js`] = await bundle(`${sources[name]}\ndocument.title = "ready";`);
  files[`/${name}.html`] = `<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="/${name}.js"></script>`;
}

const received = new Map();
const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  if (request.method === "POST") {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const id = url.searchParams.get("id");
      received.set(id, [...(received.get(id) ?? []), body]);
      response.writeHead(204).end();
    });
    return;
  }
  const file = files[url.pathname];
  if (file === undefined) return void response.writeHead(404).end();
  response.writeHead(200, { "content-type": url.pathname.endsWith(".js") ? "text/javascript" : "text/html" }).end(file);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "atexit-firefox-close-"));
const browser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless: true, userDataDir: profile });
// A tab that stays open: closing a browser's last tab closes its window.
await browser.newPage();

const closed = [];
const started = Date.now();
let serial = 0;
for (let round = 0; round < closes; round++) {
  for (const name of chosen) {
    const id = `${name}-${++serial}`;
    const page = await browser.newPage();
    await page.goto(`${origin}/${name}.html?id=${id}`);
    await page.waitForFunction(() => document.title === "ready", { timeout: 10_000 });
    await page.close({ runBeforeUnload: false });
    closed.push([name, id]);
  }
  if ((round + 1) % 50 === 0) process.stderr.write(`${round + 1}/${closes} rounds, ${Math.round((Date.now() - started) / 1000)} s\n`);
}
// Beacons of a closed tab may arrive a little after the close.
await new Promise((resolve) => setTimeout(resolve, 3000));
const tally = Object.fromEntries(chosen.map((name) => [name, { closes: 0, all: 0, some: 0, none: 0, partial: {} }]));
for (const [name, id] of closed) {
  const got = new Set(received.get(id) ?? []);
  const row = tally[name];
  row.closes++;
  if (got.size === 3) row.all++;
  else if (got.size > 0) {
    row.some++;
    // Which beacons arrived, in arrival order: says which callback's beacon Firefox dropped.
    const pattern = [...got].join("");
    row.partial[pattern] = (row.partial[pattern] ?? 0) + 1;
  } else row.none++;
}
await browser.close();
server.close();
rmSync(profile, { recursive: true, force: true });

console.log(`Firefox ESR tab closes, ${closes} per variant, taking turns (${Math.round((Date.now() - started) / 1000)} s)`);
console.log("| variant | closes | all 3 arrived | some lost | all lost |");
console.log("|---|---|---|---|---|");
for (const [name, row] of Object.entries(tally)) {
  const partial = Object.entries(row.partial).map(([pattern, n]) => `${pattern} ×${n}`).join(", ");
  console.log(`| ${name} | ${row.closes} | ${row.all} | ${row.some}${partial ? ` (${partial})` : ""} | ${row.none} (${((100 * row.none) / row.closes).toFixed(1)} %) |`);
}
