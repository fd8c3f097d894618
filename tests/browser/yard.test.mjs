// The scan station's yard modes at phone size (PRODUCT.md §8, docs/scan-station.md): two
// stations, each a browser context with its own key made in the browser and registered by an
// admin, on SQLite and, when EWASTE_TEST_DATABASE_URL is set, on PostgreSQL.
//
// Station 1 (a collector-recycler yard) collects ten labelled phones, packs the ten into a new
// cage carrying an SSCC with ONE `packed` event, and hands the cage over to station 2 (a
// plant). Station 2 opens Receive, sees the cage, and receives it: the cage's custodian is then
// station 2. A child packed in the cage cannot be packed again (the station shows the problem).
// Station 1 records a weighed bulk intake from an informal collector under an aggregator id
// and opens its receipt, which shows the mass and the inclusion proof's QR code. Every page
// fits the 390 px phone; the log then passes `audit verify`.
//
// EWASTE_SCREENSHOTS=DIR saves station-pack.png, station-receive.png, station-intake.png and
// receipt.png there (from the SQLite run).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertFits, cli, launchBrowser, PHONE, postgresSchema, SCREENSHOTS, SKIP_POSTGRES, startServer, watchErrors,
} from "./support.mjs";

const GTIN = "09506000134352";
const SERIALS = Array.from({ length: 10 }, (_, i) => `CAGE-${String(i + 1).padStart(2, "0")}`);
const SSCC = "106141411234567897";
const SECOND_SSCC = "106141411234567880";
const labelOf = (url, serial) => `${url}/01/${GTIN}/21/${serial}`;

/** Berlin, a manufacturer and its ten phones. */
function populate(dir, url) {
  const admin = join(dir, "data/admin-key.pem");
  const maker = join(dir, "maker.pem");
  const s = ["--server", url, "--key", admin];
  cli("city", "add", ...s, "--locode", "DEBER", "--name", "Berlin", "--population", "3850000", "--population-year", "2024");
  cli("keygen", "--out", maker);
  cli("actor", "add", ...s, "--org", "Fairphone", "--name", "Factory", "--roles", "manufacturer", "--city", "DEBER", "--key-file", maker);
  const csv = join(dir, "phones.csv");
  writeFileSync(csv, `gtin,serial,unu_key,weight_g,brand,model,hazards\n${
    SERIALS.map((serial) => `${GTIN},${serial},0306,212,Fairphone,FP5,battery:li-ion`).join("\n")}\n`);
  cli("product", "import", "--server", url, "--key", maker, "--city", "DEBER", csv);
  return admin;
}

/** A station at phone size: its key made in the browser, registered by the admin with `roles`. */
async function enrol(browser, url, admin, errors, { org, name, roles }) {
  const context = await browser.newContext({ ...PHONE, baseURL: url });
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto("/scan");
  await page.getByRole("button", { name: "Create a key" }).click();
  await page.locator("#pending").waitFor();
  const publicKey = (await page.locator("#public-key").textContent()).trim();
  const id = cli("actor", "add", "--server", url, "--key", admin, "--org", org, "--name", name, "--roles", roles,
    "--city", "DEBER", "--public-key", publicKey).trim();
  await page.locator("#station").waitFor({ timeout: 10000 });
  return { page, id };
}

