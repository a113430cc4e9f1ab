// The page every browser case loads (bundled by esbuild through the `browser`
// export condition, as an application would). `?case=` picks what it
// registers; every callback reports to the test server with a beacon.
import { register } from "atexit";
import { sendOnExit } from "atexit/beacon";

const params = new URLSearchParams(location.search);
// How many times this tab has run the script: a page restored from the
// back/forward cache does not run it again.
const load = Number(sessionStorage.getItem("loads") ?? 0) + 1;
sessionStorage.setItem("loads", String(load));
const endpoint = `/beacon?id=${params.get("id")}`;
// Each beacon travels on its own request, and requests may overtake each
// other: `sent` numbers them in the order the callbacks sent them.
let sent = 0;
const report = (body: object): void => void navigator.sendBeacon(endpoint, JSON.stringify({ ...body, sent: ++sent }));
const reporter = (label: string) => (event: { reason: string; final: boolean; awaited: boolean }) =>
  report({ label, reason: event.reason, final: event.final, awaited: event.awaited, load });

switch (params.get("case")) {
  case "order":
    for (const label of ["A", "B", "C"]) register(reporter(label));
    break;
  case "bfcache":
    // Leave for a page that comes straight back (history.back()), so this one
    // goes into the back/forward cache and is restored; then leave again. Driven
    // from inside the page: Puppeteer loses a page restored from the cache in Firefox.
    for (const label of ["A", "B", "C"]) register(reporter(label));
    addEventListener("pageshow", (event) => {
      if (event.persisted) setTimeout(() => (location.href = "/other.html"), 200);
    });
    setTimeout(() => (location.href = "/back.html"), 100);
    break;
  case "throwing":
    register(reporter("A"));
    register(() => {
      throw new Error("a failing callback");
    });
    register(reporter("C"));
    break;
  case "big": {
    // About 200 KB: more than the 64 KiB a page may have in flight at once.
    const items = Array.from({ length: 2000 }, (_, index) => ({ index, pad: "x".repeat(80) }));
    register(() => void sendOnExit(endpoint, items));
    break;
  }
  case "worker": {
    const worker = new Worker("/worker.js", { type: "module" });
    worker.onmessage = (event) => report({ label: "worker", lines: event.data });
    worker.onerror = (event) => report({ label: "worker", error: event.message });
    break;
  }
}
document.title = "ready";
