// The scan station and the passport in a real browser (issue 4): headless Debian Chromium,
// driven by playwright-core, against the real `ewaste-ledger serve`, on SQLite and, when
// EWASTE_TEST_DATABASE_URL is set, on PostgreSQL.
//
// The station's set-up card is in the page before any script runs. A station enrols (its key
// made in the browser), an admin runs the command it shows, word for word, and the page
// notices within a few seconds; it scans three labels (a repeat is refused, and its line does
// not read as if it happened), loses the connection, scans two more, is closed and opened
// again online with the choices it was left with, and sends the two it kept. The log then holds all five with valid signatures
// (`audit verify`). The passport of a scanned product shows its history and lets the station
// record the next step (its details read with labels and units, and it fits a 390 px phone);
// a second device imports a PKCS#8 key made by `keygen` and records a
// sale from another passport.
//
// Run by .ci/run after `cargo build`. EWASTE_BIN names the binary (default: the debug build);
// EWASTE_SCREENSHOTS=DIR saves phone-size screenshots of both pages there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertFits, BIN, cli, launchBrowser, PHONE, postgresSchema, SCREENSHOTS, SKIP_POSTGRES, startServer, watchErrors,
} from "./support.mjs";

const GTIN = "09506000134352";
const SERIALS = ["BT-1", "BT-2", "BT-3", "BT-4", "BT-5", "BT-6"];

/** Berlin, a manufacturer that also retails (its key made by `keygen`), six labelled phones. */
function populate(dir, url) {
  const admin = join(dir, "data/admin-key.pem");
  const maker = join(dir, "maker.pem");
  const s = ["--server", url, "--key", admin];
  cli("city", "add", ...s, "--locode", "DEBER", "--name", "Berlin", "--population", "3850000", "--population-year", "2024");
  cli("keygen", "--out", maker);
  cli("actor", "add", ...s, "--org", "Fairphone", "--name", "Berlin shop", "--roles", "manufacturer,retailer", "--city", "DEBER", "--key-file", maker);
  const csv = join(dir, "phones.csv");
  writeFileSync(csv, `gtin,serial,unu_key,weight_g,brand,model,hazards\n${
    SERIALS.map((serial) => `${GTIN},${serial},0306,212,Fairphone,FP5,battery:li-ion`).join("\n")}\n`);
  cli("product", "import", "--server", url, "--key", maker, "--city", "DEBER", csv);
  return { admin, maker };
}

const labelOf = (url, serial) => `${url}/01/${GTIN}/21/${serial}`;

async function scanLabel(page, label) {
  // A keyboard-wedge scanner types the code and presses Enter.
  await page.locator("#scan").focus();
  await page.keyboard.type(label);
  await page.keyboard.press("Enter");
}

async function expectScans(page, status, count) {
  try {
    await page.locator(`#results li[data-status="${status}"]`).nth(count - 1).waitFor({ timeout: 15000 });
  } catch (error) {
    // Say what the station shows instead, so that a failure names its cause.
    const shown = await page.$$eval("#results li", (rows) => rows.map((r) => `${r.dataset.status}: ${r.textContent.trim()}`));
    throw new Error(`waiting for ${count} ${status} scans; the station shows:\n${shown.join("\n")}`, { cause: error });
  }
  assert.equal(await page.locator(`#results li[data-status="${status}"]`).count(), count, `${count} ${status}`);
}

