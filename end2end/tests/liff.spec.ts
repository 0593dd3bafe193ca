import { expect, test, type Page } from "@playwright/test";
import { accessible } from "./axe";
import { moveVisit } from "./clock";
import { linePatient } from "./line";

// The LIFF mini-app with the real @line/liff SDK and LINE's official @line/liff-mock plugin
// (the server runs with --liff-sdk mock). The clinic "line-demo" is connected to a local fake
// of LINE's API, which issues the ID tokens the mock hands to the page; the server verifies them
// with that fake exactly as it would with LINE.

async function openLiff(page: Page) {
  await page.goto("/liff/line-demo");
  await expect(page.getByRole("tab", { name: "予約する" })).toBeVisible();
}

async function chooseMenuDayPlace(page: Page, menu: RegExp, dayIndex = 0) {
  await page.getByRole("button", { name: menu }).click();
  const days = page.locator("button.day.free");
  await expect(page.locator(".calendar-grid")).toBeVisible();
  // Late in a month the free days may all be in the next one.
  if ((await days.count()) <= dayIndex) {
    await page.getByRole("button", { name: "次の月" }).click();
  }
  await expect(days.first()).toBeVisible();
  await days.nth(dayIndex).click();
  const places = page.locator("button.place-choice");
  await expect(places.first()).toBeVisible();
}

async function fillDetails(page: Page, phone = "090-1234-5678") {
  await page.getByLabel("お名前").fill("山田 花子");
  await page.getByLabel("フリガナ").fill("ヤマダ ハナコ");
  await page.getByLabel("電話番号").fill(phone);
  // 昭和25年 as on the insurance card, not a date picker that opens on this year.
  await page.getByLabel("年号").selectOption({ label: "昭和" });
  await page.getByLabel("年", { exact: true }).fill("25");
  await page.getByLabel("月", { exact: true }).selectOption("4");
  await page.getByLabel("日", { exact: true }).selectOption("1");
}

async function answerFirstVisitQuestions(page: Page) {
  await page.getByLabel(/今日はどうされましたか/).fill("頭痛が続いています");
  await page.getByLabel("2〜3日前").check();
  await page.getByLabel("いいえ").check();
}

async function consentAndReview(page: Page) {
  await page.getByLabel("個人情報の取り扱いに同意します").check();
  await page.getByRole("button", { name: "確認へ進む" }).click();
  await expect(page.getByRole("heading", { name: "内容の確認" })).toBeVisible();
}

async function send(page: Page) {
  await page.getByRole("button", { name: "この内容で送信する" }).click();
}

async function myAppointments(page: Page) {
  await page.getByRole("tab", { name: "予約の確認" }).click();
  await expect(page.getByRole("heading", { name: "予約の確認" })).toBeVisible();
}

test("a time-slot request is sent, held for the clinic, and listed in My appointments", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  await expect(page).toHaveTitle(/^さくら内科クリニック.* のご予約$/);
  await accessible(page, "LIFF: menus");
  await page.getByRole("button", { name: /^初診/ }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  await accessible(page, "LIFF: the month");
  await page.getByRole("button", { name: "メニュー選択に戻る" }).click();
  await chooseMenuDayPlace(page, /^初診/);
  await accessible(page, "LIFF: the day's times");
  // The date is said once above the times.
  const when = `${await page.locator(".day-said-once").textContent()} ${await page.locator("button.place-choice .time-at").first().textContent()}`;
  expect(when).toMatch(/^\d{1,2}月\d{1,2}日\([月火水木金土日]\) \d{2}:\d{2}$/);
  await page.locator("button.place-choice").first().click();
  await expect(page.getByLabel("お名前")).toBeVisible();
  await accessible(page, "LIFF: details and questions");
  await fillDetails(page);
  await answerFirstVisitQuestions(page);
  await consentAndReview(page);
  await accessible(page, "LIFF: review");
  await expect(page.locator(".review-when")).toHaveText(when);
  await send(page);
  const card = page.locator("section.appointment");
  await expect(card.locator(".status")).toHaveText("承認待ち");
  await accessible(page, "LIFF: sent");
  await expect(card.locator(".when")).toHaveText(when);
  await expect(card.locator(".hold")).toContainText("まで枠を確保しています");

  await myAppointments(page);
  const listed = page.locator(".upcoming section.appointment");
  await expect(listed).toHaveCount(1);
  await expect(listed.locator(".status")).toHaveText("承認待ち");
  await expect(listed.locator(".when")).toHaveText(when);
  await accessible(page, "LIFF: my appointments");

  // The request's own status page, by its opaque reference (what LINE messages link to).
  const reference = await listed.getAttribute("data-reference");
  expect(reference).toMatch(/^[0-9a-f]{32}$/);
  await page.goto(`/liff/line-demo/a/${reference}`);
  await expect(page.getByRole("heading", { name: "ご予約の状況" })).toBeVisible();
  await expect(page.locator(`section.appointment[data-reference="${reference}"] .status`).first()).toHaveText("承認待ち");
  expect((page as Page & { errors: string[] }).errors).toEqual([]);
});

