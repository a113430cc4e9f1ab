// One replica of the rolling-restart measure:
// `node bench/rolling-child.mjs <variant> <delay ms> <port> [check port]`.
// A node:http server on 127.0.0.1:<port> that answers `/` after 30 ms and
// `/ready` at once, made to shut down on SIGTERM the way each library's
// documentation says, with `delay` where the library has one. Lightship
// answers the health check on a server of its own, on <check port>. Prints
// "port <n>" once listening.
import { createServer } from "node:http";

const [variant, delayArg, portArg, checkPortArg] = process.argv.slice(2);
const delay = Number(delayArg);
const TIMEOUT_MS = 8000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `/ready` says 503: set by the variants that know they are shutting down. */
let notReady = () => false;
const server = createServer((req, res) => {
  if (req.url === "/ready") {
    res.statusCode = notReady() ? 503 : 200;
    return void res.end("ok");
  }
  setTimeout(() => res.end("ok"), 30);
});
const closeServer = () => new Promise((resolve) => server.close(resolve));

if (variant === "no handling") {
  // Node's default: SIGTERM ends the process at once.
} else if (variant === "server.close() on SIGTERM") {
  process.on("SIGTERM", () => void closeServer());
} else if (variant === "http-terminator") {
  const { createHttpTerminator } = await import("http-terminator");
  const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: TIMEOUT_MS });
  process.on("SIGTERM", () => void terminator.terminate());
} else if (variant === "@godaddy/terminus") {
  const { createTerminus } = await import("@godaddy/terminus");
  // Its Kubernetes advice: a health check that fails during the shutdown, and a pause before it.
  createTerminus(server, {
    signals: ["SIGTERM"],
    timeout: TIMEOUT_MS,
    healthChecks: { "/ready": async () => {} },
    beforeShutdown: () => sleep(delay),
  });
} else if (variant === "lightship") {
  const { createLightship } = await import("lightship");
  const lightship = await createLightship({
    detectKubernetes: false,
    port: Number(checkPortArg),
    shutdownDelay: delay,
    gracefulShutdownTimeout: TIMEOUT_MS,
    shutdownHandlerTimeout: TIMEOUT_MS,
    signals: ["SIGTERM"],
  });
  lightship.registerShutdownHandler(closeServer);
  server.once("listening", () => lightship.signalReady());
} else if (variant.startsWith("atexit")) {
  const { drain, isDraining } = await import("atexit/http");
  notReady = () => isDraining();
  drain(server, { delay, timeout: TIMEOUT_MS });
} else {
  throw new Error(`rolling-child: no variant ${variant}`);
}
await new Promise((resolve, reject) => server.once("error", reject).listen(Number(portArg), "127.0.0.1", resolve));
process.stdout.write(`port ${server.address().port}\n`);
