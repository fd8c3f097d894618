// The pages a person opens first, in a real browser (issue 15): the home page at `/` (the
// log's size, every link answering, the search finding a product), the HTML 404 pages a
// browser gets for an unknown path and an unknown city (API clients keep their JSON
// problems), and none of them wider than a 390 px phone. On SQLite and, when
// EWASTE_TEST_DATABASE_URL is set, on PostgreSQL.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertFits, cli, launchBrowser, PHONE, postgresSchema, SKIP_POSTGRES, startServer, watchErrors,
} from "./support.mjs";

const GTIN = "09506000134352";

/** Berlin, a manufacturer and two labelled phones. */
function populate(dir, url) {
  const s = ["--server", url, "--key", join(dir, "data/admin-key.pem")];
  const maker = join(dir, "maker.pem");
  cli("city", "add", ...s, "--locode", "DEBER", "--name", "Berlin", "--population", "3850000", "--population-year", "2024");
  cli("keygen", "--out", maker);
  cli("actor", "add", ...s, "--org", "Fairphone", "--name", "Assembly line 1", "--roles", "manufacturer,retailer", "--city", "DEBER", "--key-file", maker);
  const csv = join(dir, "phones.csv");
  writeFileSync(csv, `gtin,serial,unu_key,weight_g,brand,model,hazards\n${GTIN},HP-1,0306,212,Fairphone,FP5,battery:li-ion\n${GTIN},HP-2,0306,212,Fairphone,FP5,\n`);
  cli("product", "import", "--server", url, "--key", maker, "--city", "DEBER", csv);
}

async function walkThrough(databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), "ewaste-pages-"));
  const server = await startServer(dir, databaseUrl);
  const browser = await launchBrowser();
  try {
    const { url } = server;
    populate(dir, url);
    const context = await browser.newContext({ ...PHONE, baseURL: url });
    const page = await context.newPage();
    const errors = [];
    watchErrors(page, errors);

    // The home page: the log's size as /healthz reports it, and a checkpoint.
    const home = await page.goto("/");
    assert.equal(home.status(), 200);
    const { log_size: size } = await (await fetch(`${url}/healthz`)).json();
    assert.equal(await page.locator("#log-size").textContent(), `${size.toLocaleString("en-US")} entries`);
    assert.match(await page.locator("#checkpoint").textContent(),
      new RegExp(`^${size} entries · root [0-9a-f]{12}… · signed \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC$`));
    await assertFits(page, "the home page");
    const navigation = await page.$$eval("nav.site a", (as) => as.map((a) => a.getBoundingClientRect().top));
    assert.equal(navigation.length, 5);
    assert.equal(new Set(navigation).size, 1, `the navigation is one line on a phone: ${navigation}`);

    // Every link on it answers, and the navigation reaches each part.
    const links = await page.$$eval("a[href]", (anchors) => [...new Set(anchors.map((a) => a.getAttribute("href")))]);
    for (const path of ["/", "/cities", "/cities/DEBER", "/scan", "/openapi.json", "/v1/log/checkpoint", "/v1/log/key"]) {
      assert.ok(links.includes(path), `the home page links ${path}`);
    }
    for (const path of links) {
      const answer = await page.request.get(path);
      assert.equal(answer.status(), 200, `${path} answers`);
    }
    await Promise.all([page.waitForURL(`${url}/cities/DEBER`), page.getByRole("link", { name: "Berlin (DEBER)" }).click()]);
    await Promise.all([page.waitForURL(`${url}/scan`), page.locator("nav.site").getByRole("link", { name: "Scan", exact: true }).click()]);
    await Promise.all([page.waitForURL(`${url}/`), page.locator("nav.site").getByRole("link", { name: "ewaste-ledger" }).click()]);

    // The search finds a product by its serial and opens its passport.
    await page.locator("#search-q").fill("HP-1");
    await Promise.all([page.waitForURL(`${url}/01/${GTIN}/21/HP-1`), page.getByRole("button", { name: "Search" }).click()]);
    assert.match(await page.locator("h1").textContent(), /Fairphone FP5/);
    // By its label URI, from the form of any error page.
    await page.goto("/search?q=nothing-like-this");
    await page.locator("#search-q").fill(`${url}/01/${GTIN}/21/HP-2`);
    await Promise.all([page.waitForURL(`${url}/01/${GTIN}/21/HP-2`), page.getByRole("button", { name: "Search" }).click()]);

    // A miss is a 404 page that says what was searched.
    const miss = await page.goto("/search?q=NO-SUCH-PHONE");
    assert.equal(miss.status(), 404);
    assert.equal(await page.locator("h1").textContent(), "Nothing found");
    assert.equal(await page.locator("#searched").textContent(), "NO-SUCH-PHONE");

    // Unknown paths and cities: pages with links home for a browser, problems for the API.
    for (const [path, says] of [["/no/such/page", "There is no resource at GET /no/such/page."], ["/cities/XXXXX", "XXXXX"]]) {
      const answer = await page.goto(path);
      assert.equal(answer.status(), 404, path);
      assert.match(answer.headers()["content-type"], /^text\/html/, path);
      assert.equal(await page.locator("h1").textContent(), "Page not found", path);
      assert.ok((await page.locator("main").textContent()).includes(says), `${path} says ${says}`);
      await assertFits(page, path);
      await Promise.all([page.waitForURL(`${url}/`), page.getByRole("link", { name: "Go to the home page" }).click()]);
      const api = await fetch(`${url}${path}`, { headers: { accept: "application/json" } });
      assert.equal(api.status, 404);
      assert.equal(api.headers.get("content-type"), "application/problem+json");
      assert.equal((await api.json()).type, "urn:ewaste-ledger:problem:not-found");
    }
    assert.deepEqual(errors, [], "no script errors");
  } catch (error) {
    console.error(`serve printed:\n${server.printed()}`);
    throw error;
  } finally {
    await browser.close();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("home page, search and HTML 404s on SQLite", () => walkThrough(null));

test("home page, search and HTML 404s on PostgreSQL", { skip: SKIP_POSTGRES }, async () => {
  const schema = postgresSchema();
  try {
    await walkThrough(schema.url);
  } finally {
    schema.drop();
  }
});