async function walkThrough(backend, databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), `ewaste-browser-${backend}-`));
  const server = await startServer(dir, databaseUrl);
  const browser = await launchBrowser();
  try {
    const { url } = server;
    const { maker } = populate(dir, url);
    const station = await browser.newContext({ ...PHONE, baseURL: url });
    let page = await station.newPage();
    const errors = [];
    // Failed requests while offline are expected; anything else logged as an error is not.
    watchErrors(page, errors);

    // First paint: the set-up card is in the page itself, before (and without) any script.
    const plainStation = await browser.newContext({ ...PHONE, baseURL: url, javaScriptEnabled: false });
    const firstPaint = await plainStation.newPage();
    await firstPaint.goto("/scan");
    assert.ok(await firstPaint.locator("#enrol").isVisible(), "the set-up card shows without scripts");
    assert.match(await firstPaint.locator("#enrol").textContent(), /Set up this device/);
    assert.ok(await firstPaint.getByRole("button", { name: "Create a key" }).isDisabled(), "its buttons wait for the script");
    await plainStation.close();

    // Enrolment: the key is made in the browser; the page shows its public half.
    await page.goto("/scan");
    await page.getByRole("button", { name: "Create a key" }).click();
    await page.locator("#pending").waitFor();
    const publicKey = (await page.locator("#public-key").textContent()).trim();
    assert.match(publicKey, /^[A-Za-z0-9+/]{43}=$/, "a base64 Ed25519 public key");
    const qr = await page.request.get(`/scan/key.svg?public_key=${encodeURIComponent(publicKey)}`);
    assert.equal(qr.status(), 200);

    // The command it shows, with the names filled in, works as shown: run by a shell from the
    // ledger's directory (the binary where the README builds it, the admin key `serve` wrote).
    await page.locator("#register-org").fill("BSR");
    await page.locator("#register-name").fill("Yard scanner 1");
    const command = await page.locator("#register-command").textContent();
    assert.equal(command, `./target/release/ewaste-ledger actor add --server '${url}' --key data/admin-key.pem `
      + `--org 'BSR' --name 'Yard scanner 1' --roles collector,recycler --city DEBER --public-key '${publicKey}'`);
    mkdirSync(join(dir, "target/release"), { recursive: true });
    symlinkSync(BIN, join(dir, "target/release/ewaste-ledger"));

    // The admin registers it; the page notices by itself within a few seconds.
    const registered = Date.now();
    execFileSync("sh", ["-c", command], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    await page.locator("#station").waitFor({ timeout: 4000 });
    assert.ok(Date.now() - registered < 4000, `noticed after ${Date.now() - registered} ms`);
    assert.match(await page.locator("#device").textContent(), /BSR \(Yard scanner 1\)/);
    const offeredKinds = await page.$$eval("#kind option", (options) => options.filter((o) => !o.disabled).map((o) => o.value));
    // `received` and `receipt_refused` answer a hand-over to this station (PRODUCT.md §8.3),
    // one label at a time; the Receive mode lists what waits for them (yard.test.mjs).
    assert.deepEqual(offeredKinds, ["collected", "handed_over", "depolluted", "recycled", "disposed", "exported",
      "received", "receipt_refused"], "a collector-recycler station offers what those roles may sign, and no sales");
    await page.selectOption("#kind", "collected");
    await page.selectOption('fieldset[data-kind="collected"] select[name="channel"]', "municipal");

    // A label that is not one, and one with a wrong check digit: clear reasons, nothing sent.
    await scanLabel(page, "hello");
    await scanLabel(page, `${url}/01/09506000134353/21/BT-1`);
    await expectScans(page, "rejected", 2);
    assert.match(await page.locator("#results").textContent(), /wrong check digit/);

    // Three scans online.
    for (const serial of SERIALS.slice(0, 3)) await scanLabel(page, labelOf(url, serial));
    await expectScans(page, "accepted", 3);

    // The same phone again: the ledger refuses it, and the line does not read as a collection.
    await scanLabel(page, labelOf(url, SERIALS[0]));
    await expectScans(page, "rejected", 3);
    const refused = await page.locator('#results li[data-status="rejected"] > div:first-child').allTextContents();
    assert.equal(refused.length, 3);
    for (const line of refused) assert.match(line, /^✗ Not recorded — collected refused: \S/, line);

    // Offline: two more are signed and kept.
    await station.setOffline(true);
    for (const serial of SERIALS.slice(3, 5)) await scanLabel(page, labelOf(url, serial));
    await expectScans(page, "queued", 2);
    assert.match(await page.locator("#network").textContent(), /Offline/);

    // The station is closed while offline and opened again once the connection is back:
    // the two kept scans are sent, with their original `occurred_at`.
    const queuedAt = await page.evaluate(async () => {
      const { storage } = await import("/assets/ledger.js");
      return (await storage.all("scans")).filter((s) => s.status === "queued")
        .sort((a, b) => a.order - b.order).map((s) => s.envelope.event.occurred_at);
    });
    assert.equal(queuedAt.length, 2);
    // Choices made now are what the station offers after the restart.
    await page.selectOption("#kind", "recycled");
    await page.selectOption('fieldset[data-kind="recycled"] select[name="operation"]', "R4");
    await page.close();
    await new Promise((r) => setTimeout(r, 1100)); // so that a re-stamped event would show
    await station.setOffline(false);
    page = await station.newPage();
    watchErrors(page, errors);
    await page.goto("/scan");
    await expectScans(page, "accepted", 5);
    assert.equal(await page.locator('#results li[data-status="queued"]').count(), 0);
    // It kept what was chosen: the kind, each kind's choices, the city.
    assert.equal(await page.locator("#kind").inputValue(), "recycled");
    assert.equal(await page.locator('fieldset[data-kind="recycled"] select[name="operation"]').inputValue(), "R4");
    assert.equal(await page.locator('fieldset[data-kind="collected"] select[name="channel"]').inputValue(), "municipal");
    assert.equal(await page.locator("#city").inputValue(), "DEBER");
    assert.ok(await page.locator('fieldset[data-kind="recycled"]').isVisible(), "the kept kind's form is shown");
    await assertFits(page, "the scan station");
    await page.selectOption("#kind", "collected");
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "scan-station.png"), fullPage: true });

    // The log holds the five collections, signed by the station, the offline two as stamped.
    const entries = (await (await fetch(`${url}/v1/log/entries?start=0&limit=1000`)).text())
      .trim().split("\n").map((line) => JSON.parse(line));
    const actor = (await (await fetch(`${url}/v1/actors`)).json()).find((a) => a.public_key === publicKey);
    const collected = entries.filter((e) => e.event.kind === "collected" && e.event.actor === actor.id);
    assert.equal(collected.length, 5, "five collections in the log");
    assert.deepEqual(collected.slice(3).map((e) => e.event.occurred_at), queuedAt);
    assert.ok(collected.every((e) => e.event.data.channel === "municipal"));
    const logKey = await (await fetch(`${url}/v1/log/key`)).text();
    const audit = cli("audit", "verify", "--server", url, "--log-key", logKey.trim());
    assert.match(audit, /^OK: \d+ entries/, audit);

    // The passport of a scanned product: its facts and history, and what the station may do.
    await page.goto(`/01/${GTIN}/21/BT-1`);
    const passport = await page.locator("main").textContent();
    for (const expected of ["Fairphone FP5", "Collected as waste", "Chain verified: 2 signed events",
      "battery:li-ion", "remove the battery", "BSR (Yard scanner 1)", "Berlin (DEBER)",
      "UNU-KEY 0306 · Mobile Phones", "Weight 212 g", "Channel: municipal"]) {
      assert.ok(passport.includes(expected), `the passport shows "${expected}"`);
    }
    for (const raw of ["unu key", "weight g", "channel:", "Z ·"]) {
      assert.ok(!passport.includes(raw), `the passport shows no raw "${raw}"`);
    }
    assert.match(passport, /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · Berlin/, "times as people write them");
    await assertFits(page, "the passport");
    await page.locator("#record").waitFor();
    const offered = await page.locator("#record-kinds button:visible").allTextContents();
    assert.deepEqual(offered.sort(), ["Depolluted", "Disposed of", "Exported", "Handed over", "Recycled"],
      "a collector-recycler holding a collected product");
    await page.getByRole("button", { name: "Recycled" }).click();
    await page.locator('#record-form textarea[name="fractions"]').fill("copper 20\nplastics");
    await page.getByRole("button", { name: "Sign and record" }).click();
    assert.match(await page.locator("#record-result").textContent(), /line 2/, "a malformed line is named");
    await page.locator('#record-form textarea[name="fractions"]').fill("copper 20\nplastics 90");
    await page.locator('#record-form fieldset[data-kind="recycled"] select[name="operation"]').selectOption("R4");
    await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Sign and record" }).click()]);
    const after = await page.locator("main").textContent();
    assert.ok(after.includes("reached the end of its recorded life"), "recycled is terminal");
    assert.ok(after.includes("Chain verified: 3 signed events"));
    assert.equal(await page.locator("#record").count(), 0, "nothing more to record");

    // A second device imports the shop's key file and sells a phone from its passport.
    const shop = await browser.newContext({ ...PHONE, baseURL: url });
    const shopPage = await shop.newPage();
    watchErrors(shopPage, errors);
    await shopPage.goto("/scan");
    await shopPage.locator("#import-key").setInputFiles(maker);
    await shopPage.locator("#station").waitFor();
    assert.match(await shopPage.locator("#device").textContent(), /Fairphone \(Berlin shop\)/);
    await shopPage.goto(`/01/${GTIN}/21/BT-6`);
    await shopPage.locator("#record").waitFor();
    const shopOffers = await shopPage.locator("#record-kinds button:visible").allTextContents();
    assert.deepEqual(shopOffers.sort(), ["Collected", "Sold (placed on the market)"]);
    await Promise.all([shopPage.waitForEvent("load"),
      (async () => {
        await shopPage.getByRole("button", { name: "Sold (placed on the market)" }).click();
        await shopPage.getByRole("button", { name: "Sign and record" }).click();
      })()]);
    assert.ok((await shopPage.locator("main").textContent()).includes("In use"));
    if (SCREENSHOTS) {
      await page.goto(`/01/${GTIN}/21/BT-2`);
      await page.locator("#record").waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, "passport.png"), fullPage: true });
    }

    // Read without scripts, the passport still shows everything.
    const plain = await browser.newContext({ ...PHONE, baseURL: url, javaScriptEnabled: false });
    const plainPage = await plain.newPage();
    await plainPage.goto(`/01/${GTIN}/21/BT-2`);
    assert.ok((await plainPage.locator("main").textContent()).includes("Chain verified: 2 signed events"));
    assert.equal(await plainPage.locator("#record").isVisible(), false);

    assert.deepEqual(errors, [], "no script errors");
    assert.match(cli("audit", "verify", "--server", url, "--log-key", logKey.trim()), /^OK: \d+ entries/);
  } catch (error) {
    // What the server printed belongs with the failure.
    console.error(`serve printed:\n${server.printed()}`);
    throw error;
  } finally {
    await browser.close();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("scan station and passport on SQLite", () => walkThrough("sqlite", null));

test("scan station and passport on PostgreSQL", { skip: SKIP_POSTGRES }, async () => {
  const schema = postgresSchema();
  try {
    await walkThrough("postgres", schema.url);
  } finally {
    schema.drop();
  }
});
