// Property test of the public API against hostile input: arbitrary values
// (fast-check's `anything`, plus revoked Proxies, throwing getters and traps,
// BigInts, cycles, edge numbers) for every argument and every option key of
// every function, `atexit/beacon`, `defer` and `atexit/request` included. The
// contract: each call succeeds, or throws a TypeError or RangeError whose
// message starts with `[atexit] fn()`, naming the function; and afterwards a
// normal register and run still work. It stands beside the source tree, not
// in it: the contract is the API's as a whole, checked across src/api.ts,
// src/defer.ts and the helpers at once, where no one module's file could hold
// it; the cases it found are examples in test/unit/src/validate.test.ts.
import fc from "fast-check";
import { afterEach, describe, expect, test } from "vitest";
import { createApi } from "../fixtures/api.ts";
import { pending, sendOnExit } from "../../helpers/beacon.ts";
import { deferWith, processContext } from "../../src/defer.ts";

const defer = (promise: PromiseLike<unknown>): void => deferWith({ context: processContext }, promise);
import { sharedState } from "../../src/realm.ts";
import { withExit } from "../../helpers/request.ts";
import { getRegistry } from "../../src/realm.ts";
import { defaultConfig } from "../../src/config.ts";

const revoked = (target: object): unknown => {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
};
const trapThrows = (trap: keyof ProxyHandler<object>, target: object = {}): unknown =>
  new Proxy(target, { [trap]: () => { throw new Error(`${trap} trap`); } });
const getterThrows = (key: string): unknown =>
  Object.defineProperty({}, key, { enumerable: true, get: () => { throw new Error(`${key} getter`); } });
const circular = (): unknown => {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
};

const registerKeys = ["timeout", "last", "signal", "once", "name"];
const configKeys = Object.keys(defaultConfig);
const sendKeys = ["maxChunkBytes", "contentType", "timeout"];
const pendingKeys = ["activateAfter", "contentType", "timeout"];

/**
 * A value made only when the property runs: fast-check itself inspects the
 * values it generates (`in` checks), which a revoked Proxy would break, so
 * the hostile shapes travel as recipes and are built inside the call.
 */
class Recipe {
  constructor(
    readonly label: string,
    readonly make: () => unknown,
  ) {}
  toString(): string {
    return this.label;
  }
}
const build = (value: unknown): unknown => (value instanceof Recipe ? value.make() : value);

const shapes: Array<[string, () => unknown]> = [
  ["a revoked Proxy", () => revoked({})],
  ["a revoked Proxy of an array", () => revoked([])],
  ["a revoked Proxy of a function", () => revoked(() => {})],
  ["a Proxy whose get trap throws", () => trapThrows("get")],
  ["a Proxy whose ownKeys trap throws", () => trapThrows("ownKeys")],
  ["a Proxy whose has trap throws", () => trapThrows("has")],
  ["a Proxy whose getPrototypeOf trap throws", () => trapThrows("getPrototypeOf")],
  ["a Proxy of a function whose get trap throws", () => trapThrows("get", () => {})],
  ["a cycle", circular],
  ["a toJSON that throws", () => ({ toJSON: () => { throw new Error("toJSON"); }, then: 1 })],
  ["a signal-like that throws", () => ({ aborted: false, addEventListener: () => { throw new Error("listen"); } })],
  ["a thenable whose then getter throws", () => ({ get then() { throw new Error("then"); } })],
];

/** One hostile value: anything fast-check makes, or one of the shapes that broke atexit before. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      NaN, -0, Infinity, -Infinity, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 256, 10n, Symbol("s"), "", "SIGKILL",
      null, undefined, true, [], ["SIGUSR2", "SIGKILL"], () => {}, async () => {},
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom(...shapes).map(([label, make]) => new Recipe(label, make)) },
  { weight: 1, arbitrary: fc.constant(new Recipe("an AbortSignal", () => new AbortController().signal)) },
);

/** Options: hostile as a whole, or an object of known (and unknown) keys with hostile values or throwing getters. */
const options = (keys: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    hostile,
    fc
      .dictionary(fc.constantFrom(...keys, "unknownKey"), hostile, { maxKeys: 3 })
      .map((fields) => new Recipe(`{ ${Object.entries(fields).map(([key, value]) => `${key}: ${fc.stringify(value)}`).join(", ")} }`, () =>
        Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, build(value)])))),
    fc.constantFrom(...keys).map((key) => new Recipe(`a ${key} getter that throws`, () => getterThrows(key))),
  );

const adapter = { runtime: "unknown" as const, install: () => {}, uninstall: () => {}, currentCode: () => 0, exitProcess: () => {} };

