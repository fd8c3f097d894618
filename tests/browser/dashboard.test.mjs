// The city dashboards in a real browser (issue 5, issue 15 item 4): `serve --demo` fills a new
// ledger, then headless Chromium reads the comparison of cities and one city's dashboard at a
// phone's width (390 px) and a desktop's (1440 px): headline rates, four charts with their
// tables, working CSV links, no script errors, and the charts' geometry measured, not judged
// by eye: every bar label level with its bar, every target tick inside its own row, chart text
// drawn at a readable size (not shrunk by a viewBox), nothing clipped, the legend off the
// plot, wide tables scrolling inside their card with a sign that they do, and no page wider
// than the screen. EWASTE_SCREENSHOTS=DIR saves both pages (phone width) there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  launchBrowser, PHONE, postgresSchema, SCREENSHOTS, SKIP_POSTGRES, startServer, watchErrors,
} from "./support.mjs";

const DESKTOP = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 };

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

/**
 * Runs in the page: what is wrong with its charts, tables and width, as sentences (none when
 * all is well). `fonts` is the allowed range of chart text sizes in px; `phone` whether wide
 * tables must show the "scroll" hint.
 */
function layoutProblems({ fonts: [minFont, maxFont], phone }) {
  const problems = [];
  const box = (el) => el.getBoundingClientRect();
  const shown = (el) => {
    const r = box(el);
    return r.width > 0 && r.height > 0 && getComputedStyle(el).display !== "none";
  };
  const inside = (inner, outer, slack = 0.5) => inner.left >= outer.left - slack && inner.right <= outer.right + slack
    && inner.top >= outer.top - slack && inner.bottom <= outer.bottom + slack;
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const px = (n) => n.toFixed(1);

  for (const figure of document.querySelectorAll("figure.chart")) {
    const chart = figure.closest("section").id;
    const frame = box(figure);
    if (figure.querySelector("svg[viewBox]")) problems.push(`${chart}: an SVG with a viewBox scales its text`);
    // Bars: the label's vertical centre within its bar, the target tick within its own row.
    const rows = [...figure.querySelectorAll(".bar-row:not(.bar-axis)")];
    const tracks = rows.map((row) => box(row.querySelector(".bar-track")));
    rows.forEach((row, i) => {
      const label = row.querySelector(".bar-label");
      const l = box(label);
      const centre = (l.top + l.bottom) / 2;
      const bar = row.querySelector("rect.bar");
      const extent = bar && box(bar).height > 0 ? box(bar) : tracks[i];
      if (centre < extent.top || centre > extent.bottom) {
        problems.push(`${chart}: "${label.textContent}" is centred at ${px(centre)}, its bar spans ${px(extent.top)}–${px(extent.bottom)}`);
      }
      const target = row.querySelector("line.target");
      if (target) {
        const t = box(target);
        if (!inside(t, tracks[i])) problems.push(`${chart}: the target of "${label.textContent}" (${px(t.top)}–${px(t.bottom)}) leaves its row (${px(tracks[i].top)}–${px(tracks[i].bottom)})`);
        tracks.forEach((other, j) => {
          if (j !== i && overlap(t, other)) problems.push(`${chart}: the target of "${label.textContent}" reaches row ${j + 1}`);
        });
      }
    });
    // Text: a readable CSS size, drawn at that size, inside the chart, not cut off.
    for (const el of figure.querySelectorAll("text, .bar-label, .bar-value, .bar-value small, .legend li, .chart-empty")) {
      if (!shown(el)) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      const r = box(el);
      const what = `${chart}: "${el.textContent.trim()}"`;
      if (size < minFont || size > maxFont) problems.push(`${what} is ${size}px, not ${minFont}–${maxFont}px`);
      if (el instanceof SVGElement && r.height < 0.9 * size) problems.push(`${what} is drawn ${px(r.height)}px high at ${size}px`);
      if (!inside(r, frame, 1)) problems.push(`${what} (${px(r.left)}–${px(r.right)}) sticks out of its chart (${px(frame.left)}–${px(frame.right)})`);
      if (!(el instanceof SVGElement) && el.scrollWidth > el.clientWidth + 1) problems.push(`${what} is clipped`);
    }
    // The legend is outside the plotted area.
    const legend = figure.querySelector(".legend");
    const plot = figure.querySelector(".plot");
    if (legend && plot && overlap(box(legend), box(plot))) problems.push(`${chart}: the legend covers the plot`);
  }

  // Wide tables scroll inside their card, with a sign; a hint never shows for a table that fits.
  for (const wrap of document.querySelectorAll(".table-scroll")) {
    const chart = wrap.closest("section").id;
    const wide = wrap.scrollWidth > wrap.clientWidth + 1;
    const hint = wrap.parentElement.querySelector(".scroll-hint");
    const hinted = Boolean(hint && shown(hint));
    if (wide && getComputedStyle(wrap).overflowX !== "auto") problems.push(`${chart}: a wide table that does not scroll`);
    if (wide && phone && !hinted) problems.push(`${chart}: a wide table with no sign that it scrolls`);
    if (!phone && wide) problems.push(`${chart}: the table does not fit a desktop`);
    if (hinted && !wide) problems.push(`${chart}: "scroll" is shown under a table that fits`);
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth) problems.push(`the page is ${page.scrollWidth}px wide on a ${page.clientWidth}px screen`);
  return problems;
}

