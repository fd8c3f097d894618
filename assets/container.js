// The station's container mode (PRODUCT.md §8.1, docs/scan-station.md "Containers"): scan a
// cage's label (or start a new one), scan the items one after another, and sign ONE `packed`
// or `unpacked` event listing each with its head; or hand the whole cage over with one scan.
// Offline, heads are not known: the event is signed with unknown heads, kept, and `deliver`
// learns each head from the ledger's stale-prev answers when it is sent.

import {
  containerOfSscc, newSubjectEvent, Offline, readActors, readSubject, sign, subjectFromLabel, UNKNOWN_PREV,
} from "./ledger.js";

const $ = (id) => document.getElementById(id);

const ACTIONS = {
  packed: { button: "Pack", kind: "Packed", verb: "packing" },
  unpacked: { button: "Unpack", kind: "Unpacked", verb: "unpacking" },
  handed_over: { button: "Hand over", kind: "Handed over", verb: "hand-over" },
};

/** The URI printed on a container's label. */
function containerUri(container) {
  return container.sscc ? `${location.origin}/00/${container.sscc}` : `${location.origin}/c/${container.id}`;
}

const short = (id) => id.slice(0, 8);

/** Reads a subject's view: the body, null when the ledger does not know it, or undefined
 *  offline. Any other answer is an Error with the ledger's reason. */
async function lookUp(subject) {
  try {
    const answer = await readSubject(subject);
    if (answer.ok) return answer.body;
    if (answer.status === 404) return null;
    throw new Error(answer.body.detail ?? `the ledger answered ${answer.status}`);
  } catch (error) {
    if (error instanceof Offline) return undefined;
    throw error;
  }
}

/** The recipients as the registry has them now, but this station (`self`): the page's list was
 *  made when it loaded, and a station stays open all day while new plants are registered.
 *  Offline it stays as it is. */
async function refreshRecipients(self) {
  const select = $("container-to");
  const roles = select.dataset.roles.split(" ");
  let actors;
  try {
    actors = await readActors();
  } catch (error) {
    if (error instanceof Offline) return;
    throw error;
  }
  const chosen = select.value;
  select.replaceChildren(...actors
    .filter((actor) => !actor.revoked && actor.id !== self && actor.roles.some((role) => roles.includes(role)))
    .map((actor) => new Option(`${actor.org} (${actor.name})`, actor.id)));
  if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
}

