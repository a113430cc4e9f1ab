// The runtimes the end-to-end suites run on, and how to start each one on a
// program: Deno and Bun come from the npm packages (node_modules/.bin).
import { fileURLToPath } from "node:url";

export type RuntimeId = "node" | "deno" | "bun";

const bin = (name: string): string => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

/** The command and the arguments before the program, per runtime. Deno runs with no permission flags. */
export const runtimes: Record<RuntimeId, { command: string; args: string[] }> = {
  node: { command: process.execPath, args: [] },
  deno: { command: bin("deno"), args: ["run"] },
  bun: { command: bin("bun"), args: [] },
};

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/node/${name}`, import.meta.url));
