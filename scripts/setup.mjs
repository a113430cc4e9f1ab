// Runs before `npm start` and `npm test`: installs the dev dependencies when
// they are missing or older than the lockfile, then builds dist/, so the two
// commands in the README work on a fresh clone with nothing else typed.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const installed = "node_modules/.package-lock.json";
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync("package-lock.json").mtimeMs;
const run = (command) => execSync(command, { stdio: "inherit" });

if (stale) run("npm ci --no-audit --no-fund");
run("npx tsup --silent");
