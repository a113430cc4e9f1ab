import { describeEvent } from "../src/report.ts";
import type { ExitEvent } from "../src/types.ts";

// `ATEXIT_DEBUG=1` makes visible what an exit path had to cut or leave alone
// (a promise a synchronous path cannot wait for, a signal the application
// owns, a duplicate delivery). Quiet by default: the runtime's own paths
// decide what they can wait for, and that is not an error.

/** Whether the variable's value asks for reports: set, and neither empty nor "0". */
export const debugRequested = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && value !== "0";

/** Prints a debugging report on stderr, prefixed so it is clear who speaks. */
export const printDebug = (message: string): void => console.error(`[atexit] ${message}`);

/** The report of a callback whose promise an exit path that cannot wait had to cut. */
export const printCut = (name: string, event: ExitEvent): void =>
  printDebug(`exit callback "${name}" returned a promise ${describeEvent(event)}, which cannot wait: its async work is cut`);