test("a patient withdraws a request the clinic has not answered, and its time is free again", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  await chooseMenuDayPlace(page, /^初診/, 1);
  const startsAt = await page.locator("button.place-choice").first().getAttribute("data-starts-at");
  await page.locator("button.place-choice").first().click();
  await fillDetails(page);
  await answerFirstVisitQuestions(page);
  await consentAndReview(page);
  await send(page);
  await expect(page.locator("section.appointment .status")).toHaveText("承認待ち");

  await myAppointments(page);
  const request = page.locator(".upcoming section.appointment");
  await expect(request).toHaveCount(1);
  // A request cannot be cancelled or moved yet, only taken back, and only after a second "yes".
  await expect(request.getByRole("button", { name: "キャンセルする" })).toHaveCount(0);
  await request.getByRole("button", { name: "申し込みを取り下げる" }).click();
  await expect(request).toContainText("この申し込みを取り下げますか?");
  await request.getByRole("button", { name: "はい、取り下げます" }).click();
  await expect(page.getByRole("status")).toHaveText("予約の申し込みを取り下げました。");
  await expect(page.locator(".upcoming section.appointment")).toHaveCount(0);
  await expect(page.locator(".past section.appointment .status")).toHaveText("キャンセル済み");

  // The place is offered again.
  await page.getByRole("tab", { name: "予約する" }).click();
  await chooseMenuDayPlace(page, /^初診/, 1);
  await expect(page.locator(`button.place-choice[data-starts-at="${startsAt}"]`)).toHaveCount(1);
  expect((page as Page & { errors: string[] }).errors).toEqual([]);
});

test("a time-band place and a day-queue place are booked end to end", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  await chooseMenuDayPlace(page, /^健康診断/);
  await expect(page.locator("button.place-choice .time-at").first()).toHaveText(/\d{2}:\d{2}〜\d{2}:\d{2}$/);
  await page.locator("button.place-choice").first().click();
  await fillDetails(page);
  await consentAndReview(page);
  await send(page);
  await expect(page.locator("section.appointment .status")).toHaveText("承認待ち");

  // Next time (a new visit to the page), the details are remembered from the first request.
  await openLiff(page);
  await chooseMenuDayPlace(page, /^予防接種/);
  await expect(page.locator("button.place-choice .time-at").first()).toContainText("順番受付");
  await page.locator("button.place-choice").first().click();
  await expect(page.getByLabel("電話番号")).toHaveValue("09012345678");
  await expect(page.getByLabel("お名前")).toHaveValue("山田 花子");
  await expect(page.getByLabel("年", { exact: true })).toHaveValue("1950");
  await consentAndReview(page);
  await send(page);
  const card = page.locator("section.appointment");
  await expect(card.locator(".status")).toHaveText("予約確定");
  await expect(card.locator(".queue-number")).toHaveText(/^受付番号 \d+番$/);

  await myAppointments(page);
  await expect(page.locator(".upcoming section.appointment")).toHaveCount(2);
});

