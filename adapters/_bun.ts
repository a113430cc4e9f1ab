// Bun's process as a server host: Node's (see _node.ts, whose table of events
// and exit paths holds here too), with Bun's own corrections:
//
// | Bun event                               | exit path                                  |
// |-----------------------------------------|--------------------------------------------|
// | `beforeExit`                            | `natural()`, one timer turn later (quirk)  |
// | `unhandledRejection` (no monitor fires) | `crash()`, Bun's report, then status 1     |
// | SIGPWR, SIGSTKFLT                       | not listened to: Bun never hands them over |
import { serverAdapter } from "./_engine.ts";
import { processHost, type ProcessQuirks } from "./_node.ts";
import { flushStdio, STDIO_FLUSH_LIMIT_MS } from "./_process.ts";
import { BUN_UNHEARD } from "./_signals.ts";
import type { Adapter } from "../src/protocol.ts";
import { within } from "../src/time.ts";
import type { ProcessLike } from "./types/process.ts";

type Sink = { flush(): unknown };

/**
 * Waits until stdout and stderr have reached the OS, at most `limitMs`. Bun
 * shows nothing pending (`writableLength` stays 0 and an empty write's
 * callback fires at once) while a pipe still holds queued output. It keeps
 * that output in a native file sink held on the stream under a symbol, whose
 * `flush()` promise settles once the pipe has taken everything. Found by
 * shape, so a Bun without it falls back to Node's wait.
 */
export function flushBunStdio(proc: ProcessLike, limitMs: number): Promise<unknown> {
  const pending: Promise<void>[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    const held = Object.getOwnPropertySymbols(stream).map((key) => (stream as unknown as Record<symbol, unknown>)[key]);
    const sink = held.find((value): value is Sink => typeof (value as Sink | null)?.flush === "function");
    if (sink) pending.push(Promise.resolve(sink.flush()).then(() => {}, () => {}));
  }
  return pending.length ? within(pending, limitMs) : flushStdio(proc, limitMs);
}

/** Bun's corrections to Node's host (see the table above). */
export function bunQuirks(proc: ProcessLike): ProcessQuirks {
  let surfacing = false;
  return {
    runtime: "bun",
    flush: () => flushBunStdio(proc, STDIO_FLUSH_LIMIT_MS),
    printCrash: (_reason, error) => console.error(error),
    // Bun reports an unhandled rejection from the last tick only after
    // beforeExit has fired; one timer turn lets it surface (as a crash, which
    // then owns the end) before the natural run. Not once the program is
    // ending: the timer would make the loop fire beforeExit again, and again.
    beforeExit: (paths) => {
      if (!paths.live || surfacing) return;
      surfacing = true;
      setTimeout(() => {
        surfacing = false;
        void paths.natural();
      }, 0);
    },
    // Bun fires no monitor for an unhandled rejection and then tells `exit`
    // listeners 0 although it ends with 1 (bun PR#38116). Only an
    // `unhandledRejection` listener sees it, and any listener cancels Bun's own
    // crash, so this one reproduces it: Bun's report, then status 1.
    listeners: ({ paths, config, takeOver }) => [
      [
        "unhandledRejection",
        (error: unknown) => {
          if (proc.listenerCount("unhandledRejection") > 1) return; // the application handles it
          // With an uncaughtException listener of the application's, Bun
          // prints the rejection and goes on (without calling that listener).
          if (proc.listenerCount("uncaughtException") > (config.awaitCrash ? 1 : 0)) return void console.error(error);
          if (config.awaitCrash) return takeOver("rejection", error);
          paths.crash("rejection", error);
          console.error(error);
          proc.exit(1);
        },
      ],
    ],
    unheard: BUN_UNHEARD,
    // Bun has only the explicit switch, used when nothing of the application's held the channel already.
    releaseChannel: (channel, appHeld) => {
      if (!appHeld) channel.unref?.();
    },
  };
}

/** The adapter for Bun's `process`. */
export const bunAdapter = (proc: ProcessLike): Adapter => serverAdapter(processHost(proc, bunQuirks(proc)));
