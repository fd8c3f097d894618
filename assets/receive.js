// The station's Receive mode (PRODUCT.md §8.3, docs/scan-station.md "Receiving"): what was
// handed over to this station's actor (GET /v1/transit?to=…), oldest first, each answered by
// a signed `received` (optional weight on arrival, discrepancy) or `receipt_refused` (reason).
// The last list read is kept, so that a station without a connection can still sign answers
// (a subject in transit takes no other event, so its head cannot move meanwhile).

import { newSubjectEvent, Offline, readActors, readTransit, sign } from "./ledger.js";

const $ = (id) => document.getElementById(id);
const KEPT = "ewaste-ledger-station-transit";
const NOUNS = { product: "Product", lot: "Lot", container: "Container" };

/** `2026-12-04T10:31:02.123Z` as `2026-12-04 10:31 UTC`. */
const when = (time) => `${time.slice(0, 10)} ${time.slice(11, 16)} UTC`;

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text != null) made.textContent = text;
  return made;
}

function labelled(text, input) {
  const label = element("label", null, text);
  label.append(input);
  return label;
}

function input(name, numeric) {
  const made = element("input");
  made.name = name;
  made.autocomplete = "off";
  if (numeric) made.inputMode = "numeric";
  return made;
}

export function startReceive(station) {
  let names = new Map();
  let answered = new Set(); // subjects answered since the list was read

  const status = (text) => { $("transit-status").textContent = text; };

  async function refresh() {
    const actor = station.device().actor.id;
    let listed;
    try {
      const answer = await readTransit(actor);
      if (!answer.ok) throw new Error(answer.body.detail ?? `the ledger answered ${answer.status}`);
      listed = answer.body.in_transit;
      localStorage.setItem(KEPT, JSON.stringify({ actor, listed }));
      names = new Map((await readActors()).map((a) => [a.id, `${a.org} (${a.name})`]));
      answered = new Set();
      status(listed.length ? `${listed.length} on the way to this station.` : "Nothing is on its way to this station.");
    } catch (error) {
      if (!(error instanceof Offline)) {
        status(`✗ ${error.message}`);
        return;
      }
      const kept = JSON.parse(localStorage.getItem(KEPT) ?? "null");
      listed = kept?.actor === actor ? kept.listed : [];
      status("Offline: this is the list read last; answers are signed and sent when the connection returns.");
    }
    $("transit").replaceChildren(...listed.filter((each) => !answered.has(each.subject.id)).map(row));
  }

  function row({ subject, transit, from }) {
    const kind = subject.kind ?? "product";
    const item = element("li");
    item.dataset.subject = subject.id;
    const inside = kind === "container" ? ` · ${subject.children?.length ?? 0} items inside` : "";
    const title = subject.serial ? `${NOUNS[kind]} ${subject.serial}` : NOUNS[kind];
    item.append(element("div", "kind", title + inside));
    const uri = element("div", "uri muted", subject.uri);
    item.append(uri);
    const facts = [`From ${names.get(from) ?? from ?? "unknown"}`, `since ${when(transit.since)}`];
    if (transit.document) facts.push(`document ${transit.document}`);
    item.append(element("div", "muted", facts.join(" · ")));

    const panel = element("div", "answer");
    const outcome = element("p", null);
    outcome.setAttribute("role", "alert");
    const buttons = element("div", "choices");
    const receive = element("button", null, "Received");
    const refuse = element("button", "danger", "Refuse");
    receive.type = refuse.type = "button";
    buttons.append(receive, refuse);

    function open(kindOfAnswer) {
      const fields = kindOfAnswer === "received"
        ? [labelled("Weight on arrival, grams (optional)", input("weight_g", true)), labelled("Discrepancy (optional)", input("discrepancy"))]
        : [labelled("Reason", input("reason"))];
      const confirm = element("button", kindOfAnswer === "received" ? null : "danger",
        kindOfAnswer === "received" ? "Sign the receipt" : "Sign the refusal");
      confirm.type = "button";
      confirm.addEventListener("click", () => answer(kindOfAnswer, confirm));
      panel.replaceChildren(...fields, confirm);
      panel.querySelector("input").focus();
    }

    async function answer(kindOfAnswer, confirm) {
      const value = (name) => panel.querySelector(`[name="${name}"]`)?.value.trim() ?? "";
      const data = {};
      if (kindOfAnswer === "received") {
        const weight = value("weight_g");
        if (weight && !/^\d{1,15}$/.test(weight)) {
          outcome.className = "bad";
          outcome.textContent = `✗ The weight on arrival must be a whole number of grams, not "${weight}".`;
          return;
        }
        if (weight) data.weight_g = Number(weight);
        if (value("discrepancy")) data.discrepancy = value("discrepancy");
      } else {
        if (!value("reason")) {
          outcome.className = "bad";
          outcome.textContent = "✗ Say why the receipt is refused.";
          return;
        }
        data.reason = value("reason");
      }
      confirm.disabled = true;
      const device = station.device();
      const event = newSubjectEvent({
        kind: kindOfAnswer, actor: device.actor.id, city: station.city(),
        subject: { kind, id: subject.id }, prev: subject.head.leaf_hash, data,
      });
      const label = kindOfAnswer === "received" ? "Received" : "Receipt refused";
      const stored = await station.record(await sign(device, event), { label: subject.uri, kind: label });
      if (stored.status === "rejected") {
        confirm.disabled = false;
        outcome.className = "bad";
        outcome.textContent = `✗ Not recorded — ${label.toLowerCase()} refused: ${stored.reason}${stored.code ? ` (${stored.code})` : ""}`;
        return;
      }
      answered.add(subject.id);
      outcome.className = stored.status === "accepted" ? "ok" : "wait";
      outcome.textContent = stored.status === "accepted"
        ? `✓ ${label}: recorded as log entry ${stored.seq}`
        : `… ${label}: signed, waiting for the connection`;
      buttons.remove();
      panel.replaceChildren();
    }

    receive.addEventListener("click", () => open("received"));
    refuse.addEventListener("click", () => open("receipt_refused"));
    item.append(buttons, panel, outcome);
    return item;
  }

  $("transit-refresh").addEventListener("click", refresh);
  return { refresh };
}
