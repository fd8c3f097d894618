// The scan station (GET /scan): enrols this device with its own Ed25519 key, then turns each
// scanned or pasted label into a signed event of the chosen kind. Every scan is stored in
// IndexedDB before it is sent, so scans made offline survive reloads and are sent, in order
// and with their original `occurred_at`, when the ledger can be reached again.

import {
  createDevice, deliver, findActor, importDevice, loadDevice, newEvent, Offline,
  productFromLabel, readProduct, saveDevice, sign, storage,
} from "./ledger.js";
import { readData, showKind } from "./forms.js";

const $ = (id) => document.getElementById(id);
const SHOWN_SCANS = 200;
let device = null;
let sending = null;
let sendAgain = false;
let order = Date.now();

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

function showPending() {
  const key = device.publicKey;
  $("public-key").textContent = key;
  $("public-key-qr").src = `/scan/key.svg?public_key=${encodeURIComponent(key)}`;
  $("register-command").textContent =
    `ewaste-ledger actor add --key admin-key.pem --org "…" --name "…" --roles collector,recycler --city … --public-key ${key}`;
  $("pending").hidden = false;
}

/** Shows enrolment, the wait for registration, or the station, for the device's state. */
async function showDevice() {
  for (const id of ["enrol", "pending", "station", "results-card"]) $(id).hidden = true;
  if (!device) {
    $("enrol").hidden = false;
    return;
  }
  try {
    device.actor = await findActor(device.publicKey);
    await saveDevice(device);
  } catch (error) {
    if (!(error instanceof Offline)) throw error; // offline: keep the registration seen last
  }
  if (!device.actor) {
    showPending();
    setTimeout(() => { if (!device?.actor) showDevice(); }, 5000);
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
  if (kind.selectedOptions[0]?.disabled) {
    const first = [...kind.options].find((option) => !option.disabled);
    if (first) kind.value = first.value;
  }
  const city = device.city ?? actor.city;
  if (city) $("city").value = city;
  showKind($("kind-data"), kind.value);
  $("station").hidden = false;
  $("results-card").hidden = false;
  showScans();
  send();
  $("scan").focus();
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
        });
        Object.assign(item, outcome.accepted
          ? { status: "accepted", seq: outcome.receipt.seq }
          : { status: "rejected", reason: outcome.reason });
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
      outcome.className = "bad";
      outcome.textContent = `✗ ${item.kind}: ${item.reason}`;
    }
    const label = document.createElement("div");
    label.className = "muted";
    label.textContent = item.label;
    row.append(outcome, label);
    return row;
  }));
  const waiting = scans.filter((item) => item.status === "queued").length;
  $("counts").textContent = waiting ? `${waiting} signed scan(s) waiting to be sent.` : "Nothing waiting to be sent.";
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
  await storage.remove("device", "self");
  device = null;
  showDevice();
});
$("kind").addEventListener("change", () => showKind($("kind-data"), $("kind").value));
$("city").addEventListener("change", async () => {
  device.city = $("city").value;
  await saveDevice(device);
});
$("scan-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("scan").value.trim();
  $("scan").value = "";
  $("scan").focus();
  if (text) scan(text);
});
window.addEventListener("online", () => { showNetwork(); if (device?.actor) send(); });
window.addEventListener("offline", showNetwork);
setInterval(() => { if (device?.actor && navigator.onLine) send(); }, 15000);

showNetwork();
if (window.isSecureContext) {
  device = await loadDevice();
  await showDevice();
} else {
  // Web Crypto and IndexedDB keys exist only in secure contexts.
  $("enrol").hidden = false;
  $("create-key").disabled = true;
  $("import-key").disabled = true;
  $("enrol-error").textContent =
    "The scan station signs with the browser's Web Crypto, which works only over HTTPS or on localhost. Open this page at the ledger's https:// address.";
}
