// The adapter's listeners (adapters/_listening.ts): adapters are written as a
// listen that returns its own removal, and `listening` makes the install and
// uninstall pair that every registry (of whichever copy) calls.
import { expect, test, vi } from "vitest";
import { listening } from "../../../adapters/_listening.ts";
import type { SharedRegistry } from "../../../src/protocol.ts";
import { Registry } from "../../../src/registry.ts";

test("install hands the registry to listen; uninstall removes what it added, once", () => {
  const registry = new Registry();
  const remove = vi.fn();
  const listen = vi.fn((_: SharedRegistry) => remove);
  const { install, uninstall } = listening(listen);
  install(registry);
  expect(listen).toHaveBeenCalledWith(registry);
  expect(remove).not.toHaveBeenCalled();
  uninstall();
  uninstall();
  expect(remove).toHaveBeenCalledTimes(1);
});

test("uninstall before any install does nothing; after a reinstall it removes the newer listeners", () => {
  const removals: string[] = [];
  let n = 0;
  const { install, uninstall } = listening(() => {
    const id = ++n;
    return () => void removals.push(`remove ${id}`);
  });
  uninstall();
  expect(removals).toEqual([]);
  install(new Registry());
  uninstall();
  install(new Registry());
  uninstall();
  expect(removals).toEqual(["remove 1", "remove 2"]);
});

test("a registry installs and removes an adapter made with it, with the first and the last registration", () => {
  const registry = new Registry();
  const calls: string[] = [];
  const adapter = {
    runtime: "node" as const,
    ...listening(() => {
      calls.push("listen");
      return () => void calls.push("remove");
    }),
  };
  const first = registry.add(() => {}, {}, adapter);
  registry.remove(registry.add(() => {}, {}, adapter));
  expect(calls).toEqual(["listen"]);
  registry.remove(first);
  expect(calls).toEqual(["listen", "remove"]);
});
