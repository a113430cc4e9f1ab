// The code samples of README.md and of every page under docs/, each keyed by
// its file and the heading it appears under: "docs/3.helpers/http.md#drain(server, options?)".
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Sample {
  /** The file, relative to the repository's root. */
  readonly file: string;
  /** The heading the sample appears under, without backticks. */
  readonly heading: string;
  /** `file#heading`: what the expectations and the browser suites name it by. */
  readonly key: string;
  /** The fence's language (empty for a fence without one). */
  readonly lang: string;
  readonly code: string;
}

export interface Heading {
  readonly file: string;
  /** Its text, without backticks. */
  readonly text: string;
  /** Its text as written. */
  readonly raw: string;
}

export const root: string = fileURLToPath(new URL("../../", import.meta.url));

/** README.md, then every Markdown file under docs/, in path order. */
export const files: string[] = [
  "README.md",
  ...readdirSync(`${root}docs`, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".md"))
    .map((path) => `docs/${path.replaceAll("\\", "/")}`)
    .sort(),
];

/** A file's text. */
export const read = (file: string): string => readFileSync(`${root}${file}`, "utf8");

/** A Markdown file's headings and code blocks, in order. */
export function parse(file: string): { headings: Heading[]; samples: Sample[] } {
  const found = { headings: [] as Heading[], samples: [] as Sample[] };
  let heading = "";
  // A fence is taken whole, so a `#` line inside one is not a heading.
  for (const match of read(file).matchAll(/^(#+) (.+)$|^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (match[1]) {
      heading = match[2]!.replaceAll("`", "");
      found.headings.push({ file, text: heading, raw: match[2]! });
    } else found.samples.push({ file, heading, key: `${file}#${heading}`, lang: match[3]!, code: match[4]! });
  }
  return found;
}

export const samples: Sample[] = [];
export const headings: Heading[] = [];

for (const file of files) {
  const found = parse(file);
  headings.push(...found.headings);
  samples.push(...found.samples);
}

/** The browser quick start, whose sample runs in test/browser/browser.test.ts. */
export const BROWSER_SAMPLE = "README.md#Browsers (analytics that must leave with the page)";

/** pending()'s sample, which runs in test/browser/pending.test.ts. */
export const PENDING_SAMPLE = "docs/3.helpers/beacon.md#pending(url, options?)";
