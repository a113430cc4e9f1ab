// @vitest-environment happy-dom
// 0.1.0 used first: its registry, and its page listeners, serve both copies.
import { twoVersionsSuite } from "./two-versions.ts";

twoVersionsSuite("older");
