/** A response of `node:http`, as the drain sees it. */
export interface NodeResponse {
  readonly headersSent: boolean;
  /** Whether it has been ended (by the application, or by the drain). */
  readonly writableEnded?: boolean;
  /** Whether all of it has left. */
  readonly writableFinished?: boolean;
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  end(): unknown;
  once(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

/** A connection of `node:http`: a `net.Socket`, or a `tls.TLSSocket`. */
export interface NodeSocket {
  readonly destroyed?: boolean;
  /** Bytes written to it: an upgraded socket's 101 response has left once it is more than 0. */
  readonly bytesWritten?: number;
  destroy(): unknown;
  write(chunk: Uint8Array): unknown;
  end(): unknown;
  resume(): unknown;
  once(event: "close", listener: () => void): unknown;
}

/** A request of `node:http`: its connection, and for an upgrade its headers. */
export interface NodeRequest {
  readonly socket: NodeSocket;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A `node:http` or `node:https` server (Express's `app.listen()`, Fastify's `app.server`). */
export interface NodeServer {
  close(callback?: (error?: Error) => void): unknown;
  on(event: "request", listener: (request: NodeRequest, response: NodeResponse) => void): unknown;
  on(event: "connection", listener: (socket: NodeSocket) => void): unknown;
  on(event: "upgrade", listener: (request: NodeRequest, socket: NodeSocket) => void): unknown;
  on(event: "newListener" | "removeListener", listener: (event: string | symbol, listener: unknown) => void): unknown;
  removeListener(event: "upgrade", listener: (request: NodeRequest, socket: NodeSocket) => void): unknown;
  listenerCount(event: "upgrade"): number;
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
  /** The open WebSockets of its `websocket` handler. */
  readonly pendingWebSockets?: number;
}
