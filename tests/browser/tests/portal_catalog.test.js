// The catalog side of the merchant portal in Chromium: products (form, CSV import with its
// dry run, assign), stock and its ledger, a purchase order created and cancelled, a return
// registered and cancelled, and the videos page playing a packing video — each page scanned
// by axe-core, at desktop and phone width.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, businessOf, expectAccessible, openBrowser, ops, register, shot, uniqueEmail } from "../lib.js";

/** A merchant API call with the business's key; answers the envelope's data. */
async function api(key, method, p, body) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: key, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

/** A small real WebM video, recorded from a canvas by the browser itself. */
async function recordWebm(page) {
  await page.goto("about:blank");
  const b64 = await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 180;
    document.body.append(canvas);
    const g = canvas.getContext("2d");
    const stream = canvas.captureStream(15);
    const rec = new MediaRecorder(stream, { mimeType: "video/webm;codecs=vp8" });
    const chunks = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start();
    for (let i = 0; i < 20; i++) {
      g.fillStyle = `hsl(${i * 18}, 70%, 45%)`;
      g.fillRect(0, 0, 320, 180);
      g.fillStyle = "#fff";
      g.font = "28px sans-serif";
      g.fillText(`Đóng gói ${i}`, 70, 100);
      await new Promise((r) => requestAnimationFrame(r));
    }
    rec.stop();
    await stopped;
    const buf = new Uint8Array(await new Blob(chunks, { type: "video/webm" }).arrayBuffer());
    let s = "";
    for (const b of buf) s += String.fromCharCode(b);
    return btoa(s);
  });
  return Buffer.from(b64, "base64");
}

async function uploadMedia(path, bytes, name) {
  const form = new FormData();
  form.append("station", "BÀN-02");
  form.append("file", new Blob([bytes], { type: "video/webm" }), name);
  const res = await fetch(`${BASE}/ops/v1${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.DEPOT_OPS_TOKEN ?? "browser-ops-token"}` },
    body: form,
  });
  assert.equal(res.status, 201, await res.text());
}

