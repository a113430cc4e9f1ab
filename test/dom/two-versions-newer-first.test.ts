// @vitest-environment happy-dom
// This version used first: its registry, and its page listeners, serve both copies.
import { twoVersionsSuite } from "./two-versions.ts";

twoVersionsSuite("newer");
