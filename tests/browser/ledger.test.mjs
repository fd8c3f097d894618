// The station's browser code (assets/ledger.js) against the formats' own vectors, in Node's
// Web Crypto: its canonical JSON and signature reproduce tests/vectors/ledger-v1.json (made
// with Python and OpenSSL), and its product ids from labels equal Python's uuid.uuid5.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { canonicalJson, newEvent, productFromLabel, sign, SIGNING_PREFIX } from "../../assets/ledger.js";

const vector = JSON.parse(readFileSync(new URL("../vectors/ledger-v1.json", import.meta.url), "utf8"));

test("canonical JSON and the signature match the ledger-v1 vector", async () => {
  assert.equal(canonicalJson(vector.event), vector.canonical_event);
  assert.equal(Buffer.from(SIGNING_PREFIX + vector.canonical_event).toString("hex"), vector.signed_message_hex);
  const der = Buffer.from(vector.private_key_pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
  const privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
  // Ed25519 is deterministic: the same key and bytes give the vector's signature.
  const envelope = await sign({ privateKey }, vector.event);
  assert.equal(envelope.sig, vector.signature_base64);
});

test("canonical JSON sorts by UTF-16 code units and refuses fractions", () => {
  assert.equal(canonicalJson({ b: [1, { d: true, c: null }], a: "é\u2028\"" }), '{"a":"é\u2028\\"","b":[1,{"c":null,"d":true}]}');
  assert.equal(canonicalJson({ "\u{1F600}": 1, "\uFFFD": 2 }), '{"\u{1F600}":1,"\uFFFD":2}');
  assert.throws(() => canonicalJson({ mass_g: 1.5 }), /integer grams/);
});

test("product ids from labels equal Python's uuid.uuid5 of the canonical path", async () => {
  // python3: uuid.uuid5(uuid.UUID("b939036b-9578-5bf3-9402-78c4cec36272"), PATH)
  const cases = [
    ["https://x.example/01/4006381333931/21/AB%2f1", "f139a28b-c1e5-593b-bfa8-f037f6950ac3"], // /01/04006381333931/21/AB%2F1
    ["/01/96385074/21/7", "6f78074f-29c8-5668-b636-362e162bcf3c"], // /01/00000096385074/21/7
    ["http://127.0.0.1:8080/01/09506000134352/21/FP5-0001", "3a517dc7-bafa-53e6-969c-90c91884712e"],
    ["https://id.example/01/09506000134352/21/A!B%25C", "a746220a-797b-50b0-9fd6-992a11099f43"], // …/21/A%21B%25C
    [" https://l.example/p/0123ABCD-89ab-4def-8123-456789abcdef\n", "0123abcd-89ab-4def-8123-456789abcdef"],
    ["0123abcd-89ab-4def-8123-456789abcdef", "0123abcd-89ab-4def-8123-456789abcdef"],
  ];
  for (const [label, id] of cases) assert.equal(await productFromLabel(label), id, label);
});

test("malformed labels are refused with the reason", async () => {
  const cases = [
    ["https://x.example/01/09506000134353/21/A", /wrong check digit/],
    ["/01/950600013435/21/A", /wrong check digit/],
    ["/01/123/21/A", /8, 12, 13 or 14 digits/],
    ["/01/09506000134352/21/ABCDEFGHIJKLMNOPQRSTU", /1 to 20 characters/],
    ["/01/09506000134352/21/A%20B", /character set 82/],
    ["/01/09506000134352/21/A%ZZ", /percent-encoding/],
    ["/p/1234", /not a product label/],
    ["hello", /not a product label/],
  ];
  for (const [label, reason] of cases) await assert.rejects(productFromLabel(label), reason, label);
});

test("events are stamped to the millisecond, as the ledger's tools stamp registrations", () => {
  // Cut to the second, a scan made in the second an admin registered the station (stamped
  // 12:00:00.500Z by `actor add`) would read 12:00:00Z and be refused as occurred-before-signer.
  const before = Date.now();
  const { occurred_at: stamped } = newEvent({ kind: "collected", actor: "a", city: "DEBER", product: "p", data: {} });
  assert.match(stamped, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.ok(Date.parse(stamped) >= before, `${stamped} is not earlier than the moment it was made`);
});
