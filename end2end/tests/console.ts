import { expect, type Browser, type Page } from "@playwright/test";

// The staff console as the demo clinic's owner (or another seeded clinic's), on a desk-sized
// screen: signed in, at the inbox.
// Page errors are collected in `errors`, so a test can say none happened.

export const OWNER = "owner@demo.example.jp";
export const PASSWORD = "yoyaku-demo-2026";

export async function ownerPage(browser: Browser, email = OWNER): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  await page.goto("/staff");
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await page.getByLabel("メールアドレス").fill(email);
  await page.getByLabel("パスワード").fill(PASSWORD);
  await page.getByRole("button", { name: "ログイン" }).click();
  await expect(page.getByRole("heading", { name: "予約リクエスト" })).toBeVisible();
  return page;
}
