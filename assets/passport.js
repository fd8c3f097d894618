// The passport's recording panel: on a device enrolled at /scan and registered, offers the
// next events this product's state allows and the device's roles may sign (custody kinds only
// to the custodian, the answers to a hand-over only to the actor it is in transit to), signs the chosen one here and records it. Reading the page needs none
// of this.

import { deliver, findActor, loadDevice, newEvent, Offline, sign } from "./ledger.js";
import { readData, showKind } from "./forms.js";

const panel = document.getElementById("record");
const $ = (id) => document.getElementById(id);

async function actorOf(device) {
  try {
    return await findActor(device.publicKey);
  } catch {
    return device.actor ?? null; // offline: the registration seen last
  }
}

async function start() {
  const device = await loadDevice();
  if (!device) return;
  const actor = await actorOf(device);
  if (!actor) return;
  const roles = new Set(actor.roles);
  const allowed = [...panel.querySelectorAll("#record-kinds button")].filter((button) => {
    const byRole = button.dataset.roles.split(" ").some((role) => roles.has(role));
    const byCustody = button.dataset.custody !== "true" || panel.dataset.custodian === actor.id;
    const byReceipt = button.dataset.receiver !== "true" || panel.dataset.receiver === actor.id;
    button.hidden = !(byRole && byCustody && byReceipt);
    button.addEventListener("click", () => choose(button));
    return !button.hidden;
  });
  $("record-device").textContent = allowed.length
    ? `Signing as ${actor.org} (${actor.name}).`
    : `${actor.org} (${actor.name}) may not record anything on this product in its current state.`;
  $("record-form").addEventListener("submit", (e) => {
    e.preventDefault();
    record(device, actor);
  });
  $("record-cancel").addEventListener("click", () => { $("record-form").hidden = true; });
  panel.hidden = false;
}

function choose(button) {
  const form = $("record-form");
  form.dataset.kind = button.dataset.kind;
  $("record-kind-label").textContent = button.textContent;
  showKind(form, button.dataset.kind);
  $("record-result").textContent = "";
  form.hidden = false;
}

function say(text, style) {
  const result = $("record-result");
  result.textContent = text;
  result.className = style;
}

async function record(device, actor) {
  const form = $("record-form");
  const submit = form.querySelector("button[type=submit]");
  let data;
  try {
    data = readData(form, form.dataset.kind);
  } catch (error) {
    say(error.message, "bad");
    return;
  }
  const city = device.city ?? actor.city;
  if (!city) {
    say("This device has no city: choose one on the scan station (/scan) first.", "bad");
    return;
  }
  submit.disabled = true;
  try {
    const event = newEvent({
      kind: form.dataset.kind, actor: actor.id, city,
      product: panel.dataset.product, prev: panel.dataset.head, data,
    });
    const outcome = await deliver(device, await sign(device, event));
    if (outcome.accepted) {
      say(`Recorded as log entry ${outcome.receipt.seq}.`, "ok");
      window.location.reload();
    } else {
      say(`Not recorded: ${outcome.reason}`, "bad");
    }
  } catch (error) {
    say(error instanceof Offline
      ? "No connection to the ledger: nothing was recorded. The scan station queues events while offline."
      : `Not recorded: ${error.message}`, "bad");
  } finally {
    submit.disabled = false;
  }
}

if (panel) start();
