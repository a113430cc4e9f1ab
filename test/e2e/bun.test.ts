import { exitPathSuite } from "./exit-paths.ts";

exitPathSuite("bun");
