// Which host the code runs on (src/detect.ts), from fake globals: the order
// the checks go in, since hosts imitate one another (Deno and Bun define
// process.versions.node, workerd adds a process that says Node, jsdom under
// Node defines document); whether there is a page to listen to; and the
// error an entry made for another runtime throws. The real hosts are
// detected in test/e2e and test/browser, and by the DOM environments in
// test/dom.
import { beforeEach, describe, expect, test, vi } from "vitest";

// Loaded afresh for each test, so that the tables the module makes as it
// loads (the hosts in order, their display names) are made inside the test
// (a mutation run's changes to them are only active while a test runs).
let { assertRuntime, detect, hasPage } = await import("../../../src/detect.ts");
beforeEach(async () => {
  vi.resetModules();
  ({ assertRuntime, detect, hasPage } = await import("../../../src/detect.ts"));
});

const deno = { Deno: { version: { deno: "2.9.0" } } };
const bun = { Bun: { version: "1.4.0" } };
const node = { process: { versions: { node: "20.20.2" } } };
const browser = { document: {} };
const worker = { WorkerGlobalScope: function WorkerGlobalScope() {} };

describe("detect", () => {
  test.each([
    ["deno", deno],
    ["bun", bun],
    ["node", node],
    ["browser", browser],
    ["worker", worker],
    ["unknown", {}],
  ] as const)("%s from its own globals", (expected, globals) => {
    expect(detect(globals)).toBe(expected);
  });

  test("Deno is detected before Bun and Node (Deno defines process.versions.node)", () => {
    expect(detect({ ...deno, ...node })).toBe("deno");
    expect(detect({ ...deno, ...bun, ...node, ...browser, ...worker })).toBe("deno");
  });

  test("Bun is detected before Node (Bun defines process.versions.node)", () => {
    expect(detect({ ...bun, ...node })).toBe("bun");
    expect(detect({ ...bun, ...node, ...browser })).toBe("bun");
  });

  test("Node is detected before a browser (jsdom or happy-dom under Node define document)", () => {
    expect(detect({ ...node, ...browser })).toBe("node");
  });

  test("a web worker (WorkerGlobalScope) is named before process is read, and before a document", () => {
    expect(detect({ ...node, ...worker })).toBe("worker");
    expect(detect({ ...browser, ...worker })).toBe("worker");
    // Its process is never read: a getter that throws shows it.
    expect(detect({ ...worker, get process(): never { throw new Error("read") } } as never)).toBe("worker");
  });

  test("a page global named Deno without a version object is not Deno", () => {
    expect(detect({ Deno: {}, ...browser })).toBe("browser");
    expect(detect({ Deno: { version: "2" } })).toBe("unknown");
  });

  test("a process without versions.node (a bundler's process shim) is not Node", () => {
    expect(detect({ process: {}, ...browser })).toBe("browser");
    expect(detect({ process: { versions: {} }, ...worker })).toBe("worker");
    expect(detect({ process: { versions: { node: 20 } } })).toBe("unknown");
  });

  test("globals present but undefined do not count", () => {
    expect(detect({ Bun: undefined, document: undefined, WorkerGlobalScope: undefined })).toBe("unknown");
  });

  test("defaults to the real globals: node under vitest", () => {
    expect(detect()).toBe("node");
  });

  test("workerd before Node: its Node compatibility adds a process that says Node", () => {
    expect(detect({ navigator: { userAgent: "Cloudflare-Workers" }, process: { versions: { node: "22.23.4" } } })).toBe("workerd");
  });

  test("Vercel's edge runtime names itself; Supabase's EdgeRuntime object does not make an edge host", () => {
    expect(detect({ EdgeRuntime: "edge-runtime" })).toBe("edge-light");
    expect(detect({ EdgeRuntime: { waitUntil() {} }, Deno: { version: {} } })).toBe("deno");
  });

  test("a navigator that throws names nothing; otherwise it is detect's answer", () => {
    const hostile = Object.defineProperty({}, "userAgent", {
      get() {
        throw new Error("no");
      },
    });
    expect(detect({ navigator: hostile, process: { versions: { node: "20.0.0" } } })).toBe("node");
    expect(detect({ navigator: { userAgent: "Mozilla/5.0" }, document: {} })).toBe("browser");
    expect(detect({})).toBe("unknown");
  });
});

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

describe("assertRuntime", () => {
  test("passes when the host is the expected one", () => {
    expect(() => assertRuntime("node", "atexit/adapters/node", "node")).not.toThrow();
    expect(() => assertRuntime("browser", "atexit/adapters/browser", "browser")).not.toThrow();
  });

  test("throws an Error naming the entry and both runtimes", () => {
    let error: unknown;
    try {
      assertRuntime("node", "atexit/adapters/node", "deno");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message).toBe(
      '[atexit] atexit/adapters/node is for Node.js, but this program runs on Deno; import "atexit" to get the adapter for this host',
    );
  });

  test.each([
    ["deno", "bun", "Deno", "Bun"],
    ["bun", "node", "Bun", "Node.js"],
    ["browser", "worker", "a browser", "a web worker"],
  ] as const)("expected %s on %s: the message names %s and %s", (expected, actual, expectedName, actualName) => {
    expect(() => assertRuntime(expected, `atexit/adapters/${expected}`, actual)).toThrow(
      new Error(
        `[atexit] atexit/adapters/${expected} is for ${expectedName}, but this program runs on ${actualName}; import "atexit" to get the adapter for this host`,
      ),
    );
  });

  test("an unknown host is not a wrong one (a sandbox that blanked its globals): no error", () => {
    expect(() => assertRuntime("node", "atexit/adapters/node", "unknown")).not.toThrow();
    expect(() => assertRuntime("worker", "atexit/adapters/worker", "unknown")).not.toThrow();
  });

  test.each([
    ["workerd", "Cloudflare's workerd"],
    ["edge-light", "an edge runtime"],
  ] as const)("on %s the message names %s", (actual, name) => {
    expect(() => assertRuntime("node", "atexit/adapters/node", actual)).toThrow(`but this program runs on ${name};`);
  });

  test("defaults to the detected host (node under vitest)", () => {
    expect(() => assertRuntime("node", "atexit/adapters/node")).not.toThrow();
    expect(() => assertRuntime("deno", "atexit/adapters/deno")).toThrow(/is for Deno, but this program runs on Node\.js/);
  });
});
