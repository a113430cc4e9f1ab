// A local HTTP server (127.0.0.1, a free port) that serves the test page and
// its bundles, and records every beacon it receives, by test id.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface BeaconServer {
  readonly origin: string;
  /** The bodies received for `id` (a test id, or the path of a POST without one), parsed, in arrival order. */
  received(id: string): unknown[];
  /** Drops what was received for `id`. */
  forget(id: string): void;
  /** Whether a page was asked for at `url` (its path and query), as a navigation does. */
  requested(url: string): boolean;
  close(): Promise<void>;
}

export async function startServer(files: Record<string, string>): Promise<BeaconServer> {
  const records = new Map<string, unknown[]>();
  const requests = new Set<string>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method === "POST") {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => (body += chunk));
      request.on("end", () => {
        // Recorded by test id, else by path (the README sample posts to /analytics).
        const id = url.searchParams.get("id") ?? url.pathname;
        const list = records.get(id) ?? [];
        list.push(JSON.parse(body));
        records.set(id, list);
        response.writeHead(204).end();
      });
      return;
    }
    requests.add(`${url.pathname}${url.search}`);
    const file = files[url.pathname];
    if (file === undefined) return void response.writeHead(404).end();
    const type = url.pathname.endsWith(".js") ? "text/javascript" : "text/html";
    // No cache-control: no-store, which would keep pages out of the back/forward cache.
    response.writeHead(200, { "content-type": type }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received: (id) => records.get(id) ?? [],
    forget: (id) => void records.delete(id),
    requested: (url) => requests.has(url),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
