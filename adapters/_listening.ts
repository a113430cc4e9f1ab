import type { Adapter, SharedRegistry } from "../src/protocol.ts";

/** An adapter's listeners: added on install, returning what removes them. */
export type Listen = (registry: SharedRegistry) => () => void;

/**
 * The `install` and `uninstall` pair every registry calls, from one `listen`
 * that returns its own removal: uninstall removes what the last install
 * added, once, and does nothing when nothing is installed.
 */
export function listening(listen: Listen): Required<Pick<Adapter, "install" | "uninstall">> {
  let remove: (() => void) | undefined;
  return {
    install: (registry) => void (remove = listen(registry)),
    uninstall: () => {
      const removing = remove;
      remove = undefined;
      removing?.();
    },
  };
}
