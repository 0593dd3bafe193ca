import { chromium, expect, test, type Browser, type FrameLocator, type Page } from "@playwright/test";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { accessible } from "./axe";
import { ownerPage } from "./console";

// The website widget as a clinic's web designer uses it: the owner lists the clinic's website
// in the console and copies the snippet; a page on that website (a real server on another port:
// another origin) embeds the widget inline, as a popup and as a floating button. Another site is
// refused by the browser (CSP frame-ancestors), and the console and LIFF pages cannot be framed
// at all. The widget also works with JavaScript off, and hands the booking on to LINE (the
// sandbox's LIFF page) with the chosen place.

const BASE = process.env.YOYAKU_BASE_URL ?? "http://127.0.0.1:3000";

type Site = { origin: string; port: number; close: () => Promise<void> };

/** A clinic's website: a page per way of embedding, the snippet as the console shows it. */
async function site(): Promise<Site> {
  const script = `<script src="${BASE}/embed.js" async></script>`;
  const frame = (path: string) => `<iframe src="${BASE}${path}" title="${path}" onload="window.loaded = (window.loaded || 0) + 1"></iframe>`;
  const pages: Record<string, string> = {
    "/inline": `<h1>さくら内科</h1><div id="host" data-yoyaku-clinic="demo"></div>${script}`,
    "/popup": `<h1>さくら内科</h1><button type="button" id="open" data-yoyaku-popup="demo">予約する</button>${script}`,
    "/floating": `<h1>さくら内科</h1><div data-yoyaku-floating="demo"></div>${script}`,
    "/framed": `<h1>framing</h1>${frame("/w/demo")}${frame("/staff")}${frame("/liff/demo")}`,
  };
  const server = http.createServer((req, res) => {
    const body = pages[req.url ?? ""];
    res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>site</title></head><body>${body ?? ""}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let listed: Site;
let stranger: Site;

test.beforeAll(async ({ browser }) => {
  listed = await site();
  stranger = await site();
  // The same site under another name (localhost): to this server a third party, whose cookies
  // a browser may block inside its frames.
  await listWebsite(browser, listed.origin, `http://localhost:${listed.port}`);
});

test.afterAll(async () => {
  await listed.close();
  await stranger.close();
});

/** The owner lists the website in Settings → ウェブサイト埋め込み and sees the snippets. */
async function listWebsite(browser: Browser, origin: string, other: string) {
  const page = await ownerPage(browser);
  await page.getByRole("link", { name: "設定" }).click();
  await page.getByRole("tab", { name: "ウェブサイト埋め込み" }).click();
  const embedding = page.getByRole("region", { name: "ウェブサイト埋め込み" });
  const field = embedding.getByLabel(/埋め込むサイト/);
  await field.fill(`${origin}/\nnot a website`);
  await embedding.getByRole("button", { name: "保存" }).click();
  await expect(page.locator("#website_origins-error")).toContainText("https://www.example.jp");
  await field.fill(`${origin}/\n${other}`);
  await embedding.getByRole("button", { name: "保存" }).click();
  await expect(page.getByRole("status")).toHaveText("保存しました。");
  // The clinic's own from-address for e-mails: one plain address (then back to the default).
  const mail = page.getByRole("region", { name: "患者さまへのメール" });
  await mail.getByLabel(/差出人のメールアドレス/).fill("info@sakura");
  await mail.getByRole("button", { name: "保存" }).click();
  await expect(page.locator("#mail_from-error")).not.toBeEmpty();
  await mail.getByLabel(/差出人のメールアドレス/).fill("info@sakura.example.jp");
  await mail.getByRole("button", { name: "保存" }).click();
  await expect(page.locator("#mail_from-error")).toBeEmpty();
  await expect(page.getByRole("status")).toHaveText("保存しました。");
  await expect(page.getByLabel(/埋め込むサイト/)).toHaveValue(`${origin}\n${other}`);
  await expect(page.locator("#snippet-inline")).toHaveValue(`<div data-yoyaku-clinic="demo"></div>\n<script src="${BASE}/embed.js" async></script>`);
  // The preview is the widget itself, framed by the console (this server may frame it).
  await expect(page.frameLocator("iframe.widget-preview").getByRole("heading", { name: "さくら内科クリニック" })).toBeVisible();
  await page.context().close();
}

/** The frame is as tall as the widget: nothing scrolls inside it. */
async function noInnerScroll(page: Page, frame = page.locator("iframe.yoyaku-frame")) {
  await expect
    .poll(async () => (await frame.contentFrame().locator("html").evaluate((el) => el.scrollHeight - window.innerHeight)) <= 1)
    .toBe(true);
}

/** Menu → a free day → the first time → the LINE button; answers the button's address. */
async function chooseAPlace(w: FrameLocator, page?: Page): Promise<string> {
  await w.getByRole("link", { name: /^初診/ }).click();
  await expect(w.locator(".calendar-table")).toBeVisible();
  if (page) await noInnerScroll(page);
  // Late in a month the free days may all be in the next one.
  if ((await w.locator("td.day.free a").count()) === 0) await w.getByRole("link", { name: "次の月 ›" }).click();
  await w.locator("td.day.free a").first().click();
  await expect(w.locator(".times").first()).toBeVisible();
  const time = (await w.locator("a.time .time-at").first().textContent()) ?? "";
  await w.locator("a.time").first().click();
  await expect(w.locator(".chosen-when")).toContainText(time);
  const line = w.getByRole("link", { name: "LINEで予約" });
  await expect(line).toBeVisible();
  return (await line.getAttribute("href")) ?? "";
}

test("inline on the clinic's website: the frame grows with the widget, and the place goes on to LINE", async ({ page, context }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${listed.origin}/inline`);
  const w = page.frameLocator("iframe.yoyaku-frame");
  await expect(w.getByRole("heading", { name: "さくら内科クリニック" })).toBeVisible();
  await expect(page.locator("iframe.yoyaku-frame")).toHaveAttribute("title", "オンライン予約");
  await expect(page.locator("iframe.yoyaku-frame")).toHaveAttribute("style", /height: \d+px/);
  await noInnerScroll(page);
  // A message from anyone but the widget's own frames (here: the host page itself) is ignored.
  const height = await page.locator("iframe.yoyaku-frame").evaluate((f) => (f as HTMLIFrameElement).style.height);
  await page.evaluate(() => window.postMessage({ type: "yoyaku:height", height: 5 }, "*"));
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
  expect(await page.locator("iframe.yoyaku-frame").evaluate((f) => (f as HTMLIFrameElement).style.height)).toBe(height);
  const href = await chooseAPlace(w, page);
  await noInnerScroll(page);
  expect(href).toMatch(/^\/liff\/demo\?menu=\d+&date=\d{4}-\d{2}-\d{2}&place=\d+-\d+$/);
  const when = (await w.locator(".chosen-when").textContent()) ?? "";

  // In the sandbox the LIFF page opens (a new tab, never inside the frame) at the chosen place.
  const [liff] = await Promise.all([context.waitForEvent("page"), w.getByRole("link", { name: "LINEで予約" }).click()]);
  await liff.getByRole("button", { name: "お試しで始める" }).click();
  await expect(liff.locator(".chosen")).toContainText(when);
  await expect(liff.getByLabel("お名前")).toBeVisible();
  expect(errors).toEqual([]);
});

test("as a popup: a modal dialog that keeps focus, closes with Esc or its button, and gives focus back", async ({ page }) => {
  await page.goto(`${listed.origin}/popup`);
  const open = page.locator("#open");
  await open.click();
  const dialog = page.locator("dialog.yoyaku-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "閉じる" })).toBeFocused();
  const w = page.frameLocator("dialog iframe");
  await expect(w.getByRole("heading", { name: "さくら内科クリニック" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();

  // Esc pressed inside the widget closes it too; so does the close button.
  await open.click();
  await w.getByRole("link", { name: /^初診/ }).focus();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  await open.click();
  await dialog.getByRole("button", { name: "閉じる" }).click();
  await expect(dialog).toBeHidden();
});

test("as a floating button in the corner", async ({ page }) => {
  await page.goto(`${listed.origin}/floating`);
  const button = page.getByRole("button", { name: "予約する" });
  await expect(button).toHaveCSS("position", "fixed");
  await button.click();
  const w = page.frameLocator("dialog iframe");
  await chooseAPlace(w);
  await page.getByRole("button", { name: "閉じる" }).click();
  await expect(button).toBeFocused();
});

test("a website the clinic did not list cannot show the widget; nobody can frame the console or LIFF", async ({ page }) => {
  for (const origin of [stranger.origin, listed.origin]) {
    await page.goto(`${origin}/framed`);
    await page.waitForFunction(() => (window as unknown as { loaded?: number }).loaded === 3);
    // Every page of ours renders a <main>; a refused frame holds the browser's error page.
    const shown = async (path: string) => page.frameLocator(`iframe[title="${path}"]`).locator("main").count();
    expect(await shown("/staff"), origin).toBe(0);
    expect(await shown("/liff/demo"), origin).toBe(0);
    if (origin === stranger.origin) expect(await shown("/w/demo")).toBe(0);
    else await expect(page.frameLocator(`iframe[title="/w/demo"]`).getByRole("heading", { name: "さくら内科クリニック" })).toBeVisible();
  }
});

test("with JavaScript off, the widget still leads from menu to LINE", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto("/w/demo?lang=en");
  await expect(page).toHaveTitle(/ — booking$/);
  await page.getByRole("link", { name: /^First visit/ }).click();
  await expect(page.locator(".calendar-table")).toBeVisible();
  if ((await page.locator("td.day.free a").count()) === 0) await page.getByRole("link", { name: "Next ›" }).click();
  await page.locator("td.day.free a").first().click();
  await page.locator("a.time").first().click();
  await expect(page.getByRole("link", { name: "Book with LINE" })).toHaveAttribute("href", /^\/liff\/demo\?menu=\d+&date=.+&place=\d+-\d+$/);
  await context.close();
});

test("every step of the widget is accessible, in Japanese and in English", async ({ page }) => {
  for (const [lang, menu, next] of [["ja", /^初診/, "次の月 ›"], ["en", /^First visit/, "Next ›"]] as const) {
    await page.goto(`/w/demo?lang=${lang}`);
    await expect(page.locator("body[data-hydrated]")).toBeAttached();
    await accessible(page, `widget (${lang}): menus`);
    await page.getByRole("link", { name: menu }).click();
    await expect(page.locator(".calendar-table")).toBeVisible();
    await accessible(page, `widget (${lang}): the month`);
    if ((await page.locator("td.day.free a").count()) === 0) await page.getByRole("link", { name: next }).click();
    await page.locator("td.day.free a").first().click();
    await expect(page.locator("a.time").first()).toBeVisible();
    await accessible(page, `widget (${lang}): the day's times`);
    await page.locator("a.time").first().click();
    await expect(page.locator(".chosen-when")).toBeVisible();
    await accessible(page, `widget (${lang}): the chosen place`);
    await page.getByRole("link", { name: lang === "ja" ? "メールで予約" : "Book by e-mail" }).click();
    await expect(page.locator("form.details-form")).toBeVisible();
    await accessible(page, `widget (${lang}): the e-mail form`);
  }
});

/** Details, answers (初診's questions) and consent on the widget's e-mail form; then the code is sent. */
async function fillEmailForm(w: FrameLocator | Page, email: string, questions = true) {
  await w.getByLabel("お名前").fill("山田 花子");
  await w.getByLabel("フリガナ").fill("ヤマダ ハナコ");
  await w.getByLabel("電話番号").fill("090-1111-2222");
  await w.getByLabel("年", { exact: true }).fill("50");
  await w.getByLabel("月", { exact: true }).fill("4");
  await w.getByLabel("日", { exact: true }).fill("1");
  await w.getByLabel("メールアドレス").fill(email);
  if (questions) {
    await w.getByLabel(/今日はどうされましたか/).fill("のどの痛み");
    await w.getByRole("radio", { name: "今日" }).check();
  }
  await w.getByText("上記に同意します").click();
  await w.getByRole("button", { name: "確認コードを送る" }).click();
}

/** The code e-mailed to `email`, as the console's sandbox shows it (no SMTP in the demo). */
async function emailedCode(browser: Browser, email: string): Promise<string> {
  const page = await ownerPage(browser);
  let code = "";
  await expect
    .poll(async () => {
      await page.goto(`${BASE}/staff/line-sandbox`);
      await expect(page.locator(".line-chat")).toBeVisible();
      const mail = page.locator("li.mail-message").filter({ hasText: email }).filter({ hasText: "確認コード" }).first();
      if ((await mail.count()) === 0) return "";
      code = /(\d{6})/.exec((await mail.locator(".mail-subject").textContent()) ?? "")?.[1] ?? "";
      return code;
    }, { timeout: 15_000 })
    .toMatch(/^\d{6}$/);
  await page.context().close();
  return code;
}

test("without LINE: booked by e-mail inside the clinic's page, the code from the e-mail, and the website hears of it", async ({ page, browser }) => {
  const email = `hanako.${Date.now()}@example.jp`;
  await page.goto(`${listed.origin}/inline`);
  const booked = page.evaluate(
    () => new Promise((resolve) => document.getElementById("host")!.addEventListener("yoyaku:booked", (e) => resolve((e as CustomEvent).detail))),
  );
  const w = page.frameLocator("iframe.yoyaku-frame");
  await chooseAPlace(w);
  await w.getByRole("link", { name: "メールで予約" }).click();
  // An address the server refuses: said by its field, and nothing typed is lost.
  await fillEmailForm(w, email.replace(".jp", ""));
  await expect(w.locator("#email-error")).not.toBeEmpty();
  await expect(w.getByLabel("お名前")).toHaveValue("山田 花子");
  await expect(w.getByLabel(/今日はどうされましたか/)).toHaveValue("のどの痛み");
  await w.getByLabel("メールアドレス").fill(email);
  await w.getByRole("button", { name: "確認コードを送る" }).click();
  await expect(w.getByRole("heading", { name: "確認コードを入力してください" })).toBeVisible();
  await expect(w.getByText(`${email.slice(0, 2)}***@example.jp`)).toBeVisible();
  await noInnerScroll(page);

  // A wrong code is explained; the right one sends the request.
  const code = await emailedCode(browser, email);
  await w.getByLabel("確認コード(6桁)").fill(code === "000000" ? "111111" : "000000");
  await w.getByRole("button", { name: "予約を申し込む" }).click();
  await expect(w.getByRole("alert")).toContainText("確認コードが違います");
  await w.getByLabel("確認コード(6桁)").fill(code);
  await w.getByRole("button", { name: "予約を申し込む" }).click();
  await expect(w.getByRole("status")).toContainText("お申し込みを医院に送りました");
  const detail = (await booked) as { reference: string; status: string };
  expect(detail.status).toBe("requested");
  expect(detail.reference).toMatch(/^[0-9a-f]{32}$/);
  expect(Object.keys(detail).sort()).toEqual(["reference", "status"]);

  // The request is in the staff inbox, with the patient's name.
  const staff = await ownerPage(browser);
  const request = staff.getByTestId("request").filter({ hasText: email });
  await expect(request.getByRole("heading", { name: /山田 花子/ })).toBeVisible();
  await expect(request.getByTestId("channel")).toHaveText("ウェブ(メール確認済み)");
  await staff.context().close();
});

test("without LINE and without JavaScript: the e-mail booking works as plain HTML forms", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = `nojs.${Date.now()}@example.jp`;
  await page.goto(`${BASE}/w/demo`);
  await page.getByRole("link", { name: /^初診/ }).click();
  if ((await page.locator("td.day.free a").count()) === 0) await page.getByRole("link", { name: "次の月 ›" }).click();
  // Another day than the other tests' first one.
  await page.locator("td.day.free a").last().click();
  await page.locator("a.time").first().click();
  await page.getByRole("link", { name: "メールで予約" }).click();
  await fillEmailForm(page, email);
  await expect(page.getByRole("heading", { name: "確認コードを入力してください" })).toBeVisible();
  const code = await emailedCode(browser, email);
  await page.getByLabel("確認コード(6桁)").fill(code);
  await page.getByRole("button", { name: "予約を申し込む" }).click();
  await expect(page.getByRole("status")).toContainText("お申し込みを医院に送りました");
  await context.close();
});

/** The link of the newest e-mail to `email` that has one, as the console's sandbox shows it. */
async function emailedLink(browser: Browser, email: string): Promise<string> {
  const page = await ownerPage(browser);
  let link = "";
  await expect
    .poll(async () => {
      await page.goto(`${BASE}/staff/line-sandbox`);
      await expect(page.locator(".line-chat")).toBeVisible();
      const mail = page.locator("li.mail-message").filter({ hasText: email }).filter({ hasText: "/w/demo/a/" }).first();
      if ((await mail.count()) === 0) return "";
      link = /\/w\/demo\/a\/[0-9a-f]{32}\?k=[0-9a-f]+/.exec((await mail.locator(".mail-body").textContent()) ?? "")?.[0] ?? "";
      return link;
    }, { timeout: 15_000 })
    .toMatch(/^\/w\/demo\/a\//);
  await page.context().close();
  return link;
}

/** A free day's time in the widget's month (`day`, `time`: which of them); answers the time. */
async function pickTime(w: FrameLocator | Page, day: "first" | "last" | number, time: "first" | "last" | number): Promise<string> {
  await expect(w.locator(".calendar-table")).toBeVisible();
  if ((await w.locator("td.day.free a").count()) < 3) await w.getByRole("link", { name: "次の月 ›" }).click();
  const days = w.locator("td.day.free a");
  await (day === "first" ? days.first() : day === "last" ? days.last() : days.nth(day)).click();
  const times = w.locator("a.time");
  await expect(times.first()).toBeVisible();
  const chosen = time === "first" ? times.first() : time === "last" ? times.last() : times.nth(time);
  const at = (await chosen.locator(".time-at").textContent()) ?? "";
  await chosen.click();
  await expect(w.locator(".chosen-when")).toContainText(at);
  return at;
}

test("from the e-mail's link, a website patient moves a confirmed visit to another time", async ({ page, browser }) => {
  const email = `move.${Date.now()}@example.jp`;
  await page.goto(`${BASE}/w/demo`);
  // 再診 confirms at once.
  await page.getByRole("link", { name: /^再診/ }).click();
  await pickTime(page, "last", "last");
  await page.getByRole("link", { name: "メールで予約" }).click();
  await fillEmailForm(page, email, false);
  await page.getByLabel("確認コード(6桁)").fill(await emailedCode(browser, email));
  await page.getByRole("button", { name: "予約を申し込む" }).click();
  await expect(page.getByRole("status")).toContainText("ご予約が確定しました");

  // The confirmation e-mail's link: the visit, and 日時を変更する.
  const link = await emailedLink(browser, email);
  await page.goto(`${BASE}${link}`);
  await expect(page.locator(".status")).toHaveText("予約確定");
  await accessible(page, "the e-mail link's appointment page");
  const before = (await page.locator(".chosen-when").textContent()) ?? "";
  await page.getByRole("link", { name: "日時を変更する" }).click();
  await expect(page.getByRole("note").filter({ hasText: "ご予約の日時を変更します" })).toBeVisible();
  await expect(page.getByRole("link", { name: "‹ メニュー選択に戻る" })).toHaveCount(0);
  const at = await pickTime(page, 1, "last");
  await accessible(page, "moving a visit: the new time");
  await page.getByRole("button", { name: "この日時に変更する" }).click();

  // The new visit's page (confirmed at once); the old one is let go.
  await expect(page.getByRole("status")).toContainText("日時の変更を受け付けました");
  await expect(page.locator(".status")).toHaveText("予約確定");
  await expect(page.locator(".chosen-when")).toContainText(at);
  expect(await page.locator(".chosen-when").textContent()).not.toBe(before);
  await page.goto(`${BASE}${link}`);
  await expect(page.locator(".status")).not.toHaveText("予約確定");
  await expect(page.getByRole("link", { name: "日時を変更する" })).toHaveCount(0);

  // What the clinic holds about them (both visits), and the request to delete it.
  await page.getByRole("link", { name: "ご登録の情報の確認・削除の依頼" }).click();
  await expect(page.getByRole("heading", { name: "医院が保管しているあなたの情報" })).toBeVisible();
  await expect(page.locator(".my-data-details")).toContainText(email);
  await expect(page.locator(".my-data-visit")).toHaveCount(2);
  await accessible(page, "the e-mail link's data page");
  await page.getByRole("button", { name: "データの削除を依頼する" }).click();
  await expect(page.locator(".deletion-requested")).toBeVisible();
});

test("at 200 % zoom on a phone (180 CSS pixels wide), every step of the e-mail booking fits and works", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 180, height: 370 }, deviceScaleFactor: 4, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const fits = async (step: string) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${step}: nothing wider than the screen`).toBeLessThanOrEqual(0);
  };
  const email = `zoom.${Date.now()}@example.jp`;
  await page.goto(`${BASE}/w/demo`);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await fits("menus");
  await page.getByRole("link", { name: /^初診/ }).click();
  await expect(page.locator(".calendar-table")).toBeVisible();
  await fits("the month");
  await pickTime(page, "last", 1);
  await fits("the chosen place");
  await page.getByRole("link", { name: "メールで予約" }).click();
  await expect(page.locator("form.details-form")).toBeVisible();
  await fits("the e-mail form");
  await fillEmailForm(page, email);
  await expect(page.getByRole("heading", { name: "確認コードを入力してください" })).toBeVisible();
  await fits("the code");
  await page.getByLabel("確認コード(6桁)").fill(await emailedCode(browser, email));
  await page.getByRole("button", { name: "予約を申し込む" }).click();
  await expect(page.getByRole("status")).toContainText("お申し込みを医院に送りました");
  await fits("sent");
  await context.close();
});

/** Whether the widget's frame on the clinic's page at `host` can keep a cookie. */
async function frameKeepsCookies(page: Page, host: string): Promise<boolean> {
  await page.goto(`${host}/inline`);
  await expect(page.frameLocator("iframe.yoyaku-frame").getByRole("link", { name: /^初診/ })).toBeVisible();
  return page.frames().find((f) => f.url().includes("/w/demo"))!.evaluate(() => {
    document.cookie = "yoyaku-probe=1; SameSite=None; Secure; path=/";
    return document.cookie.includes("yoyaku-probe=1");
  });
}

test("in a browser that blocks third-party cookies, the widget inside another site's page books by e-mail", async ({ browser, page: ordinary }) => {
  // The probe can tell: on a page of the same site (127.0.0.1) the frame keeps a cookie.
  expect(await frameKeepsCookies(ordinary, listed.origin), "a same-site frame keeps its cookies").toBe(true);
  // Chromium's own setting 「サードパーティ Cookie をブロックする」, in a fresh profile.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "yoyaku-3pc-"));
  fs.mkdirSync(path.join(profile, "Default"));
  fs.writeFileSync(path.join(profile, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true } }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    viewport: { width: 360, height: 740 },
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  });
  try {
    const page = await context.newPage();
    // On another site (localhost), the frame keeps none.
    expect(await frameKeepsCookies(page, `http://localhost:${listed.port}`), "third-party cookies are blocked in the frame").toBe(false);
    const booked = page.evaluate(
      () => new Promise((resolve) => document.getElementById("host")!.addEventListener("yoyaku:booked", (e) => resolve((e as CustomEvent).detail))),
    );
    const frame = page.frameLocator("iframe.yoyaku-frame");

    const email = `nocookies.${Date.now()}@example.jp`;
    await frame.getByRole("link", { name: /^初診/ }).click();
    await pickTime(frame, "last", 2);
    await frame.getByRole("link", { name: "メールで予約" }).click();
    await fillEmailForm(frame, email);
    await expect(frame.getByRole("heading", { name: "確認コードを入力してください" })).toBeVisible();
    await frame.getByLabel("確認コード(6桁)").fill(await emailedCode(browser, email));
    await frame.getByRole("button", { name: "予約を申し込む" }).click();
    await expect(frame.getByRole("status")).toContainText("お申し込みを医院に送りました");
    expect(((await booked) as { status: string }).status).toBe("requested");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