test("a bad phone number gets its own error and nothing typed is lost", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  await chooseMenuDayPlace(page, /^初診/);
  await page.locator("button.place-choice").first().click();
  await fillDetails(page, "12-34");
  await answerFirstVisitQuestions(page);
  await consentAndReview(page);
  await send(page);
  const phoneError = page.locator("#phone-error");
  await expect(phoneError).toContainText("電話番号は0から始まる");
  await expect(page.getByLabel("電話番号")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#name-error")).toBeEmpty();
  await expect(page.getByLabel("お名前")).toHaveValue("山田 花子");
  await expect(page.getByLabel(/今日はどうされましたか/)).toHaveValue("頭痛が続いています");
  await page.getByLabel("電話番号").fill("03-1234-5678");
  await consentAndReview(page);
  await send(page);
  await expect(page.locator("section.appointment .status")).toHaveText("承認待ち");
});

test("a confirmed visit is cancelled inside the cut-off and refused after it", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  // 再診 is confirmed at once; its cut-off is 3 hours before the visit. Book two visits.
  for (const index of [0, 1]) {
    await chooseMenuDayPlace(page, /^再診/, index);
    await page.locator("button.place-choice").last().click();
    if (index === 0) await fillDetails(page);
    await consentAndReview(page);
    await send(page);
    await expect(page.locator("section.appointment .status")).toHaveText("予約確定");
    const reference = await page.locator("section.appointment").getAttribute("data-reference");
    if (index === 1) {
      // The clock moves on: this visit now starts in 30 minutes, inside the cut-off.
      moveVisit(reference ?? "", 30);
    }
    await page.getByRole("button", { name: "別の予約をする" }).click();
  }
  await myAppointments(page);
  const cards = page.locator(".upcoming section.appointment");
  await expect(cards).toHaveCount(2);
  // Newest first: the moved visit (30 minutes from now) has no cancel button and says why.
  const soon = cards.filter({ hasText: "キャンセル期限" });
  await expect(soon).toHaveCount(1);
  await expect(soon.getByRole("button", { name: "キャンセルする" })).toHaveCount(0);
  await expect(soon.locator(".cancel-note")).toContainText("過ぎました");
  // The server refuses it too, whatever the page shows.
  const soonRef = await soon.getAttribute("data-reference");
  const refused = await page.evaluate(async (reference) => {
    const body = new URLSearchParams({ slug: "line-demo", reference: reference ?? "", key: crypto.randomUUID(), lang: "ja" });
    const r = await fetch("/api/liff/cancel", { method: "POST", body, headers: { Accept: "application/json" } });
    return { status: r.status, error: await r.json() };
  }, soonRef);
  expect(refused.status).toBe(409);
  expect(refused.error.code).toBe("past_cut_off");
  expect(refused.error.message).toContain("キャンセル期限");

  const later = cards.filter({ hasText: "までキャンセルできます" });
  await later.getByRole("button", { name: "キャンセルする" }).click();
  await later.getByRole("button", { name: "はい、キャンセルします" }).click();
  await expect(page.getByRole("status")).toHaveText("予約をキャンセルしました。");
  await expect(page.locator(".past section.appointment .status")).toHaveText("キャンセル済み");
});

test("a visit is rescheduled: the new time replaces the old one once confirmed", async ({ browser }) => {
  const page = await linePatient(browser);
  await openLiff(page);
  await chooseMenuDayPlace(page, /^再診/, 1);
  await page.locator("button.place-choice").first().click();
  await fillDetails(page);
  await consentAndReview(page);
  await send(page);
  const oldWhen = (await page.locator("section.appointment .when").textContent()) ?? "";
  await myAppointments(page);
  await page.getByRole("button", { name: "日時を変更" }).click();
  await expect(page.locator(".flow .notice")).toContainText(`${oldWhen} の予約を変更します`);
  // Straight to the days of the same menu.
  await expect(page.locator(".calendar-grid")).toBeVisible();
  if ((await page.locator("button.day.free").count()) <= 2) await page.getByRole("button", { name: "次の月" }).click();
  await page.locator("button.day.free").nth(2).click();
  await page.locator("button.place-choice").last().click();
  await consentAndReview(page);
  await send(page);
  const newWhen = (await page.locator("section.appointment .when").textContent()) ?? "";
  expect(newWhen).not.toBe(oldWhen);
  await expect(page.locator("section.appointment .status")).toHaveText("予約確定");
  await myAppointments(page);
  await expect(page.locator(".upcoming section.appointment .when")).toHaveText([newWhen]);
  await expect(page.locator(".past section.appointment")).toContainText(["キャンセル済み"]);
  await expect(page.locator(".past section.appointment .when")).toHaveText([oldWhen]);
});

