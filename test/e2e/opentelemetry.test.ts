// OpenTelemetry's zero-code preload beside atexit, with the real packages: the
// preload adds its own SIGTERM listener (which shuts its SDK down and does not
// end the process), so atexit stands aside as it does for any application
// listener, and the process keeps running. The wiring of docs/4.recipes/opentelemetry.md ends it through
// atexit and flushes the preload's spans first. The spans go to a collector on
// 127.0.0.1 (OTLP over HTTP, JSON), which counts them.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fixture } from "./runtimes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let spans = 0;
const collector = createServer((request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => (body += chunk));
  request.on("end", () => {
    spans += body.match(/"name":"work"/g)?.length ?? 0;
    response.end("{}");
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  port = (collector.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

/** Runs the fixture under the preload, sends SIGTERM once it is ready, and waits (at most 3 s) for it to end. */
async function run(mode: string) {
  spans = 0;
  const env = {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    // No cloud detectors: they would ask metadata servers off this machine.
    OTEL_NODE_RESOURCE_DETECTORS: "env,host,os,process",
  };
  const child = spawn(process.execPath, ["--require", "@opentelemetry/auto-instrumentations-node/register", fixture("otel-preload.mjs"), mode], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  for (let waited = 0; waited < 10_000 && !stdout.includes("ready\n"); waited += 20) await sleep(20);
  child.kill("SIGTERM");
  const end = await Promise.race([ended, sleep(3000).then(() => "still running" as const)]);
  if (end === "still running") {
    child.kill("SIGKILL");
    await ended;
  }
  return { end, lines: stdout.split("\n").filter((line) => line && line !== "ready") };
}

describe("OpenTelemetry's zero-code preload", () => {
  test("alone: its SIGTERM listener owns the signal, so atexit runs nothing, and the process does not end", async () => {
    const { end, lines } = await run("plain");
    expect(end).toBe("still running");
    expect(lines).toEqual([]);
  });

  test("with the documented wiring: the callbacks run, every span made is exported, and it ends with 143", async () => {
    const { end, lines } = await run("wired");
    expect(end).toEqual({ code: 143, signal: null });
    const made = Number(lines.find((line) => line.startsWith("made "))?.slice(5));
    expect(lines).toEqual(["callback ran", `made ${made}`]);
    expect(made).toBeGreaterThan(0);
    // The collector has them all once the process has ended (each was ended before the flush).
    expect(spans).toBeGreaterThanOrEqual(made);
  });
});
