// The signals atexit listens to, as data. Every signal whose default action
// ends the process is one of three kinds here:
//
// - a request to stop, listened to by default: SIGINT (Ctrl+C), SIGTERM
//   (`kill`, `docker stop`, Kubernetes, systemd), SIGHUP (a closed terminal),
//   SIGPWR (Linux: LXC's halt signal for a container's init, a UPS daemon's
//   power failure) and SIGXCPU (the kernel's warning at the CPU-time soft
//   limit, before SIGKILL at the hard one); SIGBREAK (Ctrl+Break) on Windows;
// - one a program may want to handle the same way, opt-in (`extraSignals`,
//   OPT_IN_SIGNALS in src/config.ts): SIGQUIT, SIGUSR2 (nodemon's restart
//   signal), the timers' SIGALRM and SIGVTALRM, SIGXFSZ, SIGIO, SIGSTKFLT,
//   and SIGABRT, SIGTRAP and SIGSYS, which a fault raises too (abort(), a
//   breakpoint, a seccomp filter): then the callbacks run and the process
//   still dies by it;
// - never listened to: the faults SIGSEGV, SIGBUS, SIGFPE and SIGILL (a
//   handler that returns runs the faulting instruction again), SIGUSR1 and
//   SIGPROF (Node's inspector, profilers), SIGPIPE (the runtimes ignore it, so
//   a write to a closed pipe fails instead of ending the process), and
//   SIGKILL and SIGSTOP, which no process can catch.

/**
 * Linux's numbers, for the 128+n status used where re-raising cannot kill:
 * PID 1 in a (Linux) container, and Windows, which has only SIGINT, SIGTERM,
 * SIGHUP and SIGBREAK (numbered as Node does there).
 */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGUSR2: 12,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGBREAK: 21,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/**
 * Signals Bun never hands to a listener (measured, Bun 1.4): its engine keeps
 * SIGPWR for suspending threads (sending it does nothing), and a SIGSTKFLT
 * listener is not called (the signal kills). So Bun does not listen to them.
 */
export const BUN_UNHEARD: readonly string[] = ["SIGPWR", "SIGSTKFLT"];

/**
 * Signals Deno cannot die by once it has listened to them (measured, Deno
 * 2.9): SIGPWR and SIGSTKFLT arriving after the last listener is gone make it
 * panic, and SIGIO is then ignored. After those, Deno ends with 128+n.
 */
export const DENO_UNRAISABLE: readonly string[] = ["SIGPWR", "SIGSTKFLT", "SIGIO"];

/** The status a shell reports for a death by `signal`: 128 + its number (SIGTERM → 143). */
export const signalStatus = (signal: string): number => 128 + (SIGNAL_NUMBERS[signal] ?? 0);

/** Signals only Linux has: asking for one elsewhere would fail (Deno throws) or never fire. */
const LINUX_ONLY: readonly string[] = ["SIGPWR", "SIGSTKFLT"];

/** The requests to stop every POSIX host gets by default, then `extras`, without those its OS lacks. */
function posixSignals(linux: boolean, extras: readonly string[]): string[] {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGPWR", "SIGXCPU", ...extras];
  return linux ? signals : signals.filter((signal) => !LINUX_ONLY.includes(signal));
}

/**
 * The signals to listen to on `platform` (Node's `process.platform` values),
 * with the configured `extras`; Windows cannot deliver those.
 */
export function exitSignals(platform: string | undefined, extras: readonly string[] = []): string[] {
  return platform === "win32" ? ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"] : posixSignals(platform === "linux", extras);
}

/**
 * The signals to listen to on Deno (`Deno.build.os`): Windows delivers only
 * SIGINT and SIGBREAK to its listeners.
 */
export function denoSignals(os: string, extras: readonly string[] = []): string[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : posixSignals(os === "linux", extras);
}
