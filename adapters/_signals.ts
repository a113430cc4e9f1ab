// This module is browser compatible.

/**
 * The signals atexit listens to, and their numbers (for the 128+n status used
 * where re-raising cannot kill). Only termination requests are here: fatal
 * signals (SEGV, BUS, FPE, ILL) must keep their default action, and SIGPROF
 * and SIGUSR1 belong to profilers and the inspector. On Windows, SIGHUP is
 * what a closed console window sends and SIGBREAK is Ctrl+Break; SIGTERM is
 * never delivered there, but listening to it is harmless.
 */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  // Opt-in (`extraSignals`). Linux numbers: the 128+n status is only used as
  // PID 1 in a (Linux) container and on Windows, which has neither signal.
  SIGQUIT: 3,
  SIGUSR2: 12,
  SIGTERM: 15,
  SIGBREAK: 21,
};

/** The status a shell reports for a death by `signal`: 128 + its number (SIGTERM → 143). */
export const signalStatus = (signal: string): number => 128 + (SIGNAL_NUMBERS[signal] ?? 0);

/**
 * The signals to listen to on `platform` (Node's `process.platform` values),
 * with the configured `extras`; Windows cannot deliver those.
 */
export function exitSignals(platform: string | undefined, extras: readonly string[] = []): string[] {
  return platform === "win32" ? ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP", ...extras];
}


/** The signals to listen to on Deno: Windows delivers only SIGINT and SIGBREAK to its listeners. */
export function denoSignals(windows: boolean, extras: readonly string[] = []): string[] {
  return windows ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP", ...extras];
}
