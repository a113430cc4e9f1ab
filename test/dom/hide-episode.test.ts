// @vitest-environment happy-dom
// The browser adapter's hide episode (adapters/_browser.ts): one run per hide,
// whichever events come and however they nest, the run (src/run.ts) running
// the episode once.
import { afterEach, expect, test } from "vitest";
import { browserAdapter } from "../../adapters/_browser.ts";
import { Registry } from "../../src/registry.ts";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

function page(registry: Registry) {
  const adapter = browserAdapter();
  const log: string[] = [];
  for (const label of ["A", "B", "C"]) registry.add(() => void log.push(label), {}, adapter);
  uninstall = () => adapter.uninstall?.();
  return log;
}

const hide = (): void => {
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
};

afterEach(() => void delete (document as { visibilityState?: unknown }).visibilityState);

test("pagehide, then visibilitychange to hidden, then freeze: the callbacks run once", () => {
  const log = page(new Registry());
  dispatchEvent(new Event("pagehide"));
  hide();
  document.dispatchEvent(new Event("freeze"));
  expect(log).toEqual(["C", "B", "A"]);
});

test("visibilitychange nested in the first callback (Firefox closing a tab) carries on; nothing runs twice", () => {
  const registry = new Registry();
  const adapter = browserAdapter();
  const log: string[] = [];
  registry.add(() => void log.push("A"), {}, adapter);
  registry.add(() => void log.push("B"), {}, adapter);
  registry.add(() => {
    log.push("C");
    hide();
    log.push("C after");
  }, {}, adapter);
  uninstall = () => adapter.uninstall?.();
  dispatchEvent(new Event("pagehide"));
  expect(log).toEqual(["C", "B", "A", "C after"]);
});
