// The one member of workerd's built-in module that the workerd entry uses;
// stated here so that nothing needs @cloudflare/workers-types.
declare module "cloudflare:workers" {
  /** Keeps the current request's invocation alive until `promise` settles. */
  export function waitUntil(promise: Promise<unknown>): void;
}
