// The demo page: registers three callbacks that report with beacons, lists
// them, and shows live (server-sent events) every beacon the server receives.
import { register } from "atexit";
import { sendOnExit } from "atexit/beacon";

const names = ["save draft", "flush analytics", "close session"];
const list = document.querySelector("#callbacks")!;
const received = document.querySelector("#received")!;

for (const name of names) {
  register((event) => {
    void sendOnExit("/beacon", { callback: name, reason: event.reason, final: event.final, at: new Date().toISOString() });
  });
  list.insertAdjacentHTML("beforeend", `<li>${name}</li>`);
}

new EventSource("/events").onmessage = (message) => {
  const { callback, reason, final, at } = JSON.parse(message.data);
  received.insertAdjacentHTML(
    "afterbegin",
    `<li><code>${at.slice(11, 23)}</code> <b>${callback}</b> (${reason}${final ? ", final" : ""})</li>`,
  );
};
