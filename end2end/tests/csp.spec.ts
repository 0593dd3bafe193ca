import { expect, test, type Page } from "@playwright/test";
import { ownerPage } from "./console";

// Every page runs under its Content-Security-Policy without a single violation (hydration, the
// console's lazy chunks, the QR codes, the widget's preview frame), and script slipped into a
// page (an inline <script>, an onerror attribute) does not run. The header itself, page by page:
// server/tests/content_policy.rs.

type Watched = { __csp: string[]; __injected?: boolean };

/** Collects the page's CSP violations from its first script on, on every navigation. */
async function watch(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as Watched;
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as Watched).__csp);

test("patients' pages run under their policy, and script slipped into them does not run", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await watch(page);
  const nonces: string[] = [];
  for (const path of ["/", "/c/demo", "/liff/demo", "/w/demo"]) {
    const response = await page.goto(path);
    const policy = response?.headers()["content-security-policy"] ?? "";
    const nonce = /script-src 'self' 'nonce-([A-Za-z0-9_-]{22,})'/.exec(policy)?.[1];
    expect(nonce, `${path}: ${policy}`).toBeTruthy();
    expect(nonces).not.toContain(nonce);
    nonces.push(nonce!);
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
    expect(await violations(page), path).toEqual([]);
  }
  // The widget's next steps hydrate too.
  await page.locator("a.choice").first().click();
  await page.waitForURL(/menu=\d+/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  expect(await violations(page)).toEqual([]);

  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true";
    document.body.append(script);
    const img = document.createElement("img");
    img.setAttribute("src", "data:,not-an-image");
    img.setAttribute("onerror", "window.__injected = true");
    document.body.append(img);
  });
  await expect.poll(() => violations(page)).toEqual(expect.arrayContaining([expect.stringMatching(/^script-src-elem inline/), expect.stringMatching(/^script-src-attr inline/)]));
  expect(await page.evaluate(() => (window as unknown as Watched).__injected)).toBeUndefined();
  await context.close();
});

test("the staff console runs under its policy, every settings tab included", async ({ browser }) => {
  const owner = await ownerPage(browser);
  await watch(owner);
  for (const path of ["/staff", "/staff/calendar", "/staff/patients", "/staff/line-sandbox", "/staff/settings"]) {
    await owner.goto(path);
    await expect(owner.locator("body[data-hydrated]")).toBeAttached();
    await expect(owner.getByRole("heading", { level: 1 }).first()).toBeVisible();
    expect(await violations(owner), path).toEqual([]);
  }
  for (const tab of ["休診日・臨時診療", "メニュー", "医師・部屋", "問診", "プライバシー", "LINE連携", "院内ポスター", "ウェブサイト埋め込み", "スタッフ", "変更履歴"]) {
    await owner.getByRole("tab", { name: tab }).click();
    await expect(owner.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
  }
  // The QR codes (inline SVG) and the widget's preview frame are on their tabs.
  await owner.getByRole("tab", { name: "院内ポスター" }).click();
  await expect(owner.locator(".poster-qr svg")).toBeVisible();
  await owner.getByRole("tab", { name: "ウェブサイト埋め込み" }).click();
  await expect(owner.frameLocator("iframe").first().locator("body[data-hydrated]")).toBeAttached();
  expect(await violations(owner)).toEqual([]);
  expect(owner.errors).toEqual([]);
});
