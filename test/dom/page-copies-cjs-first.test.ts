// @vitest-environment happy-dom
// Two copies in one page, the CommonJS build used first (page-copies.ts).
import { pageCopiesSuite } from "./page-copies.ts";

pageCopiesSuite("cjs");
