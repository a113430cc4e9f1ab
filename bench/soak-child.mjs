// One soak process: three callbacks (A; B async, 50 ms; C writes 64 KiB),
// then "ready", then it waits for a signal. "throwing" adds a callback that throws.
import { configure, register } from "atexit";

const write = (text) => process.stdout.write(text);
configure({ onError: () => write("reported\n") });
register(() => write("A\n"));
register(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  write("B\n");
});
register(() => write(`C ${"x".repeat(65_536)}\n`));
if (process.argv[2] === "throwing") {
  register(() => {
    throw new Error("soak");
  });
}
setInterval(() => {}, 1000);
write("ready\n");
