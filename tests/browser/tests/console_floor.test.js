// The console's customer-support queue and floor pages in Chromium: approve and reject from
// the queue, receive a purchase order, grade a return; an axe-core scan of every page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, depotCli, expectAccessible, openBrowser, ops, shot, signIn, uniqueEmail } from "../lib.js";

const NEW_PASSWORD = "Bến-Nghé-kho-số-hai-2027";

/** A merchant API call with a token. */
async function api(token, method, p, body) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** An admin made by the CLI, signed in with its password changed. */
async function admin(page) {
  const email = uniqueEmail("cs").replace("shop.example", "depot.example");
  const out = depotCli("operator", "create", "--email", email, "--role", "admin");
  const oneTime = out.match(/one-time password: (\S+)/)[1];
  await signIn(page, email, oneTime, "console");
  await page.waitForURL(`${BASE}/console/password`);
  await page.getByLabel("Mật khẩu hiện tại").fill(oneTime);
  await page.getByLabel("Mật khẩu mới", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Nhập lại mật khẩu mới").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Lưu mật khẩu mới" }).click();
  await page.waitForURL(`${BASE}/console/`);
  return email;
}

async function business(name) {
  const r = await ops("POST", "/businesses", { name, email: uniqueEmail("biz") });
  assert.equal(r.status, 201);
  return r.body.data.business_id;
}

/** A warehouse, an approved merchant with a key and one product there. */
async function floorSetup() {
  const code = `WH-B${Date.now() % 100000}`;
  const wh = await ops("POST", "/warehouses", {
    warehouse_code: code, name: `Kho ${code}`, address: "1 Phố Huế, Hà Nội",
    province_code: "01", district_code: "001", ward_code: "00001",
  });
  assert.equal(wh.status, 201);
  const id = await business("Cửa hàng Sen Vàng");
  assert.equal((await ops("POST", `/businesses/${id}/approve`)).status, 200);
  const key = (await ops("POST", `/businesses/${id}/api-keys`)).body.data.api_key;
  const sku = `SKU-${Date.now()}`;
  const product = await api(key, "POST", "/products/create", {
    sku, name: "Áo thun", weight: 0.3, length: 30, width: 20, height: 2,
  });
  assert.equal(product.status, 201);
  const oasin = product.body.data.oasin;
  assert.equal((await api(key, "PUT", `/products/${oasin}/assign`, { warehouse_code: code })).status, 200);
  return { code, id, key, oasin };
}

