// Type tests of the public API, checked by `tsc -p test/tsconfig.json` (part
// of `npm test`) against the published declarations: "atexit" resolves to
// this package's dist/ through its own exports map.
import type {
  Atexit,
  AtexitConfig,
  ConfigureOptions,
  ExitCallback,
  ExitEvent,
  ExitReason,
  Registration,
  RuntimeName,
} from "atexit";
import * as auto from "atexit";
import * as fallback from "atexit/adapters/fallback";
import * as node from "atexit/adapters/node";
import { describe, expectTypeOf, test } from "vitest";

/** Type-checked by tsc, never run: these calls would throw or register callbacks. */
const typeOnly = (_body: () => void): void => {};

describe("public types", () => {
  test("register takes a callback and options and returns a disposable, callable registration", () => {
    expectTypeOf(node.register).parameter(0).toEqualTypeOf<ExitCallback>();
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
    });
  });

  test("callbacks receive an ExitEvent and may return anything, including a promise", () => {
    expectTypeOf<Parameters<ExitCallback>[0]>().toEqualTypeOf<ExitEvent>();
    const callback: ExitCallback = async (event) => {
      expectTypeOf(event.reason).toEqualTypeOf<ExitReason>();
      expectTypeOf(event.runtime).toEqualTypeOf<RuntimeName>();
      expectTypeOf(event.code).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.signal).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.deadline).toEqualTypeOf<AbortSignal>();
      expectTypeOf(event.awaited).toEqualTypeOf<boolean>();
      expectTypeOf(event.final).toEqualTypeOf<boolean>();
    };
    expectTypeOf(callback).toMatchTypeOf<Parameters<typeof node.register>[0]>();
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
    // Every setting, and no other key (exactOptionalPropertyTypes: test/fixtures/types/exact.ts).
    expectTypeOf<keyof ConfigureOptions>().toEqualTypeOf<keyof AtexitConfig>();
    typeOnly(() => {
      // @ts-expect-error exit takes a numeric status
      void node.exit("3");
    });
  });

  test("every entry point exports the same API", () => {
    type Api = Pick<Atexit, keyof Atexit>;
    expectTypeOf<Pick<typeof node, keyof Atexit>>().toEqualTypeOf<Api>();
    expectTypeOf<Pick<typeof auto, keyof Atexit>>().toEqualTypeOf<Api>();
    expectTypeOf<Pick<typeof fallback, keyof Atexit>>().toEqualTypeOf<Api>();
  });
});
