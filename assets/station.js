// The scan station (GET /scan): enrols this device with its own Ed25519 key, then turns each
// scanned or pasted label into a signed event of the chosen kind. Every scan is stored in
// IndexedDB before it is sent, so scans made offline survive reloads and are sent, in order
// and with their original `occurred_at`, when the ledger can be reached again.

import {
  createDevice, deliver, findActor, importDevice, loadDevice, newEvent, Offline,
  productFromLabel, readProduct, saveDevice, sign, storage,
} from "./ledger.js";
import { readData, showKind } from "./forms.js";
import { startContainers } from "./container.js";
import { startIntake } from "./intake.js";
import { startReceive } from "./receive.js";

const $ = (id) => document.getElementById(id);
const SHOWN_SCANS = 200;
// While a new key waits for its registration, the page looks itself up this often (one small
// GET of /v1/actors), so that it starts within a few seconds of the admin's command.
const REGISTRATION_POLL_MS = 2000;
// Queued scans are retried this often while online (and at once when the connection returns).
const RESEND_MS = 15000;
let device = null;
let sending = null;
let sendAgain = false;
let order = Date.now();
let registrationPoll = null;
// The yard modes (assets/container.js, intake.js, receive.js), started with the station.
let receive = null;
let yardStarted = false;

// ---- the station's choices, kept across reloads ------------------------------------------
// What the user chose (kind, the choices of each kind's form, the names for the registration
// command) is kept in localStorage: a reload or a restart must not silently fall back to
// defaults, and a whole day's scans are made with the same choices. Only <select> choices of
// the forms are kept; typed values (weights, documents) belong to one product. The city is
// kept with the device (IndexedDB), where the passport's recording panel reads it too.

const CHOICES = "ewaste-ledger-station-choices";

function loadChoices() {
  try {
    return JSON.parse(localStorage.getItem(CHOICES)) ?? {};
  } catch {
    return {};
  }
}

function keepChoice(name, value) {
  const choices = loadChoices();
  choices[name] = value;
  localStorage.setItem(CHOICES, JSON.stringify(choices));
}

/** Sets `select` to `value` when it offers it, enabled; says whether it did. */
function choose(select, value) {
  const option = [...select.options].find((o) => o.value === value);
  if (value == null || !option || option.disabled) return false;
  select.value = value;
  return true;
}

/** The kept choices of every kind's form, each `<select>` by its kind and name. */
function restoreFormChoices() {
  const fields = loadChoices().fields ?? {};
  for (const select of $("kind-data").querySelectorAll("fieldset[data-kind] select[name]")) {
    choose(select, fields[`${select.closest("fieldset").dataset.kind}/${select.name}`]);
  }
}

function keepFormChoice(select) {
  const fields = loadChoices().fields ?? {};
  fields[`${select.closest("fieldset").dataset.kind}/${select.name}`] = select.value;
  keepChoice("fields", fields);
}

// ---- enrolment -------------------------------------------------------------------------

async function enrol(make) {
  $("enrol-error").textContent = "";
  try {
    device = await make();
    await showDevice();
  } catch (error) {
    $("enrol-error").textContent = error.name === "NotSupportedError"
      ? "This browser cannot make Ed25519 keys with Web Crypto. Use a current Chrome, Edge, Firefox or Safari."
      : error.message;
  }
}

