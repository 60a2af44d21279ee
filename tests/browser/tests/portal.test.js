// The merchant portal in Chromium: sign-up → approval → sign-in → keys → API calls, lockout,
// cross-site refusal, the language switch, webhooks, and an accessibility scan of each page.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import {
  BASE, PASSWORD, apiStatus, businessOf, expectAccessible, openBrowser, ops, register, shot,
  signIn, uniqueEmail,
} from "../lib.js";

test("sign-up, approval, sign-in, then generate, use, reset and revoke a key", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const email = uniqueEmail("owner");
    await register(page, email, "API_USER");
    await assert.doesNotReject(
      page.getByRole("heading", { name: "Đăng ký đang chờ duyệt" }).waitFor(),
    );
    assert.equal(await page.locator("[data-status=PENDING]").count(), 1);
    await expectAccessible(page, "pending status");
    await shot(page, "portal-pending");
    // Nothing else opens while pending.
    await page.goto(`${BASE}/portal/developer`);
    assert.equal(new URL(page.url()).pathname, "/portal/");

    // Customer support approves through the operator API.
    const id = await businessOf(email);
    assert.equal((await ops("POST", `/businesses/${id}/approve`)).status, 200);

    // Sign out and in again.
    await page.getByRole("button", { name: "Đăng xuất" }).click();
    await page.waitForURL(/\/portal\/login/);
    await signIn(page, email, PASSWORD);
    await page.waitForURL(`${BASE}/portal/developer`);
    await expectAccessible(page, "developer tools (no key)");
    await shot(page, "portal-developer-empty");

    // Generate: the token shows once, with a copy button.
    await page.getByRole("button", { name: "Tạo khóa" }).click();
    const token = (await page.locator("[data-secret]").textContent()).trim();
    assert.match(token, /^dpk_/);
    assert.ok(await page.getByRole("button", { name: "Sao chép" }).isVisible());
    await expectAccessible(page, "developer tools (new key)");
    await shot(page, "portal-developer-new-key");
    assert.equal(await apiStatus(token), 200);

    // Reset: a new token, the old one refused at once.
    await page.getByRole("button", { name: "Đặt lại" }).click();
    await page.locator("[data-secret]").waitFor();
    const fresh = (await page.locator("[data-secret]").textContent()).trim();
    assert.notEqual(fresh, token);
    assert.equal(await apiStatus(token), 401);
    assert.equal(await apiStatus(fresh), 200);

    // Revoke the new one.
    const row = page.locator(`tr[data-key-id="${fresh.slice(0, 20)}"]`);
    await row.getByRole("button", { name: "Thu hồi" }).click();
    await page.waitForURL(`${BASE}/portal/developer`);
    await row.locator("[data-status=REVOKED]").waitFor();
    assert.equal(await apiStatus(fresh), 401);
    await shot(page, "portal-developer");

    // At phone width the same page works.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expectAccessible(page, "developer tools on a phone");
    await shot(page, "portal-developer-phone");
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});

test("five failed sign-ins lock the account for 15 minutes", async () => {
  const owner = await openBrowser();
  const email = uniqueEmail("locked");
  try {
    await register(owner.page, email);
  } finally {
    await owner.close();
  }
  const b = await openBrowser();
  const { page } = b;
  try {
    for (let i = 0; i < 4; i++) {
      await signIn(page, email, `wrong-${i}`);
      await page.getByText("Email hoặc mật khẩu không đúng").waitFor();
    }
    await signIn(page, email, "wrong-again");
    await page.getByText(/15 phút/).waitFor();
    // The right password is refused too, now.
    await signIn(page, email, PASSWORD);
    await page.getByRole("alert").getByText(/Đăng nhập sai quá nhiều lần/).waitFor();
    assert.equal(new URL(page.url()).pathname, "/portal/login");
    await expectAccessible(page, "sign-in with an error");
    await shot(page, "portal-login-locked");
  } finally {
    await b.close();
  }
});

test("a form posted from another site is refused", async () => {
  const b = await openBrowser();
  const { page } = b;
  // Another origin (another port) with a form aimed at Depot.
  const evil = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><title>evil</title>
      <form id=f method=post action="${BASE}/portal/developer/keys">
        <input name=csrf value=guess><button>go</button></form>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  try {
    const email = uniqueEmail("csrf");
    await register(page, email);
    const id = await businessOf(email);
    await ops("POST", `/businesses/${id}/approve`);
    await page.goto(`${BASE}/portal/developer`);

    // A token changed in the page: refused, nothing made.
    await page.locator("form[action='/portal/developer/keys'] input[name=csrf]")
      .evaluate((input) => { input.value = "tampered"; });
    await page.getByRole("button", { name: "Tạo khóa" }).click();
    await page.getByRole("heading", { name: "Yêu cầu bị từ chối" }).waitFor();
    await expectAccessible(page, "refused form");
    await shot(page, "portal-refused");

    // A cross-site form: refused (Sec-Fetch-Site: cross-site).
    await page.goto(`http://127.0.0.1:${evil.address().port}/`);
    await page.getByRole("button", { name: "go" }).click();
    await page.waitForURL(`${BASE}/portal/developer/keys`);
    assert.match(await page.content(), /Yêu cầu bị từ chối/);

    // No key was made by either.
    await page.goto(`${BASE}/portal/developer`);
    await page.getByText("Chưa có khóa API").waitFor();
  } finally {
    evil.close();
    await b.close();
  }
});

