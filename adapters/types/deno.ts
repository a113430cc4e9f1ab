/** The parts of the `Deno` global atexit touches. */
export interface DenoLike {
  readonly pid: number;
  exitCode: number;
  readonly build: { readonly os: string };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  kill(pid: number, signal: string): void;
  exit(code?: number): never;
  readonly env?: { get(name: string): string | undefined };
  readonly permissions?: { querySync?(descriptor: { name: "env"; variable: string }): { readonly state: string } };
  inspect?(value: unknown): string;
  /** Lets a timer's id not keep the program alive (Deno's timers are numbers, without `unref`). */
  unrefTimer?(id: number): void;
  /** The key of Deno's internals, where the resource table is (see `heldByOthers`). */
  readonly internal?: symbol;
}
