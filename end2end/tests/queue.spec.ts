import { expect, test, type Browser, type Page } from "@playwright/test";
import { accessible } from "./axe";
import { ownerPage } from "./console";
import { moveVisit } from "./clock";

// The live day queue on the sandbox demo clinic: three patients hold numbered places of
// 予防接種 (a day queue) today; reception calls, skips and recalls in the console, and the
// waiting room's display and a patient's own page follow without a reload; the near-turn
// notice reaches the LINE sandbox once per patient.

type Place = { page: Page; reference: string; number: string };

/** A new sandbox patient takes a place of 予防接種 on the first free day, moved to today. */
async function queuePlace(browser: Browser, name: string, furigana: string): Promise<Place> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto("/liff/demo");
  await page.getByRole("button", { name: "お試しで始める" }).click();
  await page.getByRole("button", { name: /^予防接種/ }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  if ((await page.locator("button.day.free").count()) === 0) await page.getByRole("button", { name: "次の月" }).click();
  await page.locator("button.day.free").first().click();
  await page.locator("button.place-choice").first().click();
  await page.getByLabel("お名前").fill(name);
  await page.getByLabel("フリガナ").fill(furigana);
  await page.getByLabel("電話番号").fill("090-4444-5555");
  await page.getByLabel("年", { exact: true }).fill("1952");
  await page.getByLabel("月", { exact: true }).selectOption("6");
  await page.getByLabel("日", { exact: true }).selectOption("9");
  await page.getByLabel("個人情報の取り扱いに同意します").check();
  await page.getByRole("button", { name: "確認へ進む" }).click();
  await page.getByRole("button", { name: "この内容で送信する" }).click();
  const card = page.locator("section.appointment");
  await expect(card.locator(".status")).toHaveText("予約確定");
  const reference = (await card.getAttribute("data-reference")) ?? "";
  // The test's stand-in for the day coming: the place is today's (with today's next number).
  moveVisit(reference, 0);
  await page.goto(`/liff/demo/a/${reference}`);
  const number = ((await page.locator("section.appointment .queue-number").textContent()) ?? "").replace(/\D/g, "");
  expect(number).not.toBe("");
  return { page, reference, number };
}

test("reception moves the queue; the display and the patient's page follow live; the near-turn notice comes once", async ({ browser }) => {
  // Three bookings, a display, a patient's page and the console in one story.
  test.setTimeout(120_000);
  const first = await queuePlace(browser, "一番 太郎", "イチバン タロウ");
  const second = await queuePlace(browser, "二番 花子", "ニバン ハナコ");
  const third = await queuePlace(browser, "三番 次郎", "サンバン ジロウ");

  // The waiting room's display: a big screen, numbers only.
  const display = await (await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: "ja-JP" })).newPage();
  await display.goto("/d/demo");
  const board = display.getByTestId("display-queue").filter({ hasText: "予防接種" });
  await expect(board.getByTestId("display-calling")).toHaveText("—");
  await expect(board.getByTestId("display-waiting")).toContainText("お待ちの方 3人");
  await expect(display.locator("body")).not.toContainText("三番 次郎");
  await accessible(display, "the waiting-room display");

  // The third patient watches their place and tells reception they have arrived.
  const patient = third.page;
  await patient.goto(`/liff/demo/a/${third.reference}`);
  await expect(patient.getByTestId("live-standing")).toHaveText("あなたの前に2人お待ちです。");
  await expect(patient.getByTestId("live-calling")).toHaveText("まだ始まっていません");
  await patient.getByTestId("check-in").click();
  await expect(patient.getByTestId("arrived")).toHaveText("受付に到着をお知らせしました。");

  const staff = await ownerPage(browser);
  await staff.getByRole("link", { name: "順番", exact: true }).click();
  const desk = staff.getByTestId("queue-desk").filter({ hasText: "予防接種" });
  const waiting = desk.getByTestId("queue-waiting");
  await expect(waiting).toContainText(`${third.number}番 三番 次郎`);
  await expect(waiting.locator("li").filter({ hasText: "三番 次郎" }).getByTestId("arrived-badge")).toBeVisible();
  await accessible(staff, "reception's queue");

  await desk.getByRole("button", { name: "次の方" }).click();
  await expect(desk.getByTestId("queue-calling")).toHaveText(`${first.number}番`);
  await expect(board.getByTestId("display-calling")).toHaveText(first.number);
  await expect(patient.getByTestId("live-standing")).toHaveText("あなたの前に1人お待ちです。");
  await expect(patient.getByTestId("live-calling")).toHaveText(first.number);

  // The first does not answer: aside; the second is called, and the display says so.
  await desk.getByRole("button", { name: "不在・後回し" }).click();
  await expect(desk.getByTestId("queue-calling")).toHaveText(`${second.number}番`);
  await expect(board.getByTestId("display-skipped")).toContainText(first.number);
  await expect(patient.getByTestId("live-standing")).toHaveText("次にお呼びします。");

  // The first is back; then the third is called.
  await desk.getByTestId("queue-skipped").getByRole("button", { name: "再呼出" }).click();
  await expect(desk.getByTestId("queue-calling")).toHaveText(`${first.number}番`);
  await desk.getByRole("button", { name: "次の方" }).click();
  await expect(desk.getByTestId("queue-calling")).toHaveText(`${third.number}番`);
  await expect(patient.getByTestId("live-standing")).toHaveText("あなたの番号をお呼びしています。受付にお越しください。");
  await expect(board.getByTestId("display-calling")).toHaveText(third.number);

  // The near-turn notice reached the second and the third once each, however the queue moved.
  await staff.getByRole("link", { name: "LINEサンドボックス" }).click();
  const sandbox = staff.getByTestId("line-sandbox");
  const nearTurn = sandbox.locator(".flex-card").filter({ hasText: "まもなく順番です" });
  await expect(nearTurn).toHaveCount(2, { timeout: 15_000 });
  await expect(nearTurn.filter({ hasText: "次にお呼びします" })).toHaveCount(1);
  await expect(nearTurn.filter({ hasText: "あと1人でお呼びします" })).toHaveCount(1);
  expect(staff.errors).toEqual([]);
});