test("the language switch is remembered, and every page passes axe", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    await page.goto(`${BASE}/portal/login`);
    assert.equal(await page.getAttribute("html", "lang"), "vi");
    await expectAccessible(page, "sign-in");
    await shot(page, "portal-login");
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("heading", { name: "Sign in to the merchant portal" }).waitFor();
    assert.equal(await page.getAttribute("html", "lang"), "en");
    // Remembered on the next page without ?lang.
    await page.goto(`${BASE}/portal/register`);
    await page.getByRole("heading", { name: "Register your business" }).waitFor();
    await expectAccessible(page, "register");
    await shot(page, "portal-register-en");
    await page.getByRole("link", { name: "Tiếng Việt" }).click();
    await page.getByRole("heading", { name: "Đăng ký doanh nghiệp" }).waitFor();
    await shot(page, "portal-register");
    // A refused sign-up shows its errors accessibly.
    await page.getByRole("button", { name: "Đăng ký" }).click();
    await page.getByRole("alert").waitFor();
    await expectAccessible(page, "register with errors");
    await shot(page, "portal-register-errors");

    // Every page of an approved OMS business, in English.
    const email = uniqueEmail("pages");
    await page.goto(`${BASE}/portal/register?lang=en`);
    await page.getByLabel("Business name").fill("Sen Việt Co.");
    await page.getByLabel("Contact name").fill("Trần Minh");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Phone").fill("0987 654 321");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.locator("input[name=customer_type][value=OMS_USER]").check();
    await page.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(`${BASE}/portal/`);
    await ops("POST", `/businesses/${await businessOf(email)}/approve`);
    for (const [p, heading] of [
      ["/portal/developer", "Developer tools"],
      ["/portal/webhooks", "Webhooks"],
      ["/portal/reports", "Reports"],
      ["/portal/videos", "Videos"],
      ["/portal/logout", "Sign out"],
      ["/portal/password", "Change your password"],
      ["/portal/no-such-page", "Page not found"],
    ]) {
      await page.goto(`${BASE}${p}`);
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      await expectAccessible(page, p);
      await shot(page, `portal${p.replaceAll("/", "-").replace("-portal", "")}-en`);
    }
    // Another business's page is a 404 page.
    const res = await page.goto(`${BASE}/portal/webhooks/1`);
    assert.equal(res.status(), 404);
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});

test("webhooks: add, send a test event, see it in the log, replay", async () => {
  const b = await openBrowser();
  const { page } = b;
  try {
    const email = uniqueEmail("hooks");
    await register(page, email);
    await ops("POST", `/businesses/${await businessOf(email)}/approve`);
    await page.goto(`${BASE}/portal/webhooks`);
    await page.getByText("Chưa có đăng ký webhook").waitFor();
    await page.getByLabel("Địa chỉ nhận (URL)").fill("https://hooks.example.invalid/depot");
    await page.getByLabel("shipment.update_status", { exact: true }).check();
    await page.getByLabel("Ngôn ngữ của nhãn trạng thái").selectOption("en");
    await page.getByRole("button", { name: "Thêm đăng ký" }).click();
    const secret = (await page.locator("[data-secret]").textContent()).trim();
    assert.match(secret, /^whsec_/);
    await expectAccessible(page, "webhooks with a new secret");
    await shot(page, "portal-webhooks");
    await page.getByRole("link", { name: "https://hooks.example.invalid/depot" }).first().click();
    await page.getByRole("button", { name: "Gửi sự kiện thử" }).click();
    await page.getByText("Đã xếp hàng sự kiện thử").waitFor();
    // The worker fans the event out within moments; reload until it shows.
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.reload();
      found = (await page.locator("tr[data-delivery-id]").count()) > 0;
      if (!found) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(found, "the test event's delivery is in the log");
    await page.locator("tr[data-delivery-id]").first().getByText("webhook.test").waitFor();
    await page.locator("tr[data-delivery-id]").first().getByRole("button", { name: "Gửi lại" }).click();
    await page.getByText("Đã xếp hàng gửi lại lượt").waitFor();
    await page.getByLabel("Trạng thái", { exact: true }).selectOption("SUCCEEDED");
    await page.getByRole("button", { name: "Lọc" }).click();
    await page.waitForURL(/status=SUCCEEDED/);
    await expectAccessible(page, "webhook detail");
    await page.goto(page.url().replace(/\?.*$/, ""));
    await shot(page, "portal-webhook");
  } finally {
    await b.close();
  }
});