test("catalog pages: products and CSV import, stock, a PO, a return and the videos", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const email = uniqueEmail("catalog");
    await register(page, email, "OMS_USER");
    const id = await businessOf(email);
    assert.equal((await ops("POST", `/businesses/${id}/approve`)).status, 200);
    const key = (await ops("POST", `/businesses/${id}/api-keys`)).body.data.api_key;
    const wh = `WH-B${Date.now() % 1000000}`;
    const created = await ops("POST", "/warehouses", {
      warehouse_code: wh, name: "Kho Hà Nội 02", address: "1 Phố Huế, Hà Nội",
      province_code: "01", district_code: "001", ward_code: "00001",
    });
    assert.equal(created.status, 201);

    // Products: empty, then one by the form.
    await page.goto(`${BASE}/portal/products`);
    await page.getByText("Chưa có sản phẩm nào").waitFor();
    await expectAccessible(page, "products (none)");
    await page.getByLabel("SKU", { exact: true }).fill("AO-TRANG");
    await page.getByLabel("Tên sản phẩm").fill("Áo thun trắng cổ tròn");
    await page.getByLabel("Đơn vị tính").fill("cái");
    await page.getByLabel("Khối lượng (kg)").fill("0.3");
    await page.getByLabel("Dài (cm)").fill("30");
    await page.getByLabel("Rộng (cm)").fill("25");
    await page.getByLabel("Cao (cm)").fill("2");
    await page.getByLabel("Giá (VND)").fill("159000");
    await page.getByRole("button", { name: "Tạo sản phẩm" }).click();
    await page.waitForURL(/\/portal\/products\/OASIN/);
    const oasin = new URL(page.url()).pathname.split("/").pop();
    await page.locator("[data-status=NEW]").first().waitFor();
    await page.getByRole("combobox", { name: "Kho", exact: true }).selectOption(wh);
    await page.getByRole("button", { name: "Gán vào kho" }).click();
    await page.locator("[data-status=ACTIVE]").first().waitFor();

    // CSV import: the dry run lists each row's errors and creates nothing.
    await page.goto(`${BASE}/portal/products/import`);
    await expectAccessible(page, "product import");
    const csv = [
      "sku,name,brand_id,product_unit,barcodes,weight,length,width,height,price,min_stock_warning,inventory_tracking_type",
      "COC-SU,Cốc sứ men trắng,,cái,8938500000011,0.4,10,10,12,89000,5,NONE",
      "BUT-XANH,\"Bút bi, xanh\",,cây,,0.01,14,1,1,5000,20,NONE",
      "SO-TAY,Sổ tay A5,,quyển,,,21,15,1,45000,,NONE",
      "AO-TRANG,Áo thun (trùng),,,,0.3,30,25,2,,,NONE",
      "HOP-QUA,Hộp quà,,,,-1,20,20,10,,,BOX",
    ].join("\n");
    await page.getByLabel("Tệp CSV").setInputFiles({ name: "san-pham.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Kiểm tra tệp (chạy thử)" }).click();
    await page.locator("#dry-run").waitFor();
    assert.equal(await page.locator("#dry-run [data-result=ok]").count(), 2);
    assert.equal(await page.locator("#dry-run [data-result=error]").count(), 3);
    const before = await api(key, "GET", "/products");
    assert.equal(before.length, 1, "the dry run created nothing");
    await expectAccessible(page, "product import dry run");
    await shot(page, "portal-products-import-dry-run");
    await page.getByRole("button", { name: /Tạo sản phẩm hợp lệ/ }).click();
    await page.locator("#import-results").waitFor();
    assert.equal(await page.locator("#import-results [data-result=created]").count(), 2);
    assert.equal((await api(key, "GET", "/products")).length, 3);
    await expectAccessible(page, "product import results");

    // Assign the imported ones, add stock, and read the stock page and a ledger.
    const all = await api(key, "GET", "/products");
    for (const p of all.filter((p) => p.status === "NEW")) {
      await api(key, "PUT", `/products/${p.oasin}/assign`, { warehouse_code: wh });
    }
    for (const [p, n] of all.map((p, i) => [p, [40, 120, 8][i] ?? 10])) {
      await ops("POST", "/stock/adjustments", {
        business_id: id, warehouse_code: wh, oasin: p.oasin, stock_level: "A", quantity_delta: n, reason: "Kiểm kê đầu kỳ",
      });
    }
    await page.goto(`${BASE}/portal/products`);
    await page.locator("#products tr[data-oasin]").nth(2).waitFor();
    await expectAccessible(page, "products");
    await shot(page, "portal-products");
    await page.goto(`${BASE}/portal/products/${oasin}`);
    await expectAccessible(page, "product detail");
    await shot(page, "portal-product");
    await page.goto(`${BASE}/portal/stock`);
    await expectAccessible(page, "stock");
    await page.locator(`#stock-rows tr[data-oasin="${oasin}"]`).getByRole("link", { name: "Biến động" }).click();
    await page.locator("#ledger-rows").waitFor();
    await expectAccessible(page, "stock ledger");
    await shot(page, "portal-stock");

    // A purchase order: created on the form, shown, then cancelled.
    await page.goto(`${BASE}/portal/purchase-orders`);
    await page.getByText("Chưa có PO nào").waitFor();
    await expectAccessible(page, "purchase orders (none)");
    const createPo = async (ref) => {
      await page.getByLabel("Kho nhận").selectOption(wh);
      await page.getByLabel("Mã tham chiếu của bạn").fill(ref);
      await page.getByLabel("Mã kiện 1").fill(`${ref}-K1`);
      await page.getByLabel("Sản phẩm 1").selectOption(oasin);
      await page.getByLabel("Số lượng 1").fill("24");
      await page.getByLabel("Mã kiện 2").fill(`${ref}-K1`);
      await page.getByLabel("Sản phẩm 2").selectOption({ index: 2 });
      await page.getByLabel("Số lượng 2").fill("60");
      await page.getByLabel("Mã kiện 3").fill(`${ref}-K2`);
      await page.getByLabel("Sản phẩm 3").selectOption({ index: 3 });
      await page.getByLabel("Số lượng 3").fill("12");
      await page.getByRole("button", { name: "Tạo PO" }).click();
      await page.waitForURL(/\/portal\/purchase-orders\/OAPO/);
      return new URL(page.url()).pathname.split("/").pop();
    };
    const kept = await createPo("PO-THANG-12");
    await page.goto(`${BASE}/portal/purchase-orders`);
    const po = await createPo("PO-HUY");
    await page.locator("[data-status=TRANSIT]").first().waitFor();
    await expectAccessible(page, "purchase order");
    await shot(page, "portal-purchase-order");
    const bill = await page.locator("#po-bill").getAttribute("href");
    assert.equal(bill, `/portal/purchase-orders/${po}/bill`);
    await page.getByRole("button", { name: "Hủy PO" }).click();
    await page.locator("[data-status=CANCELLED]").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Hủy PO" }).count(), 0);
    await page.goto(`${BASE}/portal/purchase-orders`);
    assert.equal(await page.locator(`tr[data-po-code="${kept}"] [data-status=TRANSIT]`).count(), 1);
    assert.equal(await page.locator(`tr[data-po-code="${po}"] [data-status=CANCELLED]`).count(), 1);
    await expectAccessible(page, "purchase orders");
    await shot(page, "portal-purchase-orders");

    // A return of a shipment handed over to the carrier: registered, then cancelled.
    const ship = await api(key, "POST", "/shipments/b2c/create", {
      warehouse_code: wh, platform: "shopee", merchant_tracking_code_reference: `DH-${Date.now()}`,
      items: [{ oasin, product_quantity: 2 }],
    });
    for (const s of ["ALLOCATED", "PICKED", "PACKED", "HANDOVER"]) {
      assert.equal((await ops("POST", `/shipments/${ship.tracking_code}/status`, { status: s })).status, 200);
    }
    await page.goto(`${BASE}/portal/returns`);
    await page.getByText("Chưa có đơn hoàn nào").waitFor();
    await expectAccessible(page, "returns (none)");
    await page.getByLabel("Mã vận đơn gốc").fill(ship.tracking_code);
    await page.getByLabel("Kho nhận hàng hoàn").selectOption(wh);
    await page.getByLabel("Mã tham chiếu của bạn").fill("HOAN-001");
    await page.getByLabel("Mã vận đơn chiều hoàn").fill("GHN-RET-8812");
    await page.getByLabel("Sản phẩm 1").selectOption(oasin);
    await page.getByLabel("Số lượng 1").fill("1");
    await page.getByRole("button", { name: "Đăng ký hàng hoàn" }).click();
    await page.waitForURL(/\/portal\/returns\/OARSC/);
    const ret = new URL(page.url()).pathname.split("/").pop();
    await page.locator("[data-status=NEW]").first().waitFor();
    await expectAccessible(page, "return");
    await shot(page, "portal-return");

    // The videos page plays the packing video of the shipment and the return's inspection.
    const video = await recordWebm(page);
    await uploadMedia(`/shipments/${ship.tracking_code}/media`, video, "dong-goi.webm");
    await uploadMedia(`/return-shipments/${ret}/media`, video, "kiem-hang.webm");
    await page.goto(`${BASE}/portal/videos`);
    await page.locator("#videos video").nth(1).waitFor();
    assert.equal(await page.locator("#videos video").count(), 2);
    const played = await page.locator("#videos video").first().evaluate(
      (v) =>
        new Promise((resolve, reject) => {
          v.muted = true;
          v.addEventListener("timeupdate", () => v.currentTime > 0 && resolve(v.currentTime));
          v.addEventListener("error", () => reject(new Error(`video error ${v.error?.code}`)));
          v.play().catch(reject);
        }),
    );
    assert.ok(played > 0);
    await page.locator("#videos video").first().evaluate((v) => v.pause());
    await expectAccessible(page, "videos");
    await shot(page, "portal-videos");

    // The return: cancel it (still NEW).
    await page.goto(`${BASE}/portal/returns/${ret}`);
    await page.locator(".video-card video").waitFor();
    await page.getByRole("button", { name: "Hủy đơn hoàn" }).click();
    await page.locator("[data-status=CANCELLED]").first().waitFor();
    await page.goto(`${BASE}/portal/returns`);
    await expectAccessible(page, "returns");
    await shot(page, "portal-returns");

    // Phone width: the tables stack, the forms stay usable.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [p, name] of [
      ["/portal/products", "portal-products-phone"],
      [`/portal/purchase-orders/${kept}`, "portal-purchase-order-phone"],
      ["/portal/stock", "portal-stock-phone"],
    ]) {
      await page.goto(`${BASE}${p}`);
      await expectAccessible(page, `${p} on a phone`);
      await shot(page, name);
    }
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});
