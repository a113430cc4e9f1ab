// The page every browser case loads (bundled by esbuild through the `browser`
// export condition, as an application would). `?case=` picks what it
// registers; every callback reports to the test server with a beacon.
import { register } from "atexit";
import { sendOnExit } from "atexit/beacon";

const params = new URLSearchParams(location.search);
const endpoint = `/beacon?id=${params.get("id")}`;
const report = (body: object): void => void navigator.sendBeacon(endpoint, JSON.stringify(body));
const reporter = (label: string) => (event: { reason: string; final: boolean; awaited: boolean }) =>
  report({ label, reason: event.reason, final: event.final, awaited: event.awaited });

switch (params.get("case")) {
  case "order":
    for (const label of ["A", "B", "C"]) register(reporter(label));
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
