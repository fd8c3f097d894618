// The browser side of the ledger's formats (docs/ledger-format.md §1), shared by the scan station
// and the passport's recording panel: product ids from label URIs, canonical JSON, events
// signed with the device's own Ed25519 key, and delivery with the stale-`prev` retry.

export const SIGNING_PREFIX = "ewaste-ledger/event/v1\n";
// UUIDv5 of the URL namespace and `urn:ewaste-ledger:product` (docs/lifecycle.md).
const PRODUCT_NAMESPACE = "b939036b-9578-5bf3-9402-78c4cec36272";
// UUIDv5 of the URL namespace and `urn:ewaste-ledger:container`: a container with an SSCC has
// the UUIDv5 of `/00/{sscc}` under it as its id (src/domain/sscc.rs).
const CONTAINER_NAMESPACE = "a494be6f-b6bf-5f08-a14d-66bb1a37b85f";
// What an event signed without knowing the product's head names as `prev`: the ledger answers
// it with a stale-prev conflict that names the real head, and `deliver` retries with that.
export const UNKNOWN_PREV = "0".repeat(64);

/** Raised when the ledger cannot be reached (no network, or the server is failing). */
export class Offline extends Error {}

// ---- canonical JSON (RFC 8785) ---------------------------------------------------------

/** RFC 8785 for what events hold (strings, integers, booleans, arrays, objects): members
 *  sorted by UTF-16 code units, which is what Array.prototype.sort compares, and strings and
 *  numbers written as ECMAScript's JSON.stringify writes them, which JCS adopts. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value).sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(value[name])}`);
    return `{${members.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new Error(`${value} is not a whole number: events carry integer grams only`);
  }
  return JSON.stringify(value);
}

// ---- bytes ---------------------------------------------------------------------------

export function toBase64(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text) {
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(standard), (c) => c.charCodeAt(0));
}

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ---- product ids from labels (docs/lifecycle.md, "Identifiers and labels") ---------------------------------------

const GS1_CHARSET_82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

async function uuidV5(namespace, name) {
  const ns = Uint8Array.from(namespace.replace(/-/g, "").match(/../g), (h) => parseInt(h, 16));
  const input = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const h = hex(digest);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function gtin14(digits) {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(digits)) {
    throw new Error(`GTIN "${digits}" must have 8, 12, 13 or 14 digits`);
  }
  const padded = digits.padStart(14, "0");
  const sum = [...padded.slice(0, 13)]
    .reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  if ((10 - (sum % 10)) % 10 !== Number(padded[13])) {
    throw new Error(`GTIN ${padded} has a wrong check digit`);
  }
  return padded;
}

function canonicalSerial(encoded) {
  let serial;
  try {
    serial = decodeURIComponent(encoded);
  } catch {
    throw new Error(`serial "${encoded}" has a broken percent-encoding`);
  }
  if (!GS1_CHARSET_82.test(serial)) {
    throw new Error(`serial "${serial}" must be 1 to 20 characters of the GS1 character set 82`);
  }
  return [...serial].map((c) => (/[A-Za-z0-9\-._~]/.test(c)
    ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

/** The product a scanned or typed label names: a Digital Link URI (or its path), a `/p/{id}`
 *  URI, or a bare UUID. Works offline. Throws an Error saying what is wrong with the text. */
