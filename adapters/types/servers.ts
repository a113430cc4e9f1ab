/** A response of `node:http`, as the drain sees it. */
export interface NodeResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  once(event: "close", listener: () => void): unknown;
}

/** A request of `node:http`: only its connection. */
export interface NodeRequest {
  readonly socket: { destroy(): unknown };
}

/** A `node:http` or `node:https` server (Express's `app.listen()`, Fastify's `app.server`). */
export interface NodeServer {
  close(callback?: (error?: Error) => void): unknown;
  on(event: "request", listener: (request: NodeRequest, response: NodeResponse) => void): unknown;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** An HTTP/2 session of `node:http2`. */
export interface Http2Session {
  close(): unknown;
  destroy(): unknown;
  once(event: "close", listener: () => void): unknown;
}

/** A `node:http2` server (`createServer`, `createSecureServer`). */
export interface Http2Server {
  close(callback?: (error?: Error) => void): unknown;
  on(event: "session", listener: (session: Http2Session) => void): unknown;
  updateSettings(settings: object): unknown;
}

/** `Deno.serve()`'s server. */
export interface DenoServer {
  shutdown(): Promise<void>;
  readonly finished: Promise<void>;
}

/** `Bun.serve()`'s server. */
export interface BunServer {
  stop(closeActiveConnections?: boolean): unknown;
  readonly pendingRequests: number;
}
