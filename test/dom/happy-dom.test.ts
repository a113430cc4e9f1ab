// @vitest-environment happy-dom
// happy-dom reports "visible" for any document with a window and has no way to
// hide one, so the test overrides the getter on the document itself.
import { pageEventSuite } from "./page-events.ts";

pageEventSuite({
  setVisibility: (state) => Object.defineProperty(document, "visibilityState", { value: state, configurable: true }),
  resetVisibility: () => void delete (document as { visibilityState?: unknown }).visibilityState,
});
