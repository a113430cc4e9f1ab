// `npm run demo:browser`: serves a page on 127.0.0.1 whose atexit callbacks
// send beacons here; the page shows them live. Switch tabs, navigate away and
// back, or close the tab (and reopen it) to watch the flush.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const port = Number(process.env.PORT ?? 8787);
const { outputFiles } = await build({
  entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
  bundle: true,
  write: false,
  format: "esm",
  platform: "browser",
  logLevel: "warning",
});
const script = outputFiles[0].text;
const html = `<!doctype html><meta charset="utf-8"><title>atexit demo</title>
<style>body{font:16px system-ui;margin:2rem;max-width:42rem}li{margin:.2rem 0}</style>
<h1>atexit in the browser</h1>
<p>Registered callbacks, run last in, first out whenever this page is hidden or left:</p>
<ol id="callbacks" reversed></ol>
<p>Switch to another tab and back, follow <a href="/other">a link</a> and come back,
or close this tab and open the page again. Beacons the server received, newest first:</p>
<ul id="received"></ul>
<script type="module" src="/page.js"></script>`;

const beacons = [];
const listeners = new Set();
createServer((request, response) => {
  const { pathname } = new URL(request.url, "http://127.0.0.1");
  if (request.method === "POST" && pathname === "/beacon") {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      beacons.push(body);
      for (const listener of listeners) listener.write(`data: ${body}\n\n`);
      console.log(`beacon: ${body}`);
      response.writeHead(204).end();
    });
  } else if (pathname === "/events") {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const body of beacons) response.write(`data: ${body}\n\n`);
    listeners.add(response);
    request.on("close", () => listeners.delete(response));
  } else if (pathname === "/page.js") {
    response.writeHead(200, { "content-type": "text/javascript" }).end(script);
  } else if (pathname === "/other") {
    response.writeHead(200, { "content-type": "text/html" }).end(`<p>Another page. <a href="javascript:history.back()">Go back</a>.`);
  } else {
    response.writeHead(200, { "content-type": "text/html" }).end(html);
  }
}).listen(port, "127.0.0.1", () => console.log(`atexit browser demo: http://127.0.0.1:${port}/ (Ctrl+C to stop)`));