export function startContainers(station) {
  // The container being worked on `{kind, id, sscc?, view}` (view: its served state, null
  // for a new one, undefined when offline), and the items scanned for it.
  let container = null;
  let items = [];

  const action = () => $("container-action").value;

  function show() {
    const chosen = ACTIONS[action()];
    $("container-new").hidden = action() !== "packed" || container !== null;
    $("container-items-part").hidden = action() === "handed_over" || container === null;
    $("container-handover").hidden = action() !== "handed_over";
    $("container-record").textContent = chosen.button;
    $("container-record").disabled = container === null || (action() === "packed" && items.length === 0);
    $("container-shown").textContent = container ? describe(container) : "";
    $("container-count").textContent = items.length
      ? `${items.length} ${items.length === 1 ? "item" : "items"} scanned.`
      : action() === "unpacked" ? "Scan the items to take out, or none to unpack everything." : "";
    $("container-items").replaceChildren(...items.map((item) => {
      const row = document.createElement("li");
      const what = document.createElement("div");
      what.textContent = `${item.subject.kind === "lot" ? "Lot" : "Product"} ${item.name}`;
      const note = document.createElement("div");
      note.className = "muted";
      note.textContent = item.note;
      row.append(what, note);
      return row;
    }));
  }

  function describe(chosen) {
    const uri = containerUri(chosen);
    if (chosen.view === null) return `New container ${uri}`;
    if (chosen.view === undefined) return `Container ${uri} (offline: its state is checked when sent)`;
    const inside = chosen.view.children?.length ?? 0;
    return `Container ${uri} · ${inside} ${inside === 1 ? "item" : "items"} inside${chosen.view.transit ? " · in transit" : ""}`;
  }

  function say(text, className) {
    $("container-result").textContent = text;
    $("container-result").className = className;
  }

  async function chooseContainer(make) {
    say("", "");
    try {
      const chosen = await make();
      if (chosen.kind !== "container") throw new Error(`that is a ${chosen.kind}'s label, not a container's`);
      chosen.view = chosen.fresh ? null : await lookUp(chosen);
      if (chosen.view === null && action() !== "packed") {
        throw new Error(`the ledger has no container ${short(chosen.id)}: a container is made by its first packing`);
      }
      container = chosen;
      items = [];
      show();
      (action() === "handed_over" ? $("container-to") : $("item-scan")).focus();
    } catch (error) {
      say(`✗ ${error.message}`, "bad");
    }
  }

  async function addItem(text) {
    say("", "");
    try {
      const subject = await subjectFromLabel(text);
      if (subject.kind === "container") throw new Error("containers hold products and lots, not other containers");
      if (items.some((item) => item.subject.id === subject.id)) throw new Error(`${text} is in the list already`);
      const view = await lookUp(subject);
      if (view === null) throw new Error(`the ledger has no ${subject.kind} ${short(subject.id)}`);
      const name = view?.serial ?? short(subject.id);
      const note = view === undefined ? "offline: checked when sent"
        : [view.state, view.inside ? `inside container ${short(view.inside)}` : null,
          view.transit ? "in transit" : null].filter(Boolean).join(" · ");
      items.unshift({ subject, name, note, label: text });
      show();
    } catch (error) {
      say(`✗ Not added: ${error.message}`, "bad");
    }
  }

  /** The children with their heads as the ledger has them now (unknown offline). */
  async function children() {
    const listed = items.length || action() !== "unpacked"
      ? items.map((item) => item.subject)
      : (container.view?.children ?? []).map((child) => ({ kind: child.kind, id: child.id }));
    if (listed.length === 0) throw new Error("scan at least one item");
    return Promise.all([...listed].reverse().map(async (subject) => {
      const view = await lookUp(subject);
      if (view === null) throw new Error(`the ledger has no ${subject.kind} ${short(subject.id)}`);
      return { [subject.kind]: subject.id, prev: view?.head.leaf_hash ?? UNKNOWN_PREV };
    }));
  }

  async function recordIt() {
    const kind = action();
    const device = station.device();
    $("container-record").disabled = true;
    try {
      // The container's head now: none on its first packing, unknown offline.
      const view = container.view === null ? null : await lookUp(container);
      const prev = view === null ? null : view?.head.leaf_hash ?? UNKNOWN_PREV;
      let data;
      if (kind === "handed_over") {
        data = { to: $("container-to").value };
        const documentRef = $("container-document").value.trim();
        if (documentRef) data.document = documentRef;
      } else {
        data = { children: await children() };
        if (kind === "packed" && prev === null && container.sscc) data.sscc = container.sscc;
      }
      const event = newSubjectEvent({ kind, actor: device.actor.id, city: station.city(), subject: container, prev, data });
      const count = data.children?.length;
      const label = ACTIONS[kind].kind + (count ? ` (${count} ${count === 1 ? "item" : "items"})` : "");
      // Offline, a scanned cage may be new: if the ledger does not know it, the packing is
      // its first, so it is sent without `prev` and with the cage's SSCC.
      const whenNew = kind === "packed" && view === undefined ? (container.sscc ? { sscc: container.sscc } : {}) : null;
      const item = await station.record(await sign(device, event), { label: containerUri(container), kind: label, whenNew });
      if (item.status === "accepted") {
        say(`✓ ${label}: recorded as log entry ${item.seq}`, "ok");
        items = [];
        container.view = await lookUp(container);
      } else if (item.status === "queued") {
        say(`… ${label}: signed, waiting for the connection`, "wait");
        items = [];
      } else {
        say(`✗ Not recorded — ${ACTIONS[kind].verb} refused: ${item.reason}${item.code ? ` (${item.code})` : ""}`, "bad");
      }
    } catch (error) {
      say(`✗ Not recorded: ${error.message}`, "bad");
    }
    show();
  }

  $("container-action").addEventListener("change", () => {
    if (action() === "handed_over") refreshRecipients(station.device().actor.id);
    container = null;
    items = [];
    say("", "");
    show();
  });
  $("container-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("container-scan").value.trim();
    $("container-scan").value = "";
    if (text) chooseContainer(() => subjectFromLabel(text));
  });
  $("container-create").addEventListener("click", () => {
    const sscc = $("container-sscc").value.trim();
    $("container-sscc").value = "";
    chooseContainer(async () => ({
      ...(sscc ? await containerOfSscc(sscc) : { kind: "container", id: crypto.randomUUID() }),
      // A random id is new by construction; an SSCC's container may exist already.
      fresh: !sscc,
    }));
  });
  $("item-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("item-scan").value.trim();
    $("item-scan").value = "";
    $("item-scan").focus();
    if (text) addItem(text);
  });
  $("container-record").addEventListener("click", recordIt);
  $("container-reset").addEventListener("click", () => {
    container = null;
    items = [];
    say("", "");
    show();
    $("container-scan").focus();
  });
  show();
}
