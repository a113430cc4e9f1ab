// Deno running the TypeScript sources that JSR publishes, not the npm build.
import { exitPathSuite } from "./exit-paths.ts";

exitPathSuite("deno-source");
