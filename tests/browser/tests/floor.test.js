// The warehouse floor's console pages in Chromium: release a wave, print its pick list,
// confirm picks, pack at the pack station (a wrong and an extra unit refused on screen,
// then the weight), print the label, scan the parcel onto a courier's manifest and close it.
// Every step is typed like a keyboard-wedge scanner: into the focused field, then Enter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, depotCli, expectAccessible, openBrowser, ops, shot, signIn, uniqueEmail } from "../lib.js";

const NEW_PASSWORD = "Kho-Long-Biên-ca-sáng-2027";

async function api(token, method, p, body) {
  const res = await fetch(`${BASE}/api/v1${p}`, {
    method,
    headers: { Authorization: token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** A merchant with two products (barcodes BC-A-<tag>, BC-B-<tag>) stocked in a new warehouse. */
async function stockedWarehouse(tag) {
  const wh = `WH-F${tag}`;
  assert.equal((await ops("POST", "/warehouses", {
    warehouse_code: wh, name: `Kho ${tag}`, address: "5 Ngọc Lâm, Long Biên, Hà Nội",
  })).status, 201);
  const b = await ops("POST", "/businesses", { name: "Cửa hàng Sen Hồng", email: uniqueEmail("floor") });
  const id = b.body.data.business_id;
  await ops("POST", `/businesses/${id}/approve`);
  const key = (await ops("POST", `/businesses/${id}/api-keys`)).body.data.api_key;
  const oasins = [];
  for (const p of ["A", "B"]) {
    const created = await api(key, "POST", "/products/create", {
      sku: `SKU-${p}-${tag}`, name: `Áo thun ${p}`, weight: 0.3, length: 20, width: 15, height: 3,
      product_barcodes: [`BC-${p}-${tag}`],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const oasin = created.body.data.oasin;
    assert.equal((await api(key, "PUT", `/products/${oasin}/assign`, { warehouse_code: wh })).status, 200);
    const adj = await ops("POST", "/stock/adjustments", {
      business_id: id, warehouse_code: wh, oasin, stock_level: "A", quantity_delta: 20, reason: "test",
    });
    assert.equal(adj.status, 200);
    oasins.push(oasin);
  }
  return { wh, key, oasins };
}

async function shipment(key, wh, reference, items) {
  const r = await api(key, "POST", "/shipments/b2c/create", {
    warehouse_code: wh, platform: "shopee", merchant_tracking_code_reference: reference,
    courier_name: "GHN", items,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.data.tracking_code;
}

/** Types into the focused field and presses Enter, as a scanner does. */
async function scanInto(page, text) {
  await page.keyboard.type(text);
  // Enter submits the form: wait for the page it answers, so the next scan meets its field.
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.keyboard.press("Enter")]);
}

async function statusOf(key, code) {
  return (await api(key, "GET", `/shipments/${code}/detail`)).body.data;
}

test("release, pick, pack and hand over at the console, scanner-style", async () => {
  const tag = `${Date.now() % 1000000}`;
  const { wh, key, oasins } = await stockedWarehouse(tag);
  const [a, b] = oasins;
  const one = await shipment(key, wh, `F-${tag}-1`, [{ oasin: a, product_quantity: 1 }, { oasin: b, product_quantity: 1 }]);
  const two = await shipment(key, wh, `F-${tag}-2`, [{ oasin: a, product_quantity: 2 }]);

  const email = uniqueEmail("lead").replace("shop.example", "depot.example");
  const out = depotCli("operator", "create", "--email", email, "--role", "supervisor", "--warehouse", wh);
  const oneTime = out.match(/one-time password: (\S+)/)[1];
  const br = await openBrowser();
  const { page } = br;
  try {
    await signIn(page, email, oneTime, "console");
    await page.waitForURL(`${BASE}/console/password`);
    await page.getByLabel("Mật khẩu hiện tại").fill(oneTime);
    await page.getByLabel("Mật khẩu mới", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Nhập lại mật khẩu mới").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Lưu mật khẩu mới" }).click();
    await page.waitForURL(`${BASE}/console/`);

    // Release: both NEW shipments listed and chosen; one wave.
    await page.goto(`${BASE}/console/warehouses/${wh}/release`);
    await page.getByRole("heading", { name: `Phát hành đợt lấy hàng · ${wh}` }).waitFor();
    assert.equal(await page.locator(`tr[data-tracking-code]`).count(), 2);
    await expectAccessible(page, "release");
    await shot(page, "console-release");
    await page.getByRole("button", { name: "Phát hành đợt" }).click();
    await page.waitForURL(/\/waves\/\d+$/);
    const waveId = await page.locator("[data-wave-id]").getAttribute("data-wave-id");
    await page.getByText(`Đã phát hành đợt ${waveId}`).waitFor();
    assert.equal(await page.locator(`tr[data-status=ALLOCATED]`).count(), 2);
    await expectAccessible(page, "wave");
    await shot(page, "console-wave");
    const pickList = await page.request.get(`${BASE}/console/warehouses/${wh}/waves/${waveId}/pick-list`);
    assert.equal(pickList.status(), 200);
    assert.equal(pickList.headers()["content-type"], "application/pdf");
    assert.ok((await pickList.body()).subarray(0, 5).equals(Buffer.from("%PDF-")));
    assert.equal((await statusOf(key, one)).status_info.value, 200);

    // Pick: the field has the focus; Enter confirms; a wrong code is refused on screen.
    await page.goto(`${BASE}/console/warehouses/${wh}/pick`);
    await expectAccessible(page, "pick");
    await scanInto(page, one);
    await page.getByText(`Đã lấy hàng: ${one}`).waitFor();
    await scanInto(page, one);
    await page.getByText("Không được phép chuyển trạng thái này").waitFor();
    await scanInto(page, "OASC99999999");
    await page.getByText("Không tìm thấy vận đơn").waitFor();
    await shot(page, "console-pick");
    await scanInto(page, two);
    assert.equal((await statusOf(key, one)).status_info.value, 210);

    // Pack: open the box, a wrong product and an extra unit refused, then complete and weigh.
    await page.goto(`${BASE}/console/warehouses/${wh}/pack`);
    await expectAccessible(page, "pack station");
    await scanInto(page, one);
    await page.locator(`[data-tracking-code="${one}"]`).waitFor();
    await scanInto(page, "BC-NOPE");
    await page.getByRole("alert").getByText("Mã vạch này không thuộc sản phẩm nào của vận đơn").waitFor();
    // The refusal also sounds (depot.js plays a tone for an element with data-beep).
    await page.locator("html[data-beeped]").waitFor();
    await scanInto(page, `BC-A-${tag}`);
    await scanInto(page, `BC-A-${tag}`);
    await page.getByRole("alert").getByText("Đã đủ số lượng sản phẩm này trong thùng").waitFor();
    assert.equal(await page.locator(`tr[data-sku="SKU-A-${tag}"] [data-scanned]`).getAttribute("data-scanned"), "1");
    await expectAccessible(page, "pack station with a refused scan");
    await shot(page, "console-pack");
    await scanInto(page, `BC-B-${tag}`);
    await page.getByLabel("Khối lượng (kg)").waitFor();
    await scanInto(page, "0,8");
    await page.getByText(`Đã đóng gói: ${one}`).waitFor();
    const labelHref = await page.locator("#label-link").getAttribute("href");
    const label = await page.request.get(`${BASE}${labelHref}`);
    assert.equal(label.status(), 200);
    assert.equal(label.headers()["content-type"], "application/pdf");
    // The packing video's form comes with the label.
    await page.locator("#video-form #video-file").waitFor();
    await expectAccessible(page, "pack station after packing");
    const packed = await statusOf(key, one);
    assert.equal(packed.status_info.value, 220);
    assert.ok(packed.history.some((h) => h.actor === `console:${email}` && h.note === "weight 0.8 kg"));

    // Handover: a manifest for GHN, the packed parcel scanned on, an unpacked one refused, close.
    await page.goto(`${BASE}/console/warehouses/${wh}/manifests`);
    await expectAccessible(page, "manifests");
    await scanInto(page, "Giao Hàng Nhanh");
    await page.waitForURL(/\/manifests\/\d+$/);
    await expectAccessible(page, "manifest");
    await scanInto(page, one);
    await page.getByText(`Đã thêm vào biên bản: ${one}`).waitFor();
    await scanInto(page, two);
    await page.getByText(`${two}: Không được phép chuyển trạng thái này`).waitFor();
    assert.equal(await page.locator(`tr[data-tracking-code="${one}"][data-status=WAITING_HANDOVER]`).count(), 1);
    await shot(page, "console-manifest");
    await page.getByRole("button", { name: "Đóng biên bản và bàn giao" }).click();
    await page.waitForLoadState();
    await page.getByText("Đã đóng biên bản và bàn giao").waitFor();
    assert.equal(await page.locator("[data-status=CLOSED]").count(), 1);
    const doc = await page.request.get(`${BASE}${await page.locator("#manifest-document").getAttribute("href")}`);
    assert.equal(doc.status(), 200);
    assert.equal(doc.headers()["content-type"], "application/pdf");
    const handed = await statusOf(key, one);
    assert.equal(handed.status_info.value, 300);
    assert.equal(handed.courier_name, "Giao Hàng Nhanh");

    // English, and a phone-sized screen.
    await page.goto(`${BASE}/console/warehouses/${wh}/pack?lang=en`);
    await page.getByRole("heading", { name: `Pack station · ${wh}` }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/console/warehouses/${wh}/release`);
    await expectAccessible(page, "release on a phone");

    // Outside the operator's warehouses: 404, as if it did not exist.
    const other = await page.request.get(`${BASE}/console/warehouses/WH-NOT-MINE/release`);
    assert.equal(other.status(), 404);
    assert.deepEqual(br.cspViolations, []);
  } finally {
    await br.close();
  }
});