/** Calls `call`; a throw must be an [atexit] TypeError/RangeError naming `fn`. A returned promise is awaited the same way. */
async function keepsContract(fn: string, call: () => unknown): Promise<void> {
  const check = (error: unknown): void => {
    expect([TypeError, RangeError]).toContain((error as Error)?.constructor);
    expect((error as Error).message.startsWith(`[atexit] ${fn}()`)).toBe(true);
  };
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return check(error);
  }
  if (result instanceof Promise) await result.then(() => {}, check);
}

/** Afterwards, atexit still works: a normal registration runs. */
async function stillWorks(api: ReturnType<typeof createApi>): Promise<void> {
  api.configure({ onError: () => {} }); // hostile callbacks registered above may fail: they are isolated, not the subject here
  let ran = false;
  api.register(() => void (ran = true));
  await api.runHandlers();
  expect(ran).toBe(true);
}

afterEach(() => {
  sharedState().deferred?.clear();
  getRegistry().clear();
  getRegistry().config = defaultConfig;
});

describe("the public API under hostile input", () => {
  // 300 runs per property in `npm test`; HOSTILE_RUNS=3000 (or more) for a deeper search.
  const params = { numRuns: Number(process.env.HOSTILE_RUNS ?? 300) };
  const fresh = () => {
    sharedState().deferred?.clear();
    getRegistry().clear();
    getRegistry().config = defaultConfig;
    return createApi(() => adapter);
  };

  test("register(callback, options)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.constant(() => {})), options(registerKeys), async (callback, opts) => {
        const api = fresh();
        await keepsContract("register", () => api.register(build(callback) as never, build(opts) as never));
        await stillWorks(api);
      }),
      params,
    );
  });

  test("unregister(callback), exit(code), runHandlers()", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (callback, code) => {
        const api = fresh();
        await keepsContract("unregister", () => api.unregister(build(callback) as never));
        await keepsContract("exit", () => api.exit(build(code) as never));
        await keepsContract("runHandlers", () => api.runHandlers());
        await stillWorks(api);
      }),
      params,
    );
  });

  test("configure(options), count(), clear()", async () => {
    await fc.assert(
      fc.asyncProperty(options(configKeys), async (opts) => {
        const api = fresh();
        await keepsContract("configure", () => api.configure(build(opts) as never));
        await keepsContract("count", () => api.count());
        await keepsContract("clear", () => api.clear());
        // Whatever was accepted must be a configuration atexit can run with.
        const config = api.configure();
        expect(config.timeout).toBeGreaterThanOrEqual(0);
        expect(config.totalTimeout).toBeGreaterThanOrEqual(0);
        expect(typeof config.onError).toBe("function");
        await stillWorks(api);
      }),
      params,
    );
  });

  test("defer(promise), withExit(handler), and a wrapped handler called with anything", async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, fc.array(hostile, { maxLength: 3 }), async (promise, handler, args) => {
        const api = fresh();
        await keepsContract("defer", () => defer(build(promise) as never));
        await keepsContract("withExit", () => withExit(build(handler) as never));
        // A good handler, called as a runtime never would: whatever it is given reaches it, and its phase ends.
        const handed: Promise<unknown>[] = [];
        const wrapped = withExit((request: unknown, ...rest: unknown[]) => [request, ...rest].length);
        const built = args.map(build);
        const call = wrapped as unknown as (...all: unknown[]) => unknown;
        expect(call(...built, { waitUntil: (work: Promise<unknown>) => void handed.push(work) })).toBe(built.length + 1);
        await Promise.all(handed);
        await stillWorks(api);
      }),
      params,
    );
  });

  test("pending(url, options), then set(data) and cancel()", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.constant("http://127.0.0.1:9/state")), options(pendingKeys), hostile, async (url, opts, data) => {
        const api = fresh();
        let handle: ReturnType<typeof pending> | undefined;
        await keepsContract("pending", () => (handle = pending(build(url) as never, build(opts) as never)));
        if (handle) {
          const made = handle;
          await keepsContract("pending", () => made.set(build(data)));
          made.cancel();
        }
        await stillWorks(api);
      }),
      params,
    );
  });

  test("sendOnExit(url, data, options), with a URL nothing listens on (127.0.0.1:9)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostile.filter((value) => typeof value !== "string"), fc.constant("http://127.0.0.1:9/beacon")),
        hostile,
        options(sendKeys),
        async (url, data, opts) => {
          // A valid call really posts to the closed port: refused at once, reported unsent.
          await keepsContract("sendOnExit", () => sendOnExit(build(url) as never, build(data), build(opts) as never));
          await stillWorks(fresh());
        },
      ),
      { numRuns: 200 },
    );
  });
});