test("two patients race for the last place: one wins, the other is told and sees fresh times", async ({ browser }) => {
  const first = await linePatient(browser);
  const second = await linePatient(browser);
  for (const page of [first, second]) {
    await openLiff(page);
    await chooseMenuDayPlace(page, /^初診/, 2);
  }
  const chosen = await first.locator("button.place-choice").first().getAttribute("data-starts-at");
  expect(await second.locator("button.place-choice").first().getAttribute("data-starts-at")).toBe(chosen);
  for (const page of [first, second]) {
    await page.locator("button.place-choice").first().click();
    await fillDetails(page);
    await answerFirstVisitQuestions(page);
    await consentAndReview(page);
  }
  await send(first);
  await expect(first.locator("section.appointment .status")).toHaveText("承認待ち");
  await send(second);
  await expect(second.getByRole("alert").filter({ hasText: "この枠は先ほど埋まりました" })).toBeVisible();
  // Back at the times of that day, without the taken one.
  await expect(second.locator("button.place-choice").first()).toBeVisible();
  await expect(second.locator(`button.place-choice[data-starts-at="${chosen}"]`)).toHaveCount(0);
});

test("English follows LINE's language", async ({ browser }) => {
  const page = await linePatient(browser, "en-US");
  await page.goto("/liff/line-demo");
  await expect(page.getByRole("tab", { name: "Book" })).toBeVisible();
  await page.getByRole("button", { name: /^First visit/ }).click();
  await expect(page.getByRole("heading", { name: /Choose a day/ })).toBeVisible();
});

test("a patient who is not a friend of the clinic's account is asked to add it, as LINE tells the server", async ({ browser }) => {
  const stranger = await linePatient(browser, "ja", false);
  await openLiff(stranger);
  await expect(stranger.getByRole("note").filter({ hasText: "友だち追加してください" })).toBeVisible();
  await accessible(stranger, "LIFF: the add-friend prompt");
  const friend = await linePatient(browser, "ja", true);
  await openLiff(friend);
  await expect(friend.getByRole("note").filter({ hasText: "友だち追加してください" })).toHaveCount(0);
});

test("the sandbox clinic signs in without LINE, clearly marked", async ({ page }) => {
  await page.goto("/liff/demo");
  await expect(page.locator(".sandbox-banner")).toContainText("サンドボックス");
  await page.getByRole("button", { name: "お試しで始める" }).click();
  await expect(page.getByRole("tab", { name: "予約する" })).toBeVisible();
});

test("at 200 % zoom on a phone (180 CSS pixels wide), every step of booking in LINE fits and works", async ({ browser }) => {
  const page = await linePatient(browser, "ja", true, 180);
  const fits = async (step: string) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${step}: nothing wider than the screen`).toBeLessThanOrEqual(0);
  };
  await openLiff(page);
  await fits("menus");
  await page.getByRole("button", { name: /^初診/ }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  await fits("the month");
  const days = page.locator("button.day.free");
  if ((await days.count()) < 3) await page.getByRole("button", { name: "次の月" }).click();
  await days.nth(2).click();
  await expect(page.locator("button.place-choice").first()).toBeVisible();
  await fits("the day's times");
  await page.locator("button.place-choice").last().click();
  await fillDetails(page);
  await answerFirstVisitQuestions(page);
  await fits("the details and questions");
  await consentAndReview(page);
  await fits("the review");
  await send(page);
  await expect(page.locator("section.appointment .status")).toHaveText("承認待ち");
  await fits("sent");
  await myAppointments(page);
  await fits("my appointments");
  await page.context().close();
});
