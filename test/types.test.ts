// Type tests of the public API, checked by `tsc -p test/tsconfig.json` (part
// of `npm test`) against the published declarations: "atexit" resolves to
// this package's dist/ through its own exports map.
import type {
  Atexit,
  AtexitConfig,
  BrowserExitReason,
  CallbackOutcome,
  CallbackReport,
  ConfigureOptions,
  DeferredReport,
  ExitCallback,
  ExitEvent,
  ExitReason,
  ExitReport,
  ExitSignal,
  OptInSignal,
  RegisterOptions,
  Registration,
  RequestLike,
  RuntimeName,
  ServerExitReason,
  StopSignal,
} from "atexit";
import * as auto from "atexit";
import * as browser from "atexit/adapters/browser";
import * as bun from "atexit/adapters/bun";
import * as deno from "atexit/adapters/deno";
import * as fallback from "atexit/adapters/fallback";
import * as node from "atexit/adapters/node";
import { describe, expectTypeOf, test } from "vitest";

/** Type-checked by tsc, never run: these calls would throw or register callbacks. */
const typeOnly = (_body: () => void): void => {};

/** Whether `K` is a required property of `T`. */
type IsRequired<T, K extends keyof T> = {} extends Pick<T, K> ? false : true;

describe("public types", () => {
  test("register takes a callback and options and returns a disposable, callable registration", () => {
    expectTypeOf(node.register).parameter(0).toEqualTypeOf<ExitCallback<ServerExitReason>>();
    expectTypeOf(node.register).parameter(1).toEqualTypeOf<RegisterOptions | undefined>();
    expectTypeOf(node.register).returns.toEqualTypeOf<Registration>();
    expectTypeOf<Registration>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<Registration>().toMatchTypeOf<Disposable>();
    typeOnly(() => {
      // @ts-expect-error timeout is a number of milliseconds
      node.register(() => {}, { timeout: "5" });
      // @ts-expect-error unknown options are refused
      node.register(() => {}, { once: true, timout: 5 });
      // @ts-expect-error the signal option is an AbortSignal
      node.register(() => {}, { signal: true });
      // @ts-expect-error name is a string
      node.register(() => {}, { name: 1 });
    });
  });

  test("RegisterOptions: timeout, first, last, signal, once and name", () => {
    expectTypeOf<keyof RegisterOptions>().toEqualTypeOf<"timeout" | "first" | "last" | "signal" | "once" | "name">();
    expectTypeOf<RegisterOptions["first"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<RegisterOptions["name"]>().toEqualTypeOf<string | undefined>();
  });

  test("callbacks receive an ExitEvent and may return anything, including a promise", () => {
    expectTypeOf<Parameters<ExitCallback>[0]>().toEqualTypeOf<ExitEvent>();
    const callback: ExitCallback = async (event) => {
      expectTypeOf(event.reason).toEqualTypeOf<ExitReason>();
      expectTypeOf(event.runtime).toEqualTypeOf<RuntimeName>();
      expectTypeOf(event.code).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.signal).toEqualTypeOf<ExitSignal | undefined>();
      expectTypeOf(event.error).toEqualTypeOf<unknown>();
      expectTypeOf(event.deadline).toEqualTypeOf<AbortSignal>();
      expectTypeOf(event.awaited).toEqualTypeOf<boolean>();
      expectTypeOf(event.final).toEqualTypeOf<boolean>();
    };
    expectTypeOf(callback).toMatchTypeOf<Parameters<typeof node.register>[0]>();
  });

  test("the reasons and signals", () => {
    expectTypeOf<ServerExitReason>().toEqualTypeOf<"natural" | "exit" | "signal" | "exception" | "rejection" | "manual" | "request">();
    expectTypeOf<BrowserExitReason>().toEqualTypeOf<"hidden" | "pagehide" | "beforeunload" | "exit" | "manual">();
    expectTypeOf<ExitReason>().toEqualTypeOf<ServerExitReason | BrowserExitReason>();
    expectTypeOf<StopSignal>().toEqualTypeOf<"SIGINT" | "SIGTERM" | "SIGHUP" | "SIGPWR" | "SIGXCPU" | "SIGBREAK">();
    expectTypeOf<OptInSignal>().toEqualTypeOf<
      "SIGQUIT" | "SIGUSR2" | "SIGALRM" | "SIGVTALRM" | "SIGXFSZ" | "SIGIO" | "SIGSTKFLT" | "SIGABRT" | "SIGTRAP" | "SIGSYS"
    >();
    expectTypeOf<ExitSignal>().toEqualTypeOf<StopSignal | OptInSignal>();
    expectTypeOf<AtexitConfig["extraSignals"]>().toEqualTypeOf<readonly OptInSignal[]>();
  });

  test("ExitEvent narrows by reason", () => {
    const callback: ExitCallback = (event) => {
      if (event.reason === "signal") {
        expectTypeOf(event.signal).toEqualTypeOf<ExitSignal>();
        expectTypeOf(event.code).toEqualTypeOf<number>();
        expectTypeOf(event.error).toEqualTypeOf<undefined>();
      } else if (event.reason === "exception" || event.reason === "rejection") {
        expectTypeOf(event.error).toEqualTypeOf<unknown>();
        expectTypeOf(event.code).toEqualTypeOf<number>();
        expectTypeOf(event.signal).toEqualTypeOf<undefined>();
      } else if (event.reason === "request") {
        expectTypeOf(event.request).toEqualTypeOf<RequestLike>();
        expectTypeOf(event.code).toEqualTypeOf<undefined>();
        expectTypeOf(event.signal).toEqualTypeOf<undefined>();
      } else {
        expectTypeOf(event.request).toEqualTypeOf<undefined>();
        expectTypeOf(event.reason).toEqualTypeOf<"natural" | "exit" | "manual" | "hidden" | "pagehide" | "beforeunload">();
        expectTypeOf(event.code).toEqualTypeOf<number | undefined>();
        expectTypeOf(event.signal).toEqualTypeOf<undefined>();
        expectTypeOf(event.error).toEqualTypeOf<undefined>();
      }
    };
    void callback;
    expectTypeOf<IsRequired<ExitEvent<"signal">, "signal">>().toEqualTypeOf<true>();
    expectTypeOf<IsRequired<ExitEvent<"signal">, "code">>().toEqualTypeOf<true>();
    expectTypeOf<IsRequired<ExitEvent<"exception">, "error">>().toEqualTypeOf<true>();
    expectTypeOf<IsRequired<ExitEvent<"rejection">, "error">>().toEqualTypeOf<true>();
    expectTypeOf<IsRequired<ExitEvent<"rejection">, "code">>().toEqualTypeOf<true>();
    expectTypeOf<IsRequired<ExitEvent<"natural">, "code">>().toEqualTypeOf<false>();
  });

  test("ExitEvent<R> and ExitCallback<R> distribute over R", () => {
    expectTypeOf<ExitEvent<"signal" | "natural">>().toEqualTypeOf<ExitEvent<"signal"> | ExitEvent<"natural">>();
    expectTypeOf<ExitEvent<"signal">["reason"]>().toEqualTypeOf<"signal">();
    expectTypeOf<ExitEvent<ServerExitReason>["reason"]>().toEqualTypeOf<ServerExitReason>();
    expectTypeOf<ExitEvent>().toEqualTypeOf<ExitEvent<ExitReason>>();
    expectTypeOf<Parameters<ExitCallback<BrowserExitReason>>[0]>().toEqualTypeOf<ExitEvent<BrowserExitReason>>();
  });

  test("each entry's register lists only the reasons its runtime produces", () => {
    for (const server of [node, deno, bun]) {
      expectTypeOf(server.register).parameter(0).toEqualTypeOf<ExitCallback<ServerExitReason>>();
    }
    expectTypeOf(browser.register).parameter(0).toEqualTypeOf<ExitCallback<BrowserExitReason>>();
    expectTypeOf(fallback.register).parameter(0).toEqualTypeOf<ExitCallback<"exit" | "manual">>();
    expectTypeOf(auto.register).parameter(0).toEqualTypeOf<ExitCallback>();
    typeOnly(() => {
      node.register((event) => expectTypeOf(event.reason).toEqualTypeOf<ServerExitReason>());
      browser.register((event) => expectTypeOf(event.reason).toEqualTypeOf<BrowserExitReason>());
      fallback.register((event) => expectTypeOf(event.reason).toEqualTypeOf<"exit" | "manual">());
      // @ts-expect-error a page is never ended by a signal
      browser.register((event) => event.reason === "signal");
      // @ts-expect-error Node.js never hides a page
      node.register((event: ExitEvent<"hidden">) => event.final);
      // @ts-expect-error a callback for signals alone would be told of the other reasons too
      deno.register((event: ExitEvent<"signal">) => event.signal);
    });
  });

  test("an isomorphic callback, typed for every reason, fits every entry", () => {
    typeOnly(() => {
      const everywhere: ExitCallback = (event) => event.reason;
      const wide = (event: ExitEvent) => event.runtime;
      for (const api of [auto, node, deno, bun, browser, fallback]) {
        api.register(everywhere);
        api.register(wide);
        api.unregister(everywhere);
        api.unregister(wide);
      }
      const serverOnly: ExitCallback<ServerExitReason> = () => {};
      node.register(serverOnly);
      node.unregister(serverOnly);
      // @ts-expect-error a server callback is no browser callback
      browser.register(serverOnly);
    });
  });

  test("the other functions", () => {
    expectTypeOf(node.unregister).returns.toEqualTypeOf<number>();
    expectTypeOf(node.exit).parameters.toEqualTypeOf<[code?: number]>();
    expectTypeOf(node.exit).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(node.runHandlers).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(node.count).returns.toEqualTypeOf<number>();
    expectTypeOf(node.clear).returns.toEqualTypeOf<void>();
    expectTypeOf(node.configure).parameter(0).toEqualTypeOf<ConfigureOptions | undefined>();
    expectTypeOf(node.configure).returns.toEqualTypeOf<AtexitConfig>();
    // Every entry has ready(), the no-op ones too: code that calls it builds for any host.
    for (const api of [auto, node, deno, bun, browser, fallback]) expectTypeOf(api.ready).toEqualTypeOf<() => Promise<void>>();
    // Every setting, and no other key (exactOptionalPropertyTypes: test/fixtures/types/exact.ts).
    expectTypeOf<keyof ConfigureOptions>().toEqualTypeOf<keyof AtexitConfig>();
    // The configuration is process-wide: onError hears of every reason.
    expectTypeOf<Parameters<AtexitConfig["onError"]>[1]>().toEqualTypeOf<ExitEvent>();
    typeOnly(() => {
      // @ts-expect-error exit takes a numeric status
      void node.exit("3");
    });
  });

  test("the exit report: onReport takes an ExitReport, and undefined turns it off", () => {
    expectTypeOf<AtexitConfig["onReport"]>().toEqualTypeOf<((report: ExitReport) => void) | undefined>();
    expectTypeOf<ExitReport["callbacks"]>().toEqualTypeOf<readonly CallbackReport[]>();
    expectTypeOf<ExitReport["deferred"]>().toEqualTypeOf<DeferredReport>();
    expectTypeOf<ExitReport["code"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ExitReport["signal"]>().toEqualTypeOf<ExitSignal | undefined>();
    expectTypeOf<CallbackReport["outcome"]>().toEqualTypeOf<CallbackOutcome>();
    expectTypeOf<CallbackOutcome>().toEqualTypeOf<"ok" | "failed" | "timed out" | "cut">();
    expectTypeOf<IsRequired<CallbackReport, "drain">>().toEqualTypeOf<false>();
    typeOnly(() => {
      node.configure({ onReport: (report) => void report.callbacks.map((callback) => callback.drain?.requests) });
      node.configure({ onReport: undefined });
      // @ts-expect-error a report is read, never written
      node.configure({ onReport: (report) => void (report.code = 0) });
    });
  });

  test("every entry point exports the API for its reasons", () => {
    type Api<R extends ExitReason> = Pick<Atexit<R>, keyof Atexit>;
    expectTypeOf<Pick<typeof node, keyof Atexit>>().toEqualTypeOf<Api<ServerExitReason>>();
    expectTypeOf<Pick<typeof deno, keyof Atexit>>().toEqualTypeOf<Api<ServerExitReason>>();
    expectTypeOf<Pick<typeof bun, keyof Atexit>>().toEqualTypeOf<Api<ServerExitReason>>();
    expectTypeOf<Pick<typeof browser, keyof Atexit>>().toEqualTypeOf<Api<BrowserExitReason>>();
    expectTypeOf<Pick<typeof fallback, keyof Atexit>>().toEqualTypeOf<Api<"exit" | "manual">>();
    expectTypeOf<Pick<typeof auto, keyof Atexit>>().toEqualTypeOf<Api<ExitReason>>();
    expectTypeOf<Atexit>().toEqualTypeOf<Atexit<ExitReason>>();
  });
});