export async function productFromLabel(text) {
  const scanned = text.trim();
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (uuid.test(scanned)) return scanned.toLowerCase();
  let path = scanned;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(scanned)) {
    try {
      path = new URL(scanned).pathname;
    } catch {
      throw new Error(`"${scanned}" is not a URI`);
    }
  }
  const link = /\/01\/([^/]+)\/21\/([^/?#]+)\/?$/.exec(path);
  if (link) {
    return uuidV5(PRODUCT_NAMESPACE, `/01/${gtin14(link[1])}/21/${canonicalSerial(link[2])}`);
  }
  const own = /\/p\/([^/?#]+)\/?$/.exec(path);
  if (own && uuid.test(own[1])) return own[1].toLowerCase();
  throw new Error(`"${scanned}" is not a product label (…/01/{GTIN}/21/{serial} or …/p/{id})`);
}

/** The GS1 mod-10 check digit of the 17 digits of an SSCC, as of a GTIN's 13. */
function sscc18(digits) {
  if (!/^\d{18}$/.test(digits)) throw new Error(`SSCC "${digits}" must be exactly 18 digits`);
  const sum = [...digits.slice(0, 17)]
    .reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  if ((10 - (sum % 10)) % 10 !== Number(digits[17])) {
    throw new Error(`SSCC ${digits} has a wrong check digit`);
  }
  return digits;
}

/** The container of an SSCC: `{kind: "container", id, sscc}` (its id computed offline). */
export async function containerOfSscc(text) {
  const sscc = sscc18(text.trim());
  return { kind: "container", id: await uuidV5(CONTAINER_NAMESPACE, `/00/${sscc}`), sscc };
}

/** Any subject a label names (PRODUCT.md §8): `{kind, id}` with kind `product`, `lot` or
 *  `container` (and `sscc` for a container labelled `/00/{sscc}`). Lots are `/l/{uuid}`,
 *  containers `/c/{uuid}` or `/00/{sscc}`; anything else is read as a product label. */
export async function subjectFromLabel(text) {
  const scanned = text.trim();
  let path = scanned;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(scanned)) {
    try {
      path = new URL(scanned).pathname;
    } catch {
      throw new Error(`"${scanned}" is not a URI`);
    }
  }
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const own = /\/(l|c)\/([^/?#]+)\/?$/.exec(path);
  if (own) {
    const kind = own[1] === "l" ? "lot" : "container";
    if (!uuid.test(own[2])) throw new Error(`"${own[2]}" in "${scanned}" is not a ${kind} id (a UUID)`);
    return { kind, id: own[2].toLowerCase() };
  }
  const sscc = /\/00\/([^/?#]+)\/?$/.exec(path);
  if (sscc) return containerOfSscc(sscc[1]);
  try {
    return { kind: "product", id: await productFromLabel(scanned) };
  } catch (error) {
    // A product label's own fault (a wrong check digit) says more than the list of forms.
    if (!/is not a product label/.test(error.message)) throw error;
    throw new Error(`"${scanned}" is not a label (a product's …/01/{GTIN}/21/{serial} or …/p/{id}, a lot's …/l/{id}, a container's …/c/{id} or …/00/{SSCC})`);
  }
}

// ---- the device's key, in IndexedDB ----------------------------------------------------

const DATABASE = "ewaste-ledger-station";

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("device");
      request.result.createObjectStore("scans", { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** One IndexedDB request in its own transaction, as a promise. */
async function request(storeName, mode, make) {
  const db = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(storeName, mode);
      const pending = make(transaction.objectStore(storeName));
      transaction.oncomplete = () => resolve(pending.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error ?? new Error("storage aborted"));
    });
  } finally {
    db.close();
  }
}

/** Durable storage: the device record and the station's scans survive reloads and restarts. */
export const storage = {
  get: (store, key) => request(store, "readonly", (s) => s.get(key)),
  all: (store) => request(store, "readonly", (s) => s.getAll()),
  put: (store, value, key) => request(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key))),
  remove: (store, key) => request(store, "readwrite", (s) => s.delete(key)),
};

/** The enrolled device `{privateKey, publicKey, actor?, city?}`, or null. */
export async function loadDevice() {
  return (await storage.get("device", "self")) ?? null;
}

export async function saveDevice(device) {
  await storage.put("device", device, "self");
}

/** A new key made in this browser. The private key is not extractable: it can sign here and
 *  nowhere else, and no script can read it out. */
export async function createDevice() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const device = { privateKey: pair.privateKey, publicKey: toBase64(raw) };
  await saveDevice(device);
  return device;
}

/** A device from a PKCS#8 Ed25519 key file (PEM or DER), kept as a non-extractable key. */
export async function importDevice(fileBytes) {
  const text = new TextDecoder().decode(fileBytes);
  const pem = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
  const der = pem ? fromBase64(pem[1].replace(/\s+/g, "")) : fileBytes;
  let extractable;
  try {
    extractable = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  } catch {
    throw new Error("This file is not a PKCS#8 Ed25519 private key (PEM \"PRIVATE KEY\" or DER).");
  }
  // The JWK form carries the public half (`x`); the copy kept is not extractable.
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
  const device = { privateKey, publicKey: toBase64(fromBase64(jwk.x)) };
  await saveDevice(device);
  return device;
}

// ---- talking to the ledger -------------------------------------------------------------

async function call(path, options) {
  let response;
  try {
    response = await fetch(path, { cache: "no-store", ...options });
  } catch {
    throw new Offline("no connection to the ledger");
  }
  if (response.status >= 500) throw new Offline(`the ledger answered ${response.status}`);
  const body = await response.json().catch(() => ({}));
  return { status: response.status, ok: response.ok, body };
}

/** The active actor registered with this public key, or null. */
export async function findActor(publicKey) {
  const answer = await call("/v1/actors");
  if (!answer.ok) throw new Error(answer.body.detail ?? `reading actors failed: ${answer.status}`);
  return answer.body.find((actor) => actor.public_key === publicKey && !actor.revoked) ?? null;
}

/** `GET /v1/products/{id}`: `{status, ok, body}`. */
export function readProduct(id) {
  return call(`/v1/products/${id}`);
}

const COLLECTIONS = { product: "products", lot: "lots", container: "containers" };

/** `GET /v1/products/{id}`, `/v1/lots/{id}` or `/v1/containers/{id}`: `{status, ok, body}`. */
export function readSubject({ kind, id }) {
  return call(`/v1/${COLLECTIONS[kind]}/${id}`);
}

/** `GET /v1/transit?to={actor}`: what is handed over to `actor` and waits for it. */
export function readTransit(actor) {
  return call(`/v1/transit?to=${encodeURIComponent(actor)}`);
}

/** Every registered actor (for names), or throws Offline. */
export async function readActors() {
  const answer = await call("/v1/actors");
  if (!answer.ok) throw new Error(answer.body.detail ?? `reading actors failed: ${answer.status}`);
  return answer.body;
}

function now() {
  // RFC 3339 UTC to the millisecond, as the ledger's own tools write it. Cut to the second, a
  // scan made within a second of the station's registration (or of the product's last entry)
  // would be dated before it and refused by the time rules.
  return new Date().toISOString();
}

/** A new product event, stamped now; `prev` is the product's head when known. */
export function newEvent({ kind, actor, city, product, prev, data }) {
  return {
    id: crypto.randomUUID(),
    kind,
    actor,
    occurred_at: now(),
    city,
    product,
    prev: prev ?? UNKNOWN_PREV,
    data,
  };
}

/** A new event about any subject (`{kind, id}`: its id goes in the member named by its kind,
 *  PRODUCT.md §8), stamped now. `prev` is omitted when null: the event creates its subject
 *  (a lot's intake, a container's first packing); pass UNKNOWN_PREV when the head is not known. */
export function newSubjectEvent({ kind, actor, city, subject, prev, data }) {
  const event = { id: crypto.randomUUID(), kind, actor, occurred_at: now(), city, [subject.kind]: subject.id, data };
  if (prev != null) event.prev = prev;
  return event;
}

/** `{event, sig}`: Ed25519 over the prefix and the event's canonical bytes (docs/ledger-format.md §1). */
export async function sign(device, event) {
  const bytes = new TextEncoder().encode(SIGNING_PREFIX + canonicalJson(event));
  const sig = await crypto.subtle.sign({ name: "Ed25519" }, device.privateKey, bytes);
  return { event, sig: toBase64(new Uint8Array(sig)) };
}

function problemCode(body) {
  return String(body.type ?? "").split(":").pop();
}

/** `event` with the head `head` for the subject `named` (the one a stale-prev conflict names):
 *  a child listed in `data.children` (packing, unpacking) or else the event's own subject. */
function withHead(event, named, head) {
  const children = event.data?.children;
  if (Array.isArray(children) && children.some((child) => (child.product ?? child.lot) === named)) {
    const updated = children.map((child) => ((child.product ?? child.lot) === named ? { ...child, prev: head } : child));
    return { ...event, data: { ...event.data, children: updated } };
  }
  return { ...event, prev: head };
}

/** The id of the event's own subject (`product`, `lot`, `container` or `certificate`). */
function ownSubject(event) {
  return event.product ?? event.lot ?? event.container ?? event.certificate;
}

/** Sends a signed event. When someone else recorded first (a stale `prev`), the event is
 *  re-signed with the head the conflict names, keeping its id and `occurred_at`, once per
 *  subject it lists (a container packed offline learns each child's head this way);
 *  `keep(envelope)` stores the re-signed form before it is sent, so a lost answer can be
 *  resent safely. `whenNew` is for an event signed offline with an unknown head about a
 *  subject that may not exist yet (a cage with an SSCC packed for the first time): when the
 *  ledger answers that it does not know the subject, the event is re-signed without `prev`
 *  and with these `data` members (its `sscc`). Returns `{accepted: true, receipt}` or
 *  `{accepted: false, reason, code}` (`code` the problem's, such as `packed-in-container`);
 *  throws Offline when the ledger cannot be reached (the caller keeps the event queued). */
export async function deliver(device, envelope, keep = async () => {}, whenNew = null) {
  const post = (body) => call("/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const resend = async (event) => {
    envelope = await sign(device, event);
    await keep(envelope);
    return post(envelope);
  };
  let answer = await post(envelope);
  const retried = new Set();
  for (;;) {
    const code = problemCode(answer.body);
    if (answer.status === 409 && code === "stale-prev" && answer.body.head) {
      // The subject the conflict names; an older ledger names none, which means the event's own.
      const named = answer.body.product ?? "";
      if (retried.has(named)) break; // its head moved again: someone else keeps recording
      retried.add(named);
      answer = await resend(withHead(envelope.event, named, answer.body.head));
    } else if (answer.status === 404 && code === "unknown-subject" && whenNew
      && envelope.event.prev === UNKNOWN_PREV && answer.body.subject === ownSubject(envelope.event)) {
      const { prev: _unknown, ...event } = envelope.event;
      const members = whenNew;
      whenNew = null; // once: a second answer that it is unknown is the ledger's last word
      answer = await resend({ ...event, data: { ...event.data, ...members } });
    } else {
      break;
    }
  }
  if (answer.ok) return { accepted: true, receipt: answer.body };
  return {
    accepted: false,
    reason: answer.body.detail ?? `the ledger answered ${answer.status}`,
    code: problemCode(answer.body),
  };
}
