// One process of measure 6: `node bench/drain-child.mjs <variant>`. A
// node:http server on 127.0.0.1 that answers `/slow` after 1 s and anything
// else at once, made to shut down on SIGTERM the way each library's
// documentation says. Prints "port <n>" once listening.
import { createServer } from "node:http";

const variant = process.argv[2];
const server = createServer((req, res) => {
  setTimeout(() => res.end("ok"), req.url === "/slow" ? 1000 : 0);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const closeServer = () => new Promise((resolve) => server.close(resolve));

if (variant === "atexit") {
  const { drain } = await import("atexit/http");
  drain(server, { timeout: 8000 });
} else if (variant === "atexit, server.close() by hand") {
  const { register } = await import("atexit");
  register(closeServer);
} else if (variant === "http-terminator") {
  const { createHttpTerminator } = await import("http-terminator");
  const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: 8000 });
  process.on("SIGTERM", () => void terminator.terminate());
} else if (variant === "@godaddy/terminus") {
  const { createTerminus } = await import("@godaddy/terminus");
  createTerminus(server, { signals: ["SIGTERM"], timeout: 8000, onSignal: async () => {} });
} else if (variant === "close-with-grace") {
  const { default: closeWithGrace } = await import("close-with-grace");
  closeWithGrace({ delay: 8000 }, closeServer);
} else {
  throw new Error(`drain-child: no variant ${variant}`);
}
process.stdout.write(`port ${server.address().port}\n`);
