// workerd's AsyncLocalStorage (adapters/_workerd.ts): loaded by a dynamic
// import of node:async_hooks on the workerd entry's first use, never through
// process, and read by defer() through src/defer.ts's loadedContext. Here
// Node stands in for workerd, with node:async_hooks replaced where a host
// refuses it (Node compatibility off) or lacks AsyncLocalStorage; the real
// one runs in test/e2e/request.test.ts.
import { afterEach, describe, expect, test, vi } from "vitest";
import { loadContext } from "../../../adapters/_workerd.ts";
import { invocationContext, loadedContext } from "../../../src/defer.ts";
import type { SharedState } from "../../../src/protocol.ts";

describe("AsyncLocalStorage on hosts whose entries never read process", () => {
  const fresh = (): SharedState => ({ pageTrigger: undefined, keepaliveInFlight: 0 });

  test("workerd: none until the workerd entry begins loading node:async_hooks; no telling while it loads, then made once", async () => {
    const state = fresh();
    expect(loadedContext(state)).toBeNull();
    loadContext(state);
    expect(invocationContext(loadedContext, state)).toBeUndefined();
    expect(state.context).toBeUndefined();
    await state.contextLoading;
    const context = invocationContext(loadedContext, state);
    expect(typeof context?.run).toBe("function");
    expect(invocationContext(loadedContext, state)).toBe(context);
    const loading = state.contextLoading;
    loadContext(state);
    expect(state.contextLoading).toBe(loading);
  });

  describe("where node:async_hooks gives none", () => {
    afterEach(() => void vi.doUnmock("node:async_hooks"));

    test("refused (Node compatibility off): there is none, and defer() stops asking", async () => {
      vi.doMock("node:async_hooks", () => {
        throw new Error("No such module");
      });
      const state = fresh();
      loadContext(state);
      await state.contextLoading;
      expect(state.context).toBeNull();
      expect(invocationContext(loadedContext, state)).toBeUndefined();
    });

    test("without AsyncLocalStorage: there is none", async () => {
      vi.doMock("node:async_hooks", () => ({ AsyncLocalStorage: undefined }));
      const state = fresh();
      loadContext(state);
      await state.contextLoading;
      expect(state.context).toBeNull();
    });
  });
});
