// A Web Worker: no exit event to hook, so callbacks run through runHandlers()
// and exit(); loading atexit there must not throw.
import { count, exit, register, runHandlers } from "atexit";

const lines: string[] = [];
register(() => void lines.push("A"));
register((event) => void lines.push(`B ${event.reason} ${event.runtime}`));
await runHandlers();
register(() => void lines.push("C"));
await exit();
lines.push(`count ${count()}`);
postMessage(lines);
