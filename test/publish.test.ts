// What `npm publish` would send: a dry run that passes, and a tarball that
// holds only what users need (the built dist/, the README, the LICENSE and
// package.json), at version 1.0.0 in both package.json and deno.json.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const manifest = (file: string) => JSON.parse(readFileSync(`${root}${file}`, "utf8")) as { version: string };

/** npm without the npm_* variables an enclosing `npm test` exports, which a nested npm reads as its own configuration. */
function npm(args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return execFileSync("npm", args, { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("npm publish", () => {
  test("the first release's version, in package.json and deno.json alike", () => {
    expect(manifest("package.json").version).toBe("1.0.0");
    expect(manifest("deno.json").version).toBe("1.0.0");
  });

  test("a dry run passes and names atexit@1.0.0", () => {
    const output = npm(["publish", "--dry-run", "--ignore-scripts", "--loglevel=warn"]);
    expect(output).toContain("+ atexit@1.0.0");
  }, 60_000);

  test("the tarball holds dist/, README.md, LICENSE and package.json, nothing else", () => {
    const [packed] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"])) as [{ files: { path: string }[] }];
    const outside = packed.files.map((file) => file.path).filter((path) => !path.startsWith("dist/"));
    expect(outside.sort()).toEqual(["LICENSE", "README.md", "package.json"]);
    expect(packed.files.map((file) => file.path)).toContain("dist/adapters/node.js");
  }, 60_000);
});
