// Shared helpers of the browser tests: Debian's Chromium driven by playwright-core, the
// server under test (started by scripts/browser-tests.sh), axe-core scans and screenshots.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

export const BASE = process.env.DEPOT_URL ?? "http://127.0.0.1:8080";
export const OPS_TOKEN = process.env.DEPOT_OPS_TOKEN ?? "browser-ops-token";
export const BACKEND = process.env.DEPOT_BACKEND ?? "sqlite";
export const DEPOT_BIN = process.env.DEPOT_BIN ?? "target/debug/depot";
export const DATABASE_URL = process.env.DEPOT_DATABASE_URL ?? "";
export const SHOTS = process.env.DEPOT_SCREENSHOTS ?? path.resolve("screenshots");
export const PASSWORD = "Sóng-biển-Hạ-Long-2026";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh browser (its own --user-data-dir, so its own cookies) with one page. */
export async function openBrowser({ width = 1280, height = 860 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depot-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: { width, height },
    locale: "vi-VN",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Any script or style our CSP had to block is a bug in a page.
  const cspViolations = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.on("dialog", (d) => d.accept());
  return {
    context,
    page,
    cspViolations,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** An email no other test uses. */
export function uniqueEmail(tag) {
  counter += 1;
  return `${tag}-${Date.now()}-${counter}@shop.example`;
}

/** A call to the operator API. */
export async function ops(method, p, body) {
  const res = await fetch(`${BASE}/ops/v1${p}`, {
    method,
    headers: {
      Authorization: `Bearer ${OPS_TOKEN}`,
      "Content-Type": "application/json",
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** A merchant API call with a token; answers the HTTP status. */
export async function apiStatus(token, p = "/warehouses") {
  const res = await fetch(`${BASE}/api/v1${p}`, { headers: { Authorization: token } });
  await res.arrayBuffer();
  return res.status;
}

/** Runs the `depot` binary against the server's database (the CLI commands). */
export function depotCli(...args) {
  return execFileSync(DEPOT_BIN, ["--database-url", DATABASE_URL, ...args], {
    encoding: "utf8",
  });
}

/** Signs up through the register page; leaves the browser on the pending page. */
export async function register(page, email, customerType = "API_USER") {
  await page.goto(`${BASE}/portal/register`);
  await page.getByLabel("Tên doanh nghiệp").fill("Cửa hàng Hoa Sen");
  await page.getByLabel("Người liên hệ").fill("Nguyễn Thị Lan");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Số điện thoại").fill("+84 912 345 678");
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.locator(`input[name=customer_type][value=${customerType}]`).check();
  await page.getByRole("button", { name: "Đăng ký" }).click();
  await page.waitForURL(`${BASE}/portal/`);
}

/** The id of the business an email registered. */
export async function businessOf(email) {
  // The operator API has no search by email: look the ids up one by one.
  for (let id = 1; id < 10000; id++) {
    const r = await ops("GET", `/businesses/${id}`);
    if (r.status === 404) break;
    if (r.body.data.email === email.toLowerCase()) return id;
  }
  throw new Error(`no business for ${email}`);
}

export async function signIn(page, email, password, face = "portal") {
  await page.goto(`${BASE}/${face}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^(Mật khẩu|Password)$/).fill(password);
  await page.getByRole("button", { name: /^(Đăng nhập|Sign in)$/ }).click();
  await page.waitForLoadState();
}

/** An axe-core scan of the page: no serious or critical violation. */
const AXE = fs.readFileSync(
  new URL("./node_modules/axe-core/axe.min.js", import.meta.url),
  "utf8",
);
export async function expectAccessible(page, label) {
  // Evaluated through the debugging protocol, which the page's CSP does not restrict.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = result.violations.filter((v) => ["serious", "critical"].includes(v.impact));
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `accessibility of ${label}`,
  );
}

/** A screenshot under screenshots/<backend>/, named for the page and width. */
export async function shot(page, name) {
  const dir = path.join(SHOTS, BACKEND);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
