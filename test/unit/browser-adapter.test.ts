import { afterEach, describe, expect, test, vi } from "vitest";
import { browserAdapter } from "../../adapters/_browser.ts";
import { hasPage } from "../../src/detect.ts";

const listen = () => {};

describe("hasPage", () => {
  test("a document and a window with addEventListener: a page, whatever else the host has", () => {
    expect(hasPage({ document: { addEventListener: listen }, addEventListener: listen })).toBe(true);
    // happy-dom or jsdom under Node, an Electron renderer.
    const nodeToo = { process: { versions: { node: "20.20.2" } } };
    expect(hasPage({ ...nodeToo, document: { addEventListener: listen }, addEventListener: listen })).toBe(true);
  });

  test("no page: a worker, a server, a server-side rendering stub of document", () => {
    expect(hasPage({ addEventListener: listen })).toBe(false); // a worker, or Deno
    expect(hasPage({})).toBe(false);
    expect(hasPage({ document: {}, addEventListener: listen })).toBe(false);
    expect(hasPage({ document: { addEventListener: listen } })).toBe(false);
  });
});

describe("browserAdapter without a page", () => {
  afterEach(() => void vi.unstubAllGlobals());

  test("under Node (server-side rendering) it names Node and installs nothing", () => {
    expect(browserAdapter()).toEqual({ runtime: "node" });
    vi.stubGlobal("document", {});
    expect(browserAdapter()).toEqual({ runtime: "node" });
  });
});
