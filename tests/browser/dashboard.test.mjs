// The city dashboards in a real browser (issue 5): `serve --demo` fills a new ledger, then
// headless Chromium at phone size reads the comparison of cities and one city's dashboard:
// headline rates, four charts with their tables, working CSV links, no script errors.
// EWASTE_SCREENSHOTS=DIR saves both pages there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  launchBrowser, PHONE, postgresSchema, SCREENSHOTS, SKIP_POSTGRES, startServer, watchErrors,
} from "./support.mjs";

/** Waits until the server says the demo is recorded; returns the log size then. */
async function demoRecorded(server) {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (server.printed().includes("demo failed")) throw new Error(server.printed());
    if (server.printed().includes("demo: recorded")) {
      return (await (await fetch(`${server.url}/healthz`)).json()).log_size;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("the demo did not finish");
}

async function dashboards(backend, databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), `ewaste-dashboard-${backend}-`));
  const server = await startServer(dir, databaseUrl, ["--demo"]);
  const browser = await launchBrowser();
  try {
    const size = await demoRecorded(server);
    assert.ok(size > 10_000, `${size} entries`);
    // At 1× the long page stays a small file; the station and passport shots are 2×.
    const context = await browser.newContext({ ...PHONE, deviceScaleFactor: 1, baseURL: server.url });
    const page = await context.newPage();
    const errors = [];
    watchErrors(page, errors);

    await page.goto("/cities");
    const year = new Date().getUTCFullYear();
    assert.match(await page.locator("h1").textContent(), new RegExp(`Cities compared · (${year}|${year - 1})`));
    const links = await page.locator("main ul a").allTextContents();
    assert.deepEqual(links.sort(), ["DEBER", "INBLR", "KENBO", "NLAMS"]);
    assert.equal(await page.locator("svg").count(), 1);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "cities.png"), fullPage: true });

    await page.locator("main ul a", { hasText: "DEBER" }).click();
    await page.waitForURL(/\/cities\/DEBER/);
    assert.match(await page.locator("h1").textContent(), /Berlin \(demo\) \(DEBER\)/);
    assert.equal(await page.locator(".tile").count(), 4);
    assert.match(await page.locator(".tile").first().textContent(), /EU collection rate\s*\d+\.\d %/);
    assert.equal(await page.locator(".chart svg").count(), 4, "four charts");
    for (const id of ["flows", "rates", "materials", "lifespans"]) {
      const rows = await page.locator(`#${id} tbody tr`).count();
      assert.ok(rows > 0, `the ${id} table has rows`);
      const href = await page.locator(`#${id} a`, { hasText: "CSV" }).getAttribute("href");
      const csv = await page.request.get(href);
      assert.equal(csv.status(), 200, href);
      assert.equal((await csv.text()).trim().split("\n").length, rows + 1, `${id}: the CSV is the table`);
    }
    // The chart is readable on a phone: it fits the screen's width.
    const width = await page.locator("#flows svg").evaluate((svg) => svg.getBoundingClientRect().width);
    assert.ok(width <= 390, `${width}px`);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "city-dashboard.png"), fullPage: true });
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("city dashboards of the demo on SQLite", () => dashboards("sqlite", null));

test("city dashboards of the demo on PostgreSQL", { skip: SKIP_POSTGRES }, async () => {
  const schema = postgresSchema();
  try {
    await dashboards("postgres", schema.url);
  } finally {
    schema.drop();
  }
});