/** A word for a POSIX shell, single-quoted. */
function shellWord(text) {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The `actor add` command an admin pastes, as the README runs the CLI: from the ledger's
 *  directory, with the admin key `serve` wrote there, this device's city and key, and the
 *  `--server` this page was loaded from unless it is the CLI's default. */
function registerCommand() {
  const org = $("register-org").value.trim() || "Your organisation";
  const name = $("register-name").value.trim() || "Scan station";
  const city = $("register-city").value;
  const parts = ["./target/release/ewaste-ledger actor add"];
  if (location.origin !== "http://127.0.0.1:8080") parts.push(`--server ${shellWord(location.origin)}`);
  parts.push("--key data/admin-key.pem", `--org ${shellWord(org)}`, `--name ${shellWord(name)}`,
    "--roles collector,recycler");
  if (city) parts.push(`--city ${city}`);
  parts.push(`--public-key ${shellWord(device.publicKey)}`);
  return parts.join(" ");
}

function showCommand() {
  $("register-command").textContent = registerCommand();
}

function showPending() {
  const key = device.publicKey;
  $("public-key").textContent = key;
  $("public-key-qr").src = `/scan/key.svg?public_key=${encodeURIComponent(key)}`;
  const kept = loadChoices();
  $("register-org").value = kept.org ?? "";
  $("register-name").value = kept.name ?? "";
  choose($("register-city"), device.city);
  showCommand();
  $("pending").hidden = false;
}

/** Shows one of the cards (with the scans list for the station). */
function showCard(id) {
  for (const card of ["enrol", "pending", "station", "results-card"]) {
    $(card).hidden = !(card === id || (id === "station" && card === "results-card"));
  }
}

/** Shows enrolment, the wait for registration, or the station, for the device's state. While
 *  the key waits, it looks again every REGISTRATION_POLL_MS (one timer at a time). */
async function showDevice() {
  clearTimeout(registrationPoll);
  if (!device) {
    showCard("enrol");
    return;
  }
  try {
    device.actor = await findActor(device.publicKey);
    await saveDevice(device);
  } catch (error) {
    if (!(error instanceof Offline)) throw error; // offline: keep the registration seen last
  }
  if (!device.actor) {
    if ($("pending").hidden) {
      showCard("pending");
      showPending();
    }
    registrationPoll = setTimeout(showDevice, REGISTRATION_POLL_MS);
    return;
  }
  showStation();
}

// ---- the station -----------------------------------------------------------------------

function showStation() {
  const { actor } = device;
  $("device").textContent = `Signing as ${actor.org} (${actor.name}) · roles: ${actor.roles.join(", ")}`;
  const roles = new Set(actor.roles);
  const kind = $("kind");
  for (const option of kind.options) {
    option.disabled = !option.dataset.roles.split(" ").some((role) => roles.has(role));
  }
  if (!choose(kind, loadChoices().kind) && kind.selectedOptions[0]?.disabled) {
    const first = [...kind.options].find((option) => !option.disabled);
    if (first) kind.value = first.value;
  }
  choose($("city"), device.city) || choose($("city"), actor.city);
  restoreFormChoices();
  showKind($("kind-data"), kind.value);
  for (const button of document.querySelectorAll("[data-mode][data-roles]")) {
    button.disabled = !button.dataset.roles.split(" ").some((role) => roles.has(role));
  }
  if (!yardStarted) {
    yardStarted = true;
    const station = { device: () => device, city: () => $("city").value, record };
    startContainers(station);
    startIntake(station);
    receive = startReceive(station);
  }
  showCard("station");
  showMode(loadChoices().mode ?? "scan");
  showScans();
  send();
}

/** Shows one mode of the station (kept across reloads); a mode the roles do not allow falls
 *  back to scanning. */
function showMode(wanted) {
  const button = document.querySelector(`[data-mode="${wanted}"]`);
  const mode = button && !button.disabled ? wanted : "scan";
  for (const each of document.querySelectorAll("[data-mode]")) {
    each.setAttribute("aria-pressed", String(each.dataset.mode === mode));
    $(`mode-${each.dataset.mode}`).hidden = each.dataset.mode !== mode;
  }
  keepChoice("mode", mode);
  if (mode === "scan") $("scan").focus();
  if (mode === "container") $("container-scan").focus();
  if (mode === "receive") receive.refresh();
}

/** Keeps a signed event of a yard mode with the scans (so it is queued, sent and listed like
 *  them) and sends it; resolves with its stored item once sent, or still queued offline.
 *  `what` is `{label, kind}` as the list shows them; `receipt` marks a bulk intake, whose line
 *  links to its printable receipt; `whenNew`, the data of a first packing signed offline
 *  (see `deliver`). */
async function record(envelope, what) {
  const item = { ...what, id: envelope.event.id, order: order++, status: "queued", envelope };
  await storage.put("scans", item);
  showScans();
  await send();
  while (sending) await sending; // a run already under way sends it in the next one
  return (await storage.get("scans", item.id)) ?? item;
}

async function scan(text) {
  const kind = $("kind").value;
  const kindLabel = $("kind").selectedOptions[0].textContent;
  const scanItem = { id: crypto.randomUUID(), order: order++, label: text, kind: kindLabel };
  const reject = async (reason) => {
    await storage.put("scans", { ...scanItem, status: "rejected", reason });
    showScans();
  };
  let product;
  let data;
  try {
    product = await productFromLabel(text);
    data = readData($("kind-data"), kind);
  } catch (error) {
    await reject(error.message);
    return;
  }
  // Online, the product's head is the next `prev`; offline it is learnt when sending.
  let prev = null;
  try {
    const answer = await readProduct(product);
    if (!answer.ok) {
      await reject(answer.body.detail ?? `the ledger answered ${answer.status}`);
      return;
    }
    prev = answer.body.head.leaf_hash;
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
  const event = newEvent({ kind, actor: device.actor.id, city: $("city").value, product, prev, data });
  const envelope = await sign(device, event);
  await storage.put("scans", { ...scanItem, id: event.id, status: "queued", envelope });
  showScans();
  send();
}

/** Sends the queued scans in the order they were made; stops at the first that cannot reach
 *  the ledger and leaves it and the rest queued. One sender at a time: a scan queued while
 *  it runs is sent by one more run right after. */
function send() {
  if (sending) {
    sendAgain = true;
    return sending;
  }
  sending = (async () => {
    const queued = (await storage.all("scans"))
      .filter((item) => item.status === "queued")
      .sort((a, b) => a.order - b.order);
    for (const item of queued) {
      try {
        const outcome = await deliver(device, item.envelope, async (resigned) => {
          item.envelope = resigned;
          await storage.put("scans", item);
        }, item.whenNew);
        Object.assign(item, outcome.accepted
          ? { status: "accepted", seq: outcome.receipt.seq }
          : { status: "rejected", reason: outcome.reason, code: outcome.code });
        await storage.put("scans", item);
        showScans();
      } catch (error) {
        if (error instanceof Offline) break;
        throw error;
      }
    }
  })().finally(() => {
    sending = null;
    showNetwork();
    if (sendAgain) {
      sendAgain = false;
      send();
    }
  });
  return sending;
}

// ---- what the station shows ------------------------------------------------------------

async function showScans() {
  const scans = (await storage.all("scans")).sort((a, b) => b.order - a.order);
  const list = $("results");
  list.replaceChildren(...scans.slice(0, SHOWN_SCANS).map((item) => {
    const row = document.createElement("li");
    row.dataset.status = item.status;
    const outcome = document.createElement("div");
    if (item.status === "accepted") {
      outcome.className = "ok";
      outcome.textContent = `✓ ${item.kind}: recorded as log entry ${item.seq}`;
    } else if (item.status === "queued") {
      outcome.className = "wait";
      outcome.textContent = `… ${item.kind}: signed, waiting for the connection`;
    } else {
      // Not "✗ Collected: …", which reads as if the collection happened.
      outcome.className = "bad";
      outcome.textContent = `✗ Not recorded — ${item.kind.toLowerCase()} refused: ${item.reason}`;
    }
    const label = document.createElement("div");
    label.className = "muted";
    label.textContent = item.label;
    row.append(outcome, label);
    if (item.receipt && item.status === "accepted") {
      const link = document.createElement("a");
      link.href = `/r/${item.seq}`;
      link.textContent = "Receipt to print or show";
      row.append(link);
    }
    return row;
  }));
  const waiting = scans.filter((item) => item.status === "queued").length;
  $("counts").textContent = waiting ? `${waiting} signed ${waiting === 1 ? "scan" : "scans"} waiting to be sent.` : "Nothing waiting to be sent.";
}

function showNetwork() {
  $("network").textContent = navigator.onLine
    ? "Online: each scan is recorded at once."
    : "Offline: scans are signed and kept on this device until the connection returns.";
}

// ---- wiring ------------------------------------------------------------------------------

$("create-key").addEventListener("click", () => enrol(createDevice));
$("import-key").addEventListener("change", (e) => {
  const [file] = e.target.files;
  if (file) enrol(async () => importDevice(new Uint8Array(await file.arrayBuffer())));
});
$("check-registration").addEventListener("click", showDevice);
$("forget-key").addEventListener("click", async () => {
  if (!window.confirm("Forget this device's key? It cannot be recovered.")) return;
  clearTimeout(registrationPoll);
  await storage.remove("device", "self");
  device = null;
  showDevice();
});
for (const [id, name] of [["register-org", "org"], ["register-name", "name"]]) {
  $(id).addEventListener("input", () => {
    keepChoice(name, $(id).value);
    showCommand();
  });
}
$("copy-command").addEventListener("click", () => navigator.clipboard?.writeText(registerCommand()));
for (const button of document.querySelectorAll("[data-mode]")) {
  button.addEventListener("click", () => showMode(button.dataset.mode));
}
$("kind").addEventListener("change", () => {
  keepChoice("kind", $("kind").value);
  showKind($("kind-data"), $("kind").value);
});
$("kind-data").addEventListener("change", (e) => {
  if (e.target.matches("fieldset[data-kind] select[name]")) keepFormChoice(e.target);
});
// The city is the device's: chosen while it waits for registration (for the command) or at
// the station, it is the same setting.
for (const id of ["city", "register-city"]) {
  $(id).addEventListener("change", async () => {
    device.city = $(id).value;
    choose($("city"), device.city);
    choose($("register-city"), device.city);
    showCommand();
    await saveDevice(device);
  });
}
$("scan-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("scan").value.trim();
  $("scan").value = "";
  $("scan").focus();
  if (text) scan(text);
});
window.addEventListener("online", () => { showNetwork(); if (device?.actor) send(); });
window.addEventListener("offline", showNetwork);
setInterval(() => { if (device?.actor && navigator.onLine) send(); }, RESEND_MS);

showNetwork();
if (window.isSecureContext) {
  // The set-up card is in the page from the start; its buttons work from now on.
  $("create-key").disabled = false;
  $("import-key").disabled = false;
  device = await loadDevice();
  await showDevice();
} else {
  // Web Crypto and IndexedDB keys exist only in secure contexts.
  showCard("enrol");
  $("enrol-error").textContent =
    "The scan station signs with the browser's Web Crypto, which works only over HTTPS or on localhost. Open this page at the ledger's https:// address.";
}
