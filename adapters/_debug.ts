// This module is browser compatible.

// `ATEXIT_DEBUG=1` makes visible what an exit path had to cut or leave alone
// (a promise a synchronous path cannot wait for, a signal the application
// owns, a duplicate delivery). Quiet by default: the runtime's own paths
// decide what they can wait for, and that is not an error.

/** Whether the variable's value asks for reports: set, and neither empty nor "0". */
export const debugRequested = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && value !== "0";

/** Prints a debugging report on stderr, prefixed so it is clear who speaks. */
export const printDebug = (message: string): void => console.error(`[atexit] ${message}`);
