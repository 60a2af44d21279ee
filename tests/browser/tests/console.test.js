// The operator console in Chromium: an operator made by the CLI signs in with its one-time
// password, must change it, then sees its role and warehouses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, depotCli, expectAccessible, openBrowser, shot, signIn, uniqueEmail } from "../lib.js";

test("first sign-in changes the one-time password; the start page shows role and warehouses", async () => {
  const email = uniqueEmail("admin").replace("shop.example", "depot.example");
  const out = depotCli("operator", "create", "--email", email, "--role", "admin");
  const oneTime = out.match(/one-time password: (\S+)/)[1];
  const b = await openBrowser();
  const { page } = b;
  try {
    await page.goto(`${BASE}/console/login`);
    await expectAccessible(page, "console sign-in");
    await shot(page, "console-login");
    await signIn(page, email, oneTime, "console");
    await page.waitForURL(`${BASE}/console/password`);
    await expectAccessible(page, "console password change");
    await shot(page, "console-password");
    await page.getByLabel("Mật khẩu hiện tại").fill(oneTime);
    await page.getByLabel("Mật khẩu mới", { exact: true }).fill("Bến-Nghé-kho-số-một-2027");
    await page.getByLabel("Nhập lại mật khẩu mới").fill("Bến-Nghé-kho-số-một-2027");
    await page.getByRole("button", { name: "Lưu mật khẩu mới" }).click();
    await page.waitForURL(`${BASE}/console/`);
    await page.getByText("Đã đổi mật khẩu.").waitFor();
    assert.equal(await page.locator("[data-role=ADMIN]").count(), 1);
    await expectAccessible(page, "console start page");
    await shot(page, "console-home");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expectAccessible(page, "console start page on a phone");
    await shot(page, "console-home-phone");
    // Sign out; the old one-time password no longer works.
    await page.getByRole("button", { name: "Đăng xuất" }).click();
    await page.waitForURL(/\/console\/login/);
    await signIn(page, email, oneTime, "console");
    await page.getByText("Email hoặc mật khẩu không đúng").waitFor();
    assert.deepEqual(b.cspViolations, []);
  } finally {
    await b.close();
  }
});