/** The years the page's selector offers. */
async function offeredYears(page) {
  const hrefs = await page.locator("nav.years a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  return hrefs.map((href) => Number(new URL(href, "http://x").searchParams.get("year")));
}

async function readDashboards(browser, server, device, { phone, fonts, screenshots }) {
  // At 1× the long page stays a small file; the station and passport shots are 2×.
  const context = await browser.newContext({ ...device, deviceScaleFactor: 1, baseURL: server.url });
  const page = await context.newPage();
  const errors = [];
  watchErrors(page, errors);
  const where = `${device.viewport.width}px`;
  const thisYear = new Date().getUTCFullYear();

  await page.goto("/cities");
  assert.match(await page.locator("h1").textContent(), new RegExp(`Cities compared · (${thisYear}|${thisYear - 1})`));
  const links = await page.locator("main ul a").allTextContents();
  assert.deepEqual(links.sort(), ["DEBER", "INBLR", "KENBO", "NLAMS"]);
  assert.equal(await page.locator("figure.chart").count(), 1);
  const years = await offeredYears(page);
  assert.ok(years.length > 0 && years.every((y) => y <= thisYear), `${where}: /cities offers ${years}`);
  assert.match(await page.locator(".demo-note").textContent(), /simulated sample/);
  assert.deepEqual(await page.evaluate(layoutProblems, { fonts, phone }), [], `${where}: /cities`);
  if (screenshots) await page.screenshot({ path: join(SCREENSHOTS, "cities.png"), fullPage: true });

  await page.locator("main ul a", { hasText: "DEBER" }).click();
  await page.waitForURL(/\/cities\/DEBER/);
  assert.match(await page.locator("h1").textContent(), /Berlin \(demo\) \(DEBER\)/);
  // The real population, grouped, and the sample's scale stated.
  assert.match(await page.locator("header").textContent(), /3,897,145 inhabitants \(2024\)/);
  assert.match(await page.locator(".demo-note").textContent(), /about 1 in [\d,]+ of the [\d,]+ tonnes/);
  assert.equal(await page.locator(".tile").count(), 5);
  assert.match(await page.locator(".tile").first().textContent(), /EU collection rate\s*\d+\.\d %/);
  assert.equal(await page.locator("figure.chart").count(), 4, "four charts");
  assert.ok((await offeredYears(page)).every((y) => y <= thisYear));
  for (const id of ["flows", "rates", "materials", "lifespans"]) {
    const rows = await page.locator(`#${id} tbody tr`).count();
    assert.ok(rows > 0, `the ${id} table has rows`);
    const href = await page.locator(`#${id} a`, { hasText: "CSV" }).getAttribute("href");
    const csv = await page.request.get(href);
    assert.equal(csv.status(), 200, href);
    assert.equal((await csv.text()).trim().split("\n").length, rows + 1, `${id}: the CSV is the table`);
  }
  // The demo's categories rest on a few products: some rates are marked, with the reason linked.
  assert.ok(await page.locator("#rates .reading-small").count() > 0, "a rate over a small base is marked");
  await page.locator("#rates a", { hasText: "Why?" }).first().click();
  assert.match(page.url(), /#(small-base|over-100)$/);
  assert.deepEqual(await page.evaluate(layoutProblems, { fonts, phone }), [], `${where}: the dashboard`);
  if (screenshots) await page.screenshot({ path: join(SCREENSHOTS, "city-dashboard.png"), fullPage: true });

  if (phone) {
    // The checks can fail: a label moved half a bar down, and an axis shrunk by a viewBox.
    await page.evaluate(() => {
      document.querySelector("#rates .bar-label").style.transform = "translateY(1rem)";
      const axis = document.querySelector("#rates svg.axis");
      axis.setAttribute("viewBox", `0 0 ${axis.clientWidth * 2} ${axis.clientHeight * 2}`);
    });
    const found = (await page.evaluate(layoutProblems, { fonts, phone })).join("\n");
    assert.match(found, /rates: "EU collection rate" is centred at/);
    assert.match(found, /rates: an SVG with a viewBox scales its text/);
    assert.match(found, /is drawn [\d.]+px high at 14px/);
  }
  assert.deepEqual(errors, [], "no script errors");
  await context.close();
}

async function dashboards(backend, databaseUrl) {
  const dir = mkdtempSync(join(tmpdir(), `ewaste-dashboard-${backend}-`));
  const server = await startServer(dir, databaseUrl, ["--demo"]);
  const browser = await launchBrowser();
  try {
    const size = await demoRecorded(server);
    assert.ok(size > 10_000, `${size} entries`);
    await readDashboards(browser, server, PHONE, { phone: true, fonts: [12, 20], screenshots: SCREENSHOTS && backend === "sqlite" });
    await readDashboards(browser, server, DESKTOP, { phone: false, fonts: [12, 20], screenshots: false });
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
