// What the browser tests share: the binary, a server on a free port, a fresh PostgreSQL
// schema, Debian's Chromium and a phone-size context.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = process.env.EWASTE_BIN ?? join(ROOT, "target/debug/ewaste-ledger");
export const PG_BASE = process.env.EWASTE_TEST_DATABASE_URL;
export const SCREENSHOTS = process.env.EWASTE_SCREENSHOTS;
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
// In CI PostgreSQL is never skipped, as in the Rust tests.
export const SKIP_POSTGRES = !PG_BASE && !process.env.CI && "EWASTE_TEST_DATABASE_URL is not set";

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

export function cli(...args) {
  return execFileSync(BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A fresh PostgreSQL schema, as the Rust tests make theirs. */
export function postgresSchema() {
  const schema = `browser_${process.pid}_${Date.now()}`;
  execFileSync("psql", [PG_BASE, "-qAtc", `CREATE SCHEMA ${schema}`]);
  const separator = PG_BASE.includes("?") ? "&" : "?";
  return {
    url: `${PG_BASE}${separator}options=-csearch_path%3D${schema}`,
    drop: () => execFileSync("psql", [PG_BASE, "-qAtc", `SET client_min_messages = warning; DROP SCHEMA ${schema} CASCADE`]),
  };
}

/**
 * `serve` on a free port in `dir`, healthy; `extra` are more arguments (`--demo`).
 * `printed()` is what it has written on stderr so far.
 */
export async function startServer(dir, databaseUrl, extra = []) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["serve", "--bind", `127.0.0.1:${port}`, "--data-dir", join(dir, "data"), "--public-url", url, ...extra];
  if (databaseUrl) args.push("--database-url", databaseUrl);
  const child = spawn(BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const printed = () => stderr;
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child, printed };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`serve did not become healthy at ${url}`);
}

/** Debian's Chromium, headless, never reaching for the network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Collects uncaught errors and console errors of `page` (failed loads excepted). */
export function watchErrors(page, errors) {
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
}

/** `page` is no wider than its viewport: nothing scrolls sideways (a phone's 390 px). */
export async function assertFits(page, what) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${what}: ${scrollWidth} px wide on a ${innerWidth} px screen`);
}
