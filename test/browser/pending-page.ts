// The page of the `pending` cases: one payload handle, driven by the test
// through page.evaluate (`window.payload`). `?bfcache=1` leaves for a page
// that comes straight back, then leaves for good, from inside the page
// (Puppeteer loses a page restored from the cache in Firefox).
import { pending } from "atexit/beacon";

const params = new URLSearchParams(location.search);
const payload = pending(`/beacon?id=${params.get("id")}`);
Object.assign(globalThis, { payload, mechanism: typeof (globalThis as { fetchLater?: unknown }).fetchLater === "function" ? "fetchLater" : "hide" });

if (params.has("bfcache")) {
  payload.set({ value: 1 });
  addEventListener("pageshow", (event) => {
    // The test knows the page has left for good when this is asked for.
    if (event.persisted) setTimeout(() => (location.href = `/other.html?left=${params.get("id")}`), 200);
  });
  setTimeout(() => (location.href = "/back.html"), 100);
}
document.title = "ready";
