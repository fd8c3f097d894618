// The station's bulk intake (PRODUCT.md §8.2, docs/scan-station.md "Bulk intake"): weighed
// material without labels becomes a new lot by one signed `lot_collected`, and the person who
// brought it gets the entry's printable receipt (`/r/{seq}`).

import { newSubjectEvent, sign } from "./ledger.js";

const $ = (id) => document.getElementById(id);

/** Integer grams from what was typed: grams as a whole number, or kilograms with at most three
 *  decimals (a comma as decimal mark too), converted exactly with no floating point. */
export function grams(text, unit) {
  const typed = text.trim().replace(",", ".");
  let mass;
  if (unit === "g") {
    if (!/^\d{1,15}$/.test(typed)) throw new Error(`the mass in grams must be a whole number, not "${text}"`);
    mass = Number(typed);
  } else {
    const parts = /^(\d{1,12})(?:\.(\d{1,3}))?$/.exec(typed);
    if (!parts) throw new Error(`the mass in kg must be a number with at most three decimals (whole grams), not "${text}"`);
    mass = Number(parts[1]) * 1000 + Number((parts[2] ?? "").padEnd(3, "0"));
  }
  if (mass === 0) throw new Error("the mass must be more than 0 g");
  return mass;
}

/** The `data` of the form's `lot_collected`; throws an Error naming the wrong field. */
function readIntake() {
  const [member, category] = $("intake-category").value.split(":");
  const data = { [member]: category, mass_g: grams($("intake-mass").value, $("intake-unit").value), channel: $("intake-channel").value };
  const units = $("intake-units").value.trim();
  if (units) {
    if (!/^\d{1,9}$/.test(units)) throw new Error(`pieces counted must be a whole number, not "${units}"`);
    data.units = Number(units);
  }
  const aggregator = $("intake-aggregator").value.trim();
  if (data.channel === "informal" && aggregator) data.aggregator = aggregator;
  return data;
}

export function startIntake(station) {
  const result = $("intake-result");
  const showAggregator = () => { $("intake-aggregator-part").hidden = $("intake-channel").value !== "informal"; };

  function say(className, ...parts) {
    result.className = className;
    result.replaceChildren(...parts);
  }

  $("intake-channel").addEventListener("change", showAggregator);
  $("mode-intake").addEventListener("submit", async (e) => {
    e.preventDefault();
    const device = station.device();
    let data;
    try {
      data = readIntake();
    } catch (error) {
      say("bad", `✗ Not recorded: ${error.message}.`);
      return;
    }
    $("intake-record").disabled = true;
    try {
      const lot = { kind: "lot", id: crypto.randomUUID() };
      const event = newSubjectEvent({ kind: "lot_collected", actor: device.actor.id, city: station.city(), subject: lot, prev: null, data });
      const label = `${location.origin}/l/${lot.id} · ${data.mass_g} g`;
      const item = await station.record(await sign(device, event), { label, kind: "Bulk intake", receipt: true });
      if (item.status === "accepted") {
        const link = document.createElement("a");
        link.href = `/r/${item.seq}`;
        link.className = "button";
        link.id = "intake-receipt";
        link.textContent = "Open the receipt to print or show";
        say("ok", `✓ Bulk intake of ${data.mass_g} g recorded as log entry ${item.seq}. `, link);
        for (const id of ["intake-mass", "intake-units", "intake-aggregator"]) $(id).value = "";
      } else if (item.status === "queued") {
        say("wait", "… Signed and kept on this device: it is sent when the connection returns, and its line in the list then links to the receipt.");
      } else {
        say("bad", `✗ Not recorded — bulk intake refused: ${item.reason}${item.code ? ` (${item.code})` : ""}`);
      }
    } finally {
      $("intake-record").disabled = false;
    }
  });
  showAggregator();
}
