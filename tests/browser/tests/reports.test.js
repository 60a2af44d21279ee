// Reports from the portal (SPEC §8): request a shipments CSV in one click, watch its row
// refresh itself to DONE (htmx polling, no reload), download it, and scan the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, businessOf, expectAccessible, openBrowser, ops, register, shot, uniqueEmail } from "../lib.js";

test("reports: request a shipments CSV, see it finish live, download it", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const email = uniqueEmail("reports");
    await register(page, email);
    await ops("POST", `/businesses/${await businessOf(email)}/approve`);
    await page.goto(`${BASE}/portal/reports`);
    await page.getByRole("heading", { level: 1, name: "Báo cáo" }).waitFor();
    await page.getByText("Chưa có báo cáo nào").waitFor();
    await expectAccessible(page, "reports (none yet)");

    // The stock ledger without its days: the error on the form, nothing queued.
    await page.getByLabel("Loại báo cáo").selectOption("stock_ledger");
    await page.getByRole("button", { name: "Tạo báo cáo" }).click();
    await page.getByRole("alert").getByText("Từ ngày: is required").waitFor();
    assert.equal(await page.locator("tr[data-report-id]").count(), 0);
    await expectAccessible(page, "reports (bad request)");

    await page.getByLabel("Loại báo cáo").selectOption("shipments");
    await page.getByLabel("Định dạng").selectOption("csv");
    await page.getByRole("button", { name: "Tạo báo cáo" }).click();
    await page.waitForURL(`${BASE}/portal/reports`);
    const row = page.locator("tr[data-report-id]");
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator("progress").count(), 1);
    // The row refreshes itself (no reload here) until the report is DONE, then stops asking.
    await page.locator("tr[data-report-id][data-status=DONE]").waitFor({ timeout: 60_000 });
    await page.locator("#report-list[data-running=false]").waitFor();
    assert.equal(await page.locator("#report-list[hx-get]").count(), 0);
    assert.equal(await row.locator("progress").getAttribute("value"), "100");
    await expectAccessible(page, "reports (done)");
    await shot(page, "portal-reports");

    const href = await row.getByRole("link", { name: /Tải về/ }).getAttribute("href");
    const res = await fetch(href);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
    const header = bytes.subarray(3).toString("utf8").split("\r\n")[0];
    assert.ok(header.startsWith("Mã vận đơn,"), header);
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});