/** Types `text` into `input` and presses Enter, as a keyboard-wedge scanner does. */
async function scanInto(page, input, text) {
  await page.locator(input).focus();
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

/** Waits for `selector` to read `pattern`, saying what it shows instead. */
async function expectText(page, selector, pattern) {
  try {
    await page.waitForFunction(([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ""),
      [selector, pattern.source], { timeout: 15000 });
  } catch (error) {
    throw new Error(`${selector} shows "${await page.locator(selector).textContent()}", not ${pattern}`, { cause: error });
  }
}

async function json(url) {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  assert.equal(response.status, 200, url);
  return response.json();
}

async function yard(backend, databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), `ewaste-yard-${backend}-`));
  const server = await startServer(dir, databaseUrl);
  const browser = await launchBrowser();
  const screenshots = SCREENSHOTS && backend === "sqlite";
  try {
    const { url } = server;
    const admin = populate(dir, url);
    const errors = [];
    const yardStation = await enrol(browser, url, admin, errors, { org: "BSR", name: "Yard scanner 1", roles: "collector,recycler" });
    const plant = await enrol(browser, url, admin, errors, { org: "ALBA", name: "Plant gate", roles: "recycler" });
    const one = yardStation.page;
    const two = plant.page;

    // The modes each station's roles allow: a plant (recycler) may hold waste, so it may pack
    // and receive; only collectors and recyclers weigh in bulk.
    const modes = await one.$$eval("[data-mode]", (buttons) => buttons.filter((b) => !b.disabled).map((b) => b.dataset.mode));
    assert.deepEqual(modes, ["scan", "container", "intake", "receive"]);

    // Station 1 collects the ten phones, one scan each.
    await one.selectOption("#kind", "collected");
    for (const serial of SERIALS) await scanInto(one, "#scan", labelOf(url, serial));
    await one.locator('#results li[data-status="accepted"]').nth(9).waitFor({ timeout: 20000 });

    // Containers: a new cage with its SSCC, the ten phones scanned into it, one `packed`.
    await one.getByRole("button", { name: "Containers" }).click();
    assert.equal(await one.locator("#container-action").inputValue(), "packed");
    await one.locator("#container-sscc").fill(SSCC);
    await one.getByRole("button", { name: "New container" }).click();
    await expectText(one, "#container-shown", new RegExp(`New container ${url}/00/${SSCC}`));
    // A mistyped label is named and not added.
    await scanInto(one, "#item-scan", `${url}/01/09506000134353/21/X`);
    await expectText(one, "#container-result", /wrong check digit/);
    for (const serial of SERIALS) await scanInto(one, "#item-scan", labelOf(url, serial));
    await expectText(one, "#container-count", /^10 items scanned\.$/);
    assert.equal(await one.locator("#container-items li").count(), 10);
    assert.match(await one.locator("#container-items").textContent(), /Product CAGE-10collected/);
    await assertFits(one, "the station's container mode");
    if (screenshots) await one.screenshot({ path: join(SCREENSHOTS, "station-pack.png"), fullPage: true });
    // The same phone twice is refused by the page.
    await scanInto(one, "#item-scan", labelOf(url, SERIALS[0]));
    await expectText(one, "#container-result", /in the list already/);
    await one.getByRole("button", { name: "Pack", exact: true }).click();
    await expectText(one, "#container-result", /^✓ Packed \(10 items\): recorded as log entry \d+$/);

    const cageId = (await json(`${url}/v1/containers`))[0].id;
    let cage = await json(`${url}/v1/containers/${cageId}`);
    assert.equal(cage.sscc, SSCC);
    assert.equal(cage.children.length, 10);
    assert.equal(cage.custodian, yardStation.id);
    const packedEntries = (await (await fetch(`${url}/v1/log/entries?start=0&limit=1000`)).text()).trim().split("\n")
      .map((line) => JSON.parse(line)).filter((entry) => entry.event.kind === "packed");
    assert.equal(packedEntries.length, 1, "one event packs the ten");
    assert.equal(packedEntries[0].event.container, cageId);
    assert.equal(packedEntries[0].event.prev, undefined, "the first packing creates the cage");
    assert.equal(packedEntries[0].event.data.children.length, 10);

    // One scan of the cage hands it over to the plant, with the transport document.
    await one.selectOption("#container-action", "handed_over");
    await scanInto(one, "#container-scan", `${url}/00/${SSCC}`);
    await expectText(one, "#container-shown", /10 items inside/);
    await one.selectOption("#container-to", plant.id);
    await one.locator("#container-document").fill("CMR-2026-0117");
    await one.getByRole("button", { name: "Hand over", exact: true }).click();
    await expectText(one, "#container-result", /^✓ Handed over: recorded as log entry \d+$/);
    const transit = await json(`${url}/v1/transit?to=${plant.id}`);
    assert.equal(transit.in_transit.length, 1);
    assert.equal(transit.in_transit[0].subject.id, cageId);

    // Station 2 sees the cage on its way and receives it.
    await two.getByRole("button", { name: "Receive", exact: true }).click();
    const row = two.locator(`#transit li[data-subject="${cageId}"]`);
    await row.waitFor();
    const shown = await row.textContent();
    for (const expected of ["Container · 10 items inside", `${url}/00/${SSCC}`, "From BSR (Yard scanner 1)", "document CMR-2026-0117"]) {
      assert.ok(shown.includes(expected), `the transit line shows "${expected}": ${shown}`);
    }
    await row.getByRole("button", { name: "Received", exact: true }).click();
    await row.locator('input[name="weight_g"]').fill("2150");
    await row.locator('input[name="discrepancy"]').fill("one phone without its back cover");
    await assertFits(two, "the station's Receive mode");
    if (screenshots) await two.screenshot({ path: join(SCREENSHOTS, "station-receive.png"), fullPage: true });
    await row.getByRole("button", { name: "Sign the receipt" }).click();
    await expectText(two, `#transit li[data-subject="${cageId}"] [role="alert"]`, /^✓ Received: recorded as log entry \d+$/);
    cage = await json(`${url}/v1/containers/${cageId}`);
    assert.equal(cage.custodian, plant.id, "the plant holds the cage");
    assert.equal(cage.transit, undefined, "no longer in transit");
    assert.equal((await json(`${url}/v1/transit?to=${plant.id}`)).in_transit.length, 0);
    await two.getByRole("button", { name: "Refresh" }).click();
    await expectText(two, "#transit-status", /Nothing is on its way/);

    // A phone inside the cage cannot go into another one: the station shows the ledger's problem.
    await two.getByRole("button", { name: "Containers" }).click();
    await two.getByRole("button", { name: "New container" }).click();
    await scanInto(two, "#item-scan", labelOf(url, SERIALS[0]));
    await expectText(two, "#container-items", /inside container/);
    await two.getByRole("button", { name: "Pack", exact: true }).click();
    await expectText(two, "#container-result", /^✗ Not recorded — packing refused: .+ \(packed-in-container\)$/);

    // The plant unpacks the whole cage (no item scanned: everything inside comes out).
    await two.getByRole("button", { name: "Start again" }).click();
    await two.selectOption("#container-action", "unpacked");
    await scanInto(two, "#container-scan", `${url}/00/${SSCC}`);
    await expectText(two, "#container-shown", /10 items inside/);
    await two.getByRole("button", { name: "Unpack", exact: true }).click();
    await expectText(two, "#container-result", /^✓ Unpacked \(10 items\): recorded as log entry \d+$/);
    assert.equal((await json(`${url}/v1/containers/${cageId}`)).children.length, 0);

    // Offline, the plant packs three phones into a gaylord carrying an SSCC: whether the
    // gaylord is new and the phones' heads are unknown, so the event is signed with unknown
    // heads and kept; once online, the ledger does not know the gaylord (so this is its first
    // packing, sent without `prev` and with its SSCC), and the station learns each child's
    // head from the stale-prev answers: the one `packed` is recorded.
    await two.selectOption("#container-action", "packed");
    await two.context().setOffline(true);
    await two.locator("#container-sscc").fill(SECOND_SSCC);
    await two.getByRole("button", { name: "New container" }).click();
    await expectText(two, "#container-shown", /offline/);
    for (const serial of SERIALS.slice(0, 3)) await scanInto(two, "#item-scan", labelOf(url, serial));
    await expectText(two, "#container-items", /offline: checked when sent/);
    await two.getByRole("button", { name: "Pack", exact: true }).click();
    await expectText(two, "#container-result", /^… Packed \(3 items\): signed, waiting for the connection$/);
    await two.context().setOffline(false);
    await expectText(two, "#results", /✓ Packed \(3 items\): recorded as log entry \d+/);
    const gaylord = (await json(`${url}/v1/containers`)).find((each) => each.id !== cageId);
    assert.equal(gaylord.children.length, 3);
    assert.equal(gaylord.sscc, SECOND_SSCC);
    assert.equal(gaylord.custodian, plant.id);

    // Bulk intake: 12.5 kg of small IT from an informal collector, counted 30 pieces.
    await one.getByRole("button", { name: "Bulk intake" }).click();
    await one.selectOption("#intake-category", "eu6:6");
    await one.locator("#intake-mass").fill("12,5");
    await one.locator("#intake-units").fill("30");
    assert.equal(await one.locator("#intake-aggregator-part").isVisible(), false, "only for informal collection");
    await one.selectOption("#intake-channel", "informal");
    assert.ok(await one.locator("#intake-aggregator-part").isVisible());
    assert.match(await one.locator("#intake-aggregator-part").textContent(), /never a name, a phone number/);
    // A phone number is no pseudonym: the ledger refuses it, and the station says why.
    await one.locator("#intake-aggregator").fill("+254 712 345678");
    await one.getByRole("button", { name: "Record" }).click();
    await expectText(one, "#intake-result", /✗ Not recorded — bulk intake refused: .*phone number.*\(aggregator-not-pseudonymous\)$/);
    await one.locator("#intake-aggregator").fill("AGG-0042");
    await one.getByRole("button", { name: "Record" }).click();
    await expectText(one, "#intake-result", /^✓ Bulk intake of 12500 g recorded as log entry \d+\./);
    await assertFits(one, "the station's bulk intake");
    if (screenshots) await one.screenshot({ path: join(SCREENSHOTS, "station-intake.png"), fullPage: true });
    const lots = await json(`${url}/v1/lots`);
    assert.equal(lots.length, 1);
    assert.deepEqual([lots[0].mass_g, lots[0].units, lots[0].channel, lots[0].aggregator, lots[0].custodian],
      [12500, 30, "informal", "AGG-0042", yardStation.id]);

    // Its receipt: the mass, and the proof as a QR code.
    await Promise.all([one.waitForEvent("load"), one.locator("#intake-receipt").click()]);
    assert.match(one.url(), /\/r\/\d+$/);
    const receipt = await one.locator("main").textContent();
    assert.ok(receipt.includes("12.5 kg (12,500 g)"), receipt);
    assert.ok(receipt.includes("BSR (Yard scanner 1)"), receipt);
    assert.ok(await one.locator(".receipt-qr svg").isVisible(), "the receipt shows its QR code");
    await assertFits(one, "the receipt");
    if (screenshots) await one.screenshot({ path: join(SCREENSHOTS, "receipt.png"), fullPage: true });

    assert.deepEqual(errors, [], "no script errors");
    const logKey = (await (await fetch(`${url}/v1/log/key`)).text()).trim();
    assert.match(cli("audit", "verify", "--server", url, "--log-key", logKey), /^OK: \d+ entries/);
  } catch (error) {
    console.error(`serve printed:\n${server.printed()}`);
    throw error;
  } finally {
    await browser.close();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the station's yard modes on SQLite", () => yard("sqlite", null));

test("the station's yard modes on PostgreSQL", { skip: SKIP_POSTGRES }, async () => {
  const schema = postgresSchema();
  try {
    await yard("postgres", schema.url);
  } finally {
    schema.drop();
  }
});
