// The yard modes' browser code in Node (no browser): subjects from labels (lots, containers by
// id or SSCC, products), the container id of an SSCC equal to Python's uuid.uuid5 as the
// ledger computes it (src/domain/sscc.rs), events about any subject, the stale-prev retry
// that learns a child's head, and the bulk intake's exact kilograms to integer grams.

import { test } from "node:test";
import assert from "node:assert/strict";
import { deliver, newSubjectEvent, subjectFromLabel, UNKNOWN_PREV } from "../../assets/ledger.js";
import { grams } from "../../assets/intake.js";

const LOT = "0123abcd-89ab-4def-8123-456789abcdef";

test("subjects from labels: lots, containers by id and by SSCC, products", async () => {
  assert.deepEqual(await subjectFromLabel(`https://x.example/l/${LOT.toUpperCase()}`), { kind: "lot", id: LOT });
  assert.deepEqual(await subjectFromLabel(`/c/${LOT}`), { kind: "container", id: LOT });
  // python3: uuid.uuid5(uuid.UUID("a494be6f-b6bf-5f08-a14d-66bb1a37b85f"), "/00/106141411234567897")
  assert.deepEqual(await subjectFromLabel("http://127.0.0.1:8080/00/106141411234567897"),
    { kind: "container", id: "0d653739-eb62-5fa2-b1d5-fdfde237001e", sscc: "106141411234567897" });
  assert.deepEqual(await subjectFromLabel("http://127.0.0.1:8080/01/09506000134352/21/FP5-0001"),
    { kind: "product", id: "3a517dc7-bafa-53e6-969c-90c91884712e" });
});

test("malformed subject labels are refused with the reason", async () => {
  const cases = [
    ["/00/106141411234567890", /SSCC 106141411234567890 has a wrong check digit/],
    ["/00/1061414112345678", /exactly 18 digits/],
    ["/l/1234", /not a lot id/],
    ["/01/09506000134353/21/A", /wrong check digit/],
    ["hello", /not a label \(a product's .*a lot's .*a container's/],
  ];
  for (const [label, reason] of cases) await assert.rejects(subjectFromLabel(label), reason, label);
});

test("an event about a lot or container names it in its own member, prev only when given", () => {
  const created = newSubjectEvent({ kind: "lot_collected", actor: "a", city: "DEBER", subject: { kind: "lot", id: LOT }, prev: null, data: {} });
  assert.equal(created.lot, LOT);
  assert.ok(!("prev" in created) && !("product" in created));
  const packed = newSubjectEvent({ kind: "packed", actor: "a", city: "DEBER", subject: { kind: "container", id: LOT }, prev: UNKNOWN_PREV, data: {} });
  assert.equal(packed.container, LOT);
  assert.equal(packed.prev, UNKNOWN_PREV);
});

test("a stale-prev naming a child of a packing re-signs with that child's head, once per subject", async (t) => {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const device = { privateKey: keys.privateKey };
  const child = "11111111-1111-4111-8111-111111111111";
  const posted = [];
  t.mock.method(globalThis, "fetch", async (_path, options) => {
    const body = JSON.parse(options.body);
    posted.push(body.event);
    const head = "ab".repeat(32);
    const stale = body.event.data.children[0].prev !== head;
    return new Response(JSON.stringify(stale
      ? { type: "urn:ewaste-ledger:problem:stale-prev", product: child, head, detail: "stale" }
      : { seq: 7 }), { status: stale ? 409 : 201 });
  });
  const event = newSubjectEvent({ kind: "packed", actor: "a", city: "DEBER", subject: { kind: "container", id: LOT },
    prev: null, data: { children: [{ product: child, prev: UNKNOWN_PREV }] } });
  const outcome = await deliver(device, { event, sig: "" });
  assert.deepEqual(outcome, { accepted: true, receipt: { seq: 7 } });
  assert.equal(posted.length, 2);
  assert.equal(posted[1].data.children[0].prev, "ab".repeat(32));
  assert.ok(!("prev" in posted[1]), "the container's own prev is untouched");
  assert.equal(posted[1].id, posted[0].id);
  assert.equal(posted[1].occurred_at, posted[0].occurred_at);
});

test("masses typed in kg become exact integer grams", () => {
  assert.equal(grams("12.5", "kg"), 12500);
  assert.equal(grams("12,5", "kg"), 12500);
  assert.equal(grams("0.001", "kg"), 1);
  assert.equal(grams("7", "kg"), 7000);
  assert.equal(grams("212", "g"), 212);
  // 0.1 + 0.2 in floating point is 0.30000000000000004: the text is converted, not the number.
  assert.equal(grams("0.3", "kg"), 300);
  assert.throws(() => grams("1.0005", "kg"), /at most three decimals/);
  assert.throws(() => grams("2.5", "g"), /whole number/);
  assert.throws(() => grams("0", "kg"), /more than 0/);
  assert.throws(() => grams("abc", "kg"), /not "abc"/);
});
