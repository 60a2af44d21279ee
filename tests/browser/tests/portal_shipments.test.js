// The portal's shipment pages in Chromium for an OMS_USER business: the dashboard, the list
// (tabs, search, bulk cancel), a detail (cancel by lines, then in full), create by form, the
// CSV import (dry run, then confirm), the language switch, phone width, and an accessibility
// scan of every page.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, businessOf, expectAccessible, openBrowser, ops, register, shot, uniqueEmail,
} from "../lib.js";

/** An approved OMS_USER business signed in on `page`, with a warehouse, two stocked
 * products and an API key for setting up shipments. */
async function omsBusiness(page) {
  const email = uniqueEmail("oms");
  await register(page, email, "OMS_USER");
  const id = await businessOf(email);
  assert.equal((await ops("POST", `/businesses/${id}/approve`)).status, 200);
  const key = (await ops("POST", `/businesses/${id}/api-keys`)).body.data.api_key;
  const wh = `WH${Date.now() % 1_000_000}`;
  const made = await ops("POST", "/warehouses", {
    warehouse_code: wh, name: `Kho ${wh}`, address: "1 Phố Huế, Hà Nội",
    province_code: "01", district_code: "001", ward_code: "00001",
  });
  assert.equal(made.status, 201);
  const api = async (method, p, body) => {
    const res = await fetch(`${BASE}/api/v1${p}`, {
      method,
      headers: { Authorization: key, "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
  const products = [];
  for (const [sku, name] of [["AO-THUN-01", "Áo thun cotton"], ["QUAN-JEAN-02", "Quần jean"]]) {
    const p = await api("POST", "/products/create", {
      sku, name, weight: 0.4, length: 30, width: 20, height: 3,
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const oasin = p.body.data.oasin;
    assert.equal((await api("PUT", `/products/${oasin}/assign`, { warehouse_code: wh })).status, 200);
    const adj = await ops("POST", "/stock/adjustments", {
      business_id: id, warehouse_code: wh, oasin, stock_level: "A", quantity_delta: 40, reason: "test",
    });
    assert.equal(adj.status, 200);
    products.push(oasin);
  }
  const ship = async (reference, items, extra = {}) => {
    const r = await api("POST", "/shipments/b2c/create", {
      warehouse_code: wh, platform: "shopee", merchant_tracking_code_reference: reference,
      items: items.map(([oasin, q]) => ({ oasin, product_quantity: q })), ...extra,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.data.tracking_code;
  };
  const detail = async (code) => (await api("GET", `/shipments/${code}/detail`)).body.data;
  return { email, id, wh, products, ship, detail, api };
}

test("dashboard, list, bulk cancel, and a detail cancelled by lines then in full", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const biz = await omsBusiness(page);
    const [a, c] = biz.products;
    const codes = [];
    for (let i = 1; i <= 6; i += 1) {
      codes.push(await biz.ship(`DH-${1000 + i}`, [[a, 1 + (i % 3)], [c, 1]], { courier_tracking_code: `GHN${7700 + i}` }));
    }
    // One more than the stock: it waits.
    const waiting = await biz.ship("DH-2000", [[a, 100]]);

    await page.goto(`${BASE}/portal/`);
    await page.getByRole("heading", { name: "Tổng quan", level: 1 }).waitFor();
    assert.equal((await page.locator("[data-kpi=today]").textContent()).trim(), "7");
    assert.equal((await page.locator("[data-kpi=waiting]").textContent()).trim(), "1");
    assert.equal(await page.locator("figure.chart svg[role=img] title").count() > 0, true);
    await expectAccessible(page, "dashboard");
    await shot(page, "portal-dashboard");

    await page.getByRole("navigation", { name: "Điều hướng chính" }).getByRole("link", { name: "Vận đơn" }).click();
    await page.waitForURL(`${BASE}/portal/shipments`);
    assert.equal(await page.locator("#shipments tbody tr").count(), 7);
    await expectAccessible(page, "shipment list");
    await shot(page, "portal-shipments");

    // The "Waiting for stock" tab.
    await page.getByRole("link", { name: /Thiếu hàng/ }).click();
    await page.waitForURL(/status=OUT_OF_STOCK/);
    assert.equal(await page.locator("#shipments tbody tr").count(), 1);
    assert.equal(await page.locator(`tr[data-code="${waiting}"]`).count(), 1);

    // Search by a courier code.
    await page.goto(`${BASE}/portal/shipments`);
    await page.getByLabel("Mã vận đơn, mã tham chiếu hoặc mã vận chuyển").fill("GHN7702");
    await page.getByRole("button", { name: "Tìm", exact: true }).click();
    await page.waitForURL(/q=GHN7702/);
    assert.equal(await page.locator("#shipments tbody tr").count(), 1);
    assert.equal(await page.locator(`tr[data-code="${codes[1]}"]`).count(), 1);

    // Bulk cancel two rows: one result each.
    await page.goto(`${BASE}/portal/shipments`);
    await page.getByLabel(`Chọn vận đơn ${codes[4]}`).check();
    await page.getByLabel(`Chọn vận đơn ${codes[5]}`).check();
    await page.locator("#bulk_reason").selectOption("CUSTOMER_REQUEST");
    await page.getByRole("button", { name: "Hủy vận đơn đã chọn" }).click();
    await page.locator("#bulk-results").waitFor();
    assert.equal(await page.locator("#bulk-results tr[data-result=ok]").count(), 2);
    assert.equal((await biz.detail(codes[4])).status_info.value, 490);
    assert.equal((await biz.detail(codes[5])).cancel_reason.code, "CUSTOMER_REQUEST");
    await expectAccessible(page, "bulk cancel results");
    await shot(page, "portal-shipments-bulk-results");

    // A detail: cancel one unit of the first line; the rest moves to a successor.
    await page.goto(`${BASE}/portal/shipments`);
    await page.getByRole("link", { name: codes[0] }).click();
    await page.waitForURL(new RegExp(`/portal/shipments/${codes[0]}`));
    await page.getByRole("heading", { name: codes[0] }).waitFor();
    await expectAccessible(page, "shipment detail");
    await shot(page, "portal-shipment-detail");
    const first = (await biz.detail(codes[0])).items[0];
    await page.locator(`#qty_${first.line_id}`).fill("1");
    await page.getByRole("button", { name: "Hủy số lượng đã chọn" }).click();
    await page.locator(".flash-success").waitFor();
    const old = await biz.detail(codes[0]);
    assert.equal(old.status_info.value, 490);
    const successor = old.superseded_by;
    assert.ok(successor);
    assert.equal((await biz.detail(successor)).items[0].product_quantity, first.product_quantity - 1);
    await page.getByRole("link", { name: successor }).click();
    await page.waitForURL(`${BASE}/portal/shipments/${successor}`);
    // …then the successor in full, with a reason.
    await page.locator("#reason_code").selectOption("STOCK_OUT");
    await page.getByLabel(/Ghi chú lý do/).fill("Hết hàng tại kho");
    await page.getByRole("button", { name: "Hủy vận đơn", exact: true }).click();
    await page.locator(".flash-success").waitFor();
    const done = await biz.detail(successor);
    assert.equal(done.status_info.value, 490);
    assert.equal(done.cancel_reason.code, "STOCK_OUT");
    assert.equal(await page.locator("[data-status=CANCELLED]").count(), 1);
    await expectAccessible(page, "cancelled shipment");
    await shot(page, "portal-shipment-cancelled");

    // The language switch: the same page in English, remembered on the next page.
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    await page.getByRole("link", { name: "All shipments" }).click();
    await page.getByRole("heading", { name: "Shipments", level: 1 }).waitFor();
    await page.getByRole("link", { name: "Tiếng Việt" }).click();
    await page.getByRole("heading", { name: "Vận đơn", level: 1 }).waitFor();

    // Phone width: the list stacks, the detail stays usable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/portal/shipments`);
    await shot(page, "portal-shipments-phone");
    await page.goto(`${BASE}/portal/shipments/${codes[2]}`);
    await shot(page, "portal-shipment-detail-phone");
    await page.goto(`${BASE}/portal/`);
    await shot(page, "portal-dashboard-phone");
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});

test("create by form, and a CSV import checked first, then created row by row", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const biz = await omsBusiness(page);
    const [a, c] = biz.products;

    await page.goto(`${BASE}/portal/shipments/new`);
    await expectAccessible(page, "new shipment form");
    await page.getByLabel("Kho", { exact: true }).selectOption(biz.wh);
    await page.getByLabel("Sàn", { exact: true }).selectOption("tiktok");
    await page.getByLabel("Mã tham chiếu", { exact: true }).fill("FORM-1");
    await page.getByLabel("Dòng 1: OASIN").fill(a);
    await page.getByLabel("Dòng 1: Số lượng").fill("2");
    await page.getByRole("button", { name: "Tạo vận đơn" }).click();
    await page.locator(".flash-success").waitFor();
    assert.match(page.url(), /\/portal\/shipments\/OASC/);
    await shot(page, "portal-shipment-created");

    await page.goto(`${BASE}/portal/shipments/import`);
    await expectAccessible(page, "CSV import");
    await shot(page, "portal-import");
    const csv = [
      "warehouse_code,platform,merchant_tracking_code_reference,items,receiver.name,receiver.phone,receiver.address,receiver.province_code,receiver.district_code,receiver.ward_code",
      `${biz.wh},shopee,CSV-1,${a}:2;${c}:1,,,,,,`,
      `${biz.wh},retail,CSV-2,${a}:1,Nguyễn Văn An,0912345678,"12 Phố Huế, Hà Nội",01,001,00001`,
      `${biz.wh},retail,CSV-3,${a}:1,,,,,,`,
      `${biz.wh},shopee,CSV-4,OAPD99999999:1,,,,,,`,
    ].join("\n");
    await page.getByLabel("Tệp CSV", { exact: true }).setInputFiles({
      name: "shipments.csv", mimeType: "text/csv", buffer: Buffer.from(csv),
    });
    await page.getByRole("button", { name: "Kiểm tra tệp" }).click();
    await page.locator("#import-results[data-step=check]").waitFor();
    assert.equal((await page.locator("[data-ok]").first().textContent()).trim(), "2");
    assert.equal(await page.locator("#import-rows tr[data-ok=false]").count(), 2);
    assert.match(await page.locator("tr[data-row='4']").textContent(), /receiver/);
    // The check created nothing.
    assert.equal((await biz.api("GET", "/shipments/b2c?merchant_tracking_code_reference=CSV-1")).body.total, 0);
    await expectAccessible(page, "CSV dry run");
    await shot(page, "portal-import-check");

    await page.getByRole("button", { name: /Tạo vận đơn từ các dòng hợp lệ/ }).click();
    await page.locator("#import-results[data-step=create]").waitFor();
    assert.equal(await page.locator("#import-rows tr[data-ok=true] a").count(), 2);
    const created = await page.locator("#import-rows tr[data-ok=true] a").first().textContent();
    assert.equal((await biz.detail(created.trim())).merchant_tracking_code_reference, "CSV-1");
    await expectAccessible(page, "CSV import results");
    await shot(page, "portal-import-created");
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});
