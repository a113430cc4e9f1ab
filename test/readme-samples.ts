// The code samples of README.md, each under the heading it appears below.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Sample {
  readonly heading: string;
  readonly lang: string;
  readonly code: string;
}

const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");

export const samples: Sample[] = [];
let heading = "";
for (const match of readme.matchAll(/^(#+) (.+)$|^```(\w+)\n([\s\S]*?)^```$/gm)) {
  if (match[1]) heading = match[2]!.replaceAll("`", "");
  else samples.push({ heading, lang: match[3]!, code: match[4]! });
}

/** The heading of the browser quick start, whose sample runs in the browser suite. */
export const BROWSER_SAMPLE = "Browsers (analytics that must leave with the page)";

/** The heading of pending()'s sample, which runs in test/browser/pending.test.ts. */
export const PENDING_SAMPLE = "The latest state, sent by the browser: pending(url, options?)";
