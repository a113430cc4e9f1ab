// Bun's host (adapters/_bun.ts), built on Node's, against a fake process:
// the signals it listens to, which leave out those Bun never hands to a
// listener. Bun runs every exit path for real in test/e2e/bun.test.ts.
import { describe, expect, test } from "vitest";
import { bunAdapter } from "../../../adapters/_bun.ts";
import { listened } from "./fake-process.ts";

describe("the signals listened to", () => {
  test("Bun: the same but SIGPWR and SIGSTKFLT, which Bun never hands to a listener", () => {
    expect(listened(bunAdapter)).toEqual(["SIGINT", "SIGTERM", "SIGHUP", "SIGXCPU", "SIGQUIT"]);
  });
});
