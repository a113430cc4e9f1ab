import { afterEach, describe, expect, test, vi } from "vitest";
import { browserAdapter } from "../../adapters/_browser.ts";

describe("browserAdapter without a page", () => {
  afterEach(() => void vi.unstubAllGlobals());

  test("under Node (server-side rendering) it names Node and installs nothing", () => {
    expect(browserAdapter()).toEqual({ runtime: "node" });
    vi.stubGlobal("document", {});
    expect(browserAdapter()).toEqual({ runtime: "node" });
  });
});