test("the support queue approves and rejects; the detail page issues a key once", async () => {
  const pendingA = await business(`Hoa Mai ${Date.now()}`);
  const pendingB = await business(`Hoa Đào ${Date.now()}`);
  const b = await openBrowser();
  const { page } = b;
  try {
    await admin(page);
    await page.goto(`${BASE}/console/businesses?status=PENDING`);
    await expectAccessible(page, "console businesses");
    await shot(page, "console-businesses");
    const rowA = page.locator(`tr[data-business-id="${pendingA}"]`);
    await rowA.getByRole("button", { name: "Duyệt" }).click();
    await page.waitForURL(`${BASE}/console/businesses?status=PENDING`);
    await page.locator(".flash-success").waitFor();
    assert.equal((await ops("GET", `/businesses/${pendingA}`)).body.data.status, "APPROVED");
    const rowB = page.locator(`tr[data-business-id="${pendingB}"]`);
    await rowB.getByLabel("Lý do từ chối").fill("Thiếu giấy phép kinh doanh");
    await rowB.getByRole("button", { name: "Từ chối" }).click();
    await page.locator(".flash-success").waitFor();
    const rejected = (await ops("GET", `/businesses/${pendingB}`)).body.data;
    assert.equal(rejected.status, "REJECTED");
    assert.equal(rejected.status_note, "Thiếu giấy phép kinh doanh");

    await page.goto(`${BASE}/console/businesses/${pendingA}?lang=en`);
    await expectAccessible(page, "console business detail");
    await page.getByRole("button", { name: "Issue API key" }).click();
    const token = (await page.locator("[data-secret]").textContent()).trim();
    assert.match(token, /^dpk_/);
    await shot(page, "console-business-key");
    const use = await fetch(`${BASE}/api/v1/warehouses`, { headers: { Authorization: token } });
    assert.equal(use.status, 200);
    await page.goto(`${BASE}/console/operators`);
    await expectAccessible(page, "console operators");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/console/businesses`);
    await expectAccessible(page, "console businesses on a phone");
    await shot(page, "console-businesses-phone");
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});

test("receiving a purchase order and grading a return on the floor", async () => {
  const { code, id, key, oasin } = await floorSetup();
  const po = await api(key, "POST", "/purchase-orders/create", {
    warehouse_code: code, merchant_po_reference: `PO-${Date.now()}`,
    packages: [{ package_code: "PK-1", items: [{ oasin, product_quantity: 6 }] }],
  });
  assert.equal(po.status, 201, JSON.stringify(po.body));
  const poCode = po.body.data.po_code;
  const b = await openBrowser({ width: 390, height: 844 });
  const { page } = b;
  try {
    await admin(page);
    await page.goto(`${BASE}/console/warehouses/${code}/`);
    await expectAccessible(page, "console warehouse home");
    await page.getByRole("link", { name: "Nhận hàng nhập" }).click();
    await page.waitForURL(`${BASE}/console/warehouses/${code}/receiving`);
    // A keyboard-wedge scanner types into the focused field and presses Enter.
    await page.keyboard.type(poCode);
    await page.keyboard.press("Enter");
    await page.waitForURL(/po_code=/);
    await expectAccessible(page, "console receiving");
    await shot(page, "console-receiving-phone");
    await page.getByLabel("Số lượng cất kho").fill("5");
    await page.getByRole("button", { name: "Hoàn tất nhận hàng" }).click();
    await page.locator(".flash-success").waitFor();
    assert.equal(await page.locator(`[data-po="${poCode}"][data-status=COMPLETED]`).count(), 1);

    // The received units go out and come back: 2 sellable, 1 damaged.
    const shipment = await api(key, "POST", "/shipments/b2c/create", {
      warehouse_code: code, platform: "shopee", merchant_tracking_code_reference: `S-${Date.now()}`,
      items: [{ oasin, product_quantity: 3 }],
    });
    assert.equal(shipment.status, 200, JSON.stringify(shipment.body));
    const tracking = shipment.body.data.tracking_code;
    for (const status of ["ALLOCATED", "PICKED", "PACKED", "HANDOVER"]) {
      assert.equal((await ops("POST", `/shipments/${tracking}/status`, { status })).status, 200);
    }
    const ret = await api(key, "POST", "/return-shipments/b2c/create", {
      warehouse_code: code, shipment_tracking_code: tracking,
      merchant_return_tracking_code_reference: `R-${Date.now()}`,
      items: [{ oasin, product_quantity: 3 }],
    });
    assert.equal(ret.status, 200, JSON.stringify(ret.body));
    const retCode = ret.body.data.return_tracking_code;
    await page.goto(`${BASE}/console/warehouses/${code}/returns`);
    await page.keyboard.type(retCode);
    await page.keyboard.press("Enter");
    await page.waitForURL(/return_code=/);
    await expectAccessible(page, "console returns");
    await page.getByLabel("A — bán được").fill("2");
    await page.getByLabel("D1 — hư hỏng nhẹ").fill("1");
    await page.getByLabel("Ghi chú kiểm hàng").fill("hộp móp");
    await page.getByRole("button", { name: "Hoàn tất kiểm hàng hoàn" }).click();
    await page.locator(".flash-success").waitFor();
    assert.equal(await page.locator(`[data-return="${retCode}"][data-status=PROBLEM]`).count(), 1);
    await shot(page, "console-returns-phone");

    await page.goto(`${BASE}/console/warehouses/${code}/stock?business_id=${id}&oasin=${oasin}`);
    await expectAccessible(page, "console stock");
    assert.equal(await page.locator(`#balances tr[data-oasin="${oasin}"][data-level=A]`).count(), 1);
    await page.goto(`${BASE}/console/warehouses/${code}/carrier-updates`);
    await expectAccessible(page, "console carrier updates");
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${BASE}/console/warehouses/${code}/carrier-updates`);
    await shot(page, "console-carrier-updates");
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});
