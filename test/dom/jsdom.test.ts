// @vitest-environment jsdom
// jsdom ties visibility to its pretendToBeVisual option (which vitest turns on:
// "visible", else "prerender") and cannot hide a document later, so the test
// overrides the getter on the document itself.
import { pageEventSuite } from "./page-events.ts";

pageEventSuite({
  setVisibility: (state) => Object.defineProperty(document, "visibilityState", { value: state, configurable: true }),
  resetVisibility: () => void delete (document as { visibilityState?: unknown }).visibilityState,
});
