import { expect, test, type Browser, type Page } from "@playwright/test";
import { accessible } from "./axe";
import { ownerPage } from "./console";
import { moveVisit } from "./clock";

// The staff console with the patient's LIFF page beside it, on the sandbox demo clinic: the
// whole loop of a request on one machine (request → live inbox → answer → the patient's page
// and the LINE sandbox).

const staffPage = ownerPage;

/** A sandbox patient of the demo clinic sends a request for 初診 on the first free day. */
async function patientRequests(browser: Browser, placeIndex = 0): Promise<{ page: Page; reference: string; date: string }> {
  const page = await patientAtFirstVisit(browser);
  // Late in a month the free days may all be in the next one.
  if ((await page.locator("button.day.free").count()) === 0) await page.getByRole("button", { name: "次の月" }).click();
  const date = (await page.locator("button.day.free").first().getAttribute("data-date")) ?? "";
  await page.locator("button.day.free").first().click();
  await page.locator("button.place-choice").nth(placeIndex).click();
  return { page, reference: await sendRequest(page), date };
}

/** A new sandbox patient of the demo clinic on a phone, at the calendar of 初診. */
async function patientAtFirstVisit(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto("/liff/demo");
  await page.getByRole("button", { name: "お試しで始める" }).click();
  await page.getByRole("button", { name: /^初診/ }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  return page;
}

/** With a place chosen: 佐藤 一郎's details and answers, sent; the request's reference. */
async function sendRequest(page: Page): Promise<string> {
  await page.getByLabel("お名前").fill("佐藤 一郎");
  await page.getByLabel("フリガナ").fill("サトウ イチロウ");
  await page.getByLabel("電話番号").fill("090-2222-3333");
  await page.getByLabel("年", { exact: true }).fill("1948");
  await page.getByLabel("月", { exact: true }).selectOption("2");
  await page.getByLabel("日", { exact: true }).selectOption("3");
  await page.getByLabel(/今日はどうされましたか/).fill("咳が続いています");
  await page.getByLabel("2〜3日前").check();
  await page.getByLabel("いいえ").check();
  await page.getByLabel("個人情報の取り扱いに同意します").check();
  await page.getByRole("button", { name: "確認へ進む" }).click();
  await page.getByRole("button", { name: "この内容で送信する" }).click();
  const card = page.locator("section.appointment");
  await expect(card.locator(".status")).toHaveText("承認待ち");
  const reference = (await card.getAttribute("data-reference")) ?? "";
  expect(reference).toMatch(/^[0-9a-f]{32}$/);
  return reference;
}

async function statusOf(page: Page, reference: string) {
  await page.goto(`/liff/demo/a/${reference}`);
  return page.locator(`section.appointment[data-reference="${reference}"]`).first();
}

/**
 * The owner, shown the requests and visits a change of the clinic's days falls on, writes
 * `message` to the patients and presses `choice`; the patient's request is declined with the
 * message, on their page and in LINE (the sandbox).
 */
async function ownerCancels(owner: Page, patient: Page, reference: string, choice: string, message: string, what: string) {
  await expect(owner.getByTestId("closure-visit").filter({ hasText: "佐藤 一郎" }).first()).toBeVisible();
  await accessible(owner, what);
  await owner.getByLabel(/患者さんへのメッセージ/).fill(`${message}。申し訳ございません。`);
  await owner.getByRole("button", { name: choice }).click();
  await expect(owner.getByRole("status")).toHaveText("保存しました。");
  const card = await statusOf(patient, reference);
  await expect(card.locator(".status")).toHaveText("お断り");
  await expect(card.locator(".clinic-note")).toContainText(message);
  await owner.getByRole("link", { name: "LINEサンドボックス" }).click();
  await expect(owner.getByTestId("line-sandbox")).toContainText(message);
}

test("a request appears live in the inbox, is approved, and the confirmation card reaches the LINE sandbox", async ({ browser }) => {
  const staff = await staffPage(browser);
  const { page: patient, reference } = await patientRequests(browser);

  // No reload: the live updates bring the request in, with the count in the navigation.
  const request = staff.locator(`[data-testid="request"][data-reference="${reference}"]`);
  await expect(request).toBeVisible({ timeout: 15_000 });
  await expect(staff.getByTestId("pending-count")).toBeVisible();
  await expect(request).toContainText("佐藤 一郎");
  await expect(request).toContainText("咳が続いています");
  await expect(request.locator(".hold")).toHaveText(/^あと\d+(分|時間)$/);

  await request.getByRole("button", { name: "承認する" }).click();
  await expect(staff.getByRole("status")).toHaveText("佐藤 一郎さんの予約を確定しました。");
  await expect(request).toHaveCount(0);

  const card = await statusOf(patient, reference);
  await expect(card.locator(".status")).toHaveText("予約確定");

  await staff.getByRole("link", { name: "LINEサンドボックス" }).click();
  const sandbox = staff.getByTestId("line-sandbox");
  await expect(sandbox.locator(".flex-card").filter({ hasText: "ご予約が確定しました" }).first()).toBeVisible({ timeout: 15_000 });
  expect((staff as Page & { errors: string[] }).errors).toEqual([]);
});

test("a request is declined with a reason the patient reads", async ({ browser }) => {
  const staff = await staffPage(browser);
  const { page: patient, reference } = await patientRequests(browser, 1);
  const request = staff.locator(`[data-testid="request"][data-reference="${reference}"]`);
  await expect(request).toBeVisible({ timeout: 15_000 });
  await request.getByRole("button", { name: "お断りする" }).click();
  // No reason: refused, nothing sent.
  await request.getByRole("button", { name: "お断りを送る" }).click();
  await expect(request.getByRole("alert")).toContainText("理由を選ぶか入力してください");
  await request.getByLabel("担当医が不在のため").check();
  await request.getByRole("button", { name: "お断りを送る" }).click();
  await expect(staff.getByRole("status")).toHaveText("佐藤 一郎さんのリクエストをお断りしました。");

  const card = await statusOf(patient, reference);
  await expect(card.locator(".status")).toHaveText("お断り");
  await expect(card.locator(".clinic-note")).toContainText("担当医が不在のため");
});

test("closing a day with a request on it: the owner sees it, cancels it with a message, and the patient is told", async ({ browser }) => {
  const { page: patient, reference, date } = await patientRequests(browser, 2);
  const owner = await staffPage(browser);
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "休診日・臨時診療" }).click();
  await owner.getByLabel("日付").fill(date);
  await owner.getByRole("button", { name: "追加", exact: true }).click();
  // Not saved yet: the day's requests and visits are listed for the owner's choice.
  await expect(owner.getByRole("status")).toContainText("この日には予約・お申し込みが");
  await ownerCancels(owner, patient, reference, "予約を取り消して休診にする", "院長の急用のため休診となりました", "a closure over booked visits");
});

test("shortening a weekday's hours over a request: the owner sees it, offers another time with a message, and the patient is told", async ({ browser }) => {
  // The first place of the first free day is at 9:00: hours from noon leave it out.
  const { page: patient, reference, date } = await patientRequests(browser, 0);
  const weekday = (new Date(`${date}T12:00:00+09:00`).getUTCDay() + 6) % 7; // 0 = Monday
  const owner = await staffPage(browser);
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "診療時間" }).click();
  const yamada = owner.locator("section.hours", { has: owner.getByRole("heading", { name: "山田 医師" }) });
  const day = yamada.locator(`input[id$="-${weekday}"]`);
  const before = await day.inputValue();
  expect(before).toMatch(/^0?9:00/);
  // The morning starts at noon: a subset of the day's hours (a Saturday has mornings only), so
  // that the proposals made inside it stay inside when the hours come back.
  await day.fill(before.replace(/^0?9:00/, "12:00"));
  await yamada.getByRole("button", { name: "この診療時間を保存" }).click();
  // Not saved yet: the requests and visits outside the new hours are listed for the owner.
  await expect(owner.getByRole("status")).toContainText("時間外になる予約・お申し込みが");
  await ownerCancels(owner, patient, reference, "別の日時を提案してこの時間にする", "午前の診療を終了しました", "new hours over booked visits");
  // Then offered the earliest free place, which waits in My appointments for their answer.
  await expect(owner.getByTestId("line-sandbox")).toContainText("別の日時のご提案");
  await patient.goto("/liff/demo");
  await patient.getByRole("tab", { name: "予約の確認" }).click();
  await expect(patient.locator("section.appointment").filter({ has: patient.locator(".proposal-answer") })).toHaveCount(1);

  // The mornings back (nothing falls outside longer hours) for the tests after this one.
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "診療時間" }).click();
  await day.fill(before);
  await yamada.getByRole("button", { name: "この診療時間を保存" }).click();
  await expect(owner.getByRole("status")).toHaveText("保存しました。");
});

test("removing extra hours with a request in them: the owner sees it, cancels it with a message, and the patient is told", async ({ browser }) => {
  // Dr. Yamada sees patients from 19:00 on a day a week ahead (Tokyo), as extra hours.
  const date = new Date(Date.now() + 8 * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
  const owner = await staffPage(browser);
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "休診日・臨時診療" }).click();
  await owner.getByLabel("日付").fill(date);
  await owner.getByLabel("対象").selectOption({ label: "山田 医師" });
  await owner.getByLabel("臨時診療(時間を追加)").check();
  await owner.getByLabel("開始").fill("19:00");
  await owner.getByLabel("終了").fill("20:00");
  await owner.getByRole("button", { name: "追加", exact: true }).click();
  await expect(owner.getByRole("status")).toHaveText("保存しました。");

  // A patient asks for 19:00 that day.
  const patient = await patientAtFirstVisit(browser);
  const day = patient.locator(`button.day.free[data-date="${date}"]`);
  if ((await day.count()) === 0) await patient.getByRole("button", { name: "次の月" }).click();
  await day.click();
  await patient.locator("button.place-choice", { hasText: "19:00" }).first().click();
  const reference = await sendRequest(patient);

  // Removing the extra hours is not done yet: the request in them is listed for the owner.
  await owner.reload();
  await owner.getByRole("tab", { name: "休診日・臨時診療" }).click();
  await owner.locator("li", { hasText: "臨時診療 19:00" }).getByRole("button", { name: "削除" }).click();
  await expect(owner.getByRole("status")).toContainText("時間外になる予約・お申し込みが1件");
  await ownerCancels(owner, patient, reference, "予約を取り消して削除する", "臨時診療を取りやめました", "removing extra hours over booked visits");
});

test("the clinic proposes another time and the patient accepts it", async ({ browser }) => {
  const staff = await staffPage(browser);
  const { page: patient, reference } = await patientRequests(browser, 2);
  const request = staff.locator(`[data-testid="request"][data-reference="${reference}"]`);
  await expect(request).toBeVisible({ timeout: 15_000 });
  await request.getByRole("button", { name: "別の日時を提案" }).click();
  const places = request.locator("button.place-choice");
  await expect(places.first()).toBeVisible();
  const proposed = ((await places.last().textContent()) ?? "").split(" ").slice(0, 2).join(" ");
  await places.last().click();
  await request.getByRole("button", { name: "この日時を提案する" }).click();
  await expect(staff.getByRole("status")).toContainText("をご提案しました");
  await expect(staff.locator(".proposals")).toContainText("佐藤 一郎");

  // The patient finds the proposal in My appointments and accepts it.
  await patient.goto("/liff/demo");
  await patient.getByRole("tab", { name: "予約の確認" }).click();
  const proposal = patient.locator("section.appointment").filter({ has: patient.locator(".proposal-answer") });
  await expect(proposal).toHaveCount(1);
  await expect(proposal.locator(".when")).toContainText(proposed);
  const proposalReference = (await proposal.getAttribute("data-reference")) ?? "";
  await proposal.getByRole("button", { name: "この日時で予約する" }).click();
  await expect(patient).toHaveURL(new RegExp(`/liff/demo/a/${proposalReference}$`));
  await expect(patient.locator(`section.appointment[data-reference="${proposalReference}"] .status`).first()).toHaveText("予約確定");
  const original = await statusOf(patient, reference);
  await expect(original.locator(".status")).toHaveText("お断り");
});

test("reception marks a no-show in the week's calendar", async ({ browser }) => {
  const staff = await staffPage(browser);
  const { reference } = await patientRequests(browser, 3);
  const request = staff.locator(`[data-testid="request"][data-reference="${reference}"]`);
  await expect(request).toBeVisible({ timeout: 15_000 });
  await request.getByRole("button", { name: "承認する" }).click();
  await expect(request).toHaveCount(0);

  await staff.getByRole("link", { name: "カレンダー" }).click();
  await staff.getByRole("button", { name: "週" }).click();
  const entry = staff.locator(`[data-testid="entry"][data-reference="${reference}"]`);
  await expect(entry).toBeVisible();
  await expect(entry.locator(".status-label")).toHaveText("予約確定");
  // A visit that has not come yet cannot be marked missed (a misclick would end it early).
  await expect(entry.getByRole("button", { name: "無断キャンセル" })).toHaveCount(0);

  // Time passes: the visit began two minutes ago, today (a longer wait would reach back into
  // yesterday, which the week from today does not show, in the first minutes after midnight).
  moveVisit(reference, -2);
  await staff.getByRole("button", { name: "今日" }).click();
  await staff.reload();
  await staff.getByRole("button", { name: "週" }).click();
  await expect(entry).toBeVisible();
  await entry.getByRole("button", { name: "無断キャンセル" }).click();
  await expect(entry.locator(".status-label")).toHaveText("無断キャンセル");
});

test("staff sign-in refuses a wrong password with a clear message", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto("/staff");
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await page.getByLabel("メールアドレス").fill("staff@demo.example.jp");
  await page.getByLabel("パスワード").fill("not-the-password");
  await page.getByRole("button", { name: "ログイン" }).click();
  await expect(page.getByRole("alert")).toHaveText("メールアドレスまたはパスワードが違います。");
  await expect(page.getByLabel("パスワード")).toHaveValue("");
});

/** The days a patient is offered for 健康診断 this month and next. */
async function checkupDays(page: Page): Promise<string[]> {
  await page.goto("/liff/demo");
  const start = page.getByRole("button", { name: "お試しで始める" });
  await expect(start.or(page.getByRole("tab", { name: "予約する" }))).toBeVisible();
  if (await start.isVisible()) await start.click();
  await page.getByRole("button", { name: /^健康診断/ }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  const days = await page.locator("button.day.free").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-date") ?? ""));
  await page.getByRole("button", { name: "次の月" }).click();
  await expect(page.locator(".calendar-grid")).toBeVisible();
  await page.waitForLoadState("networkidle");
  days.push(...(await page.locator("button.day.free").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-date") ?? ""))));
  return days;
}

const isWednesday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() === 3;

test("the owner opens the check-up room on Wednesdays and patients are offered Wednesdays", async ({ browser }) => {
  const patientContext = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const patient = await patientContext.newPage();
  const before = await checkupDays(patient);
  expect(before.length).toBeGreaterThan(0);
  expect(before.filter(isWednesday)).toEqual([]);

  const staff = await staffPage(browser);
  await staff.getByRole("link", { name: "設定" }).click();
  await staff.getByRole("tab", { name: "診療時間" }).click();
  const room = staff.locator("section.hours").filter({ has: staff.getByRole("heading", { name: "健診室" }) });
  await room.getByLabel("水曜日").fill("9:00-12:00");
  await room.getByRole("button", { name: "この診療時間を保存" }).click();
  await expect(staff.locator(".settings-status")).toContainText("保存しました");

  const after = await checkupDays(patient);
  expect(after.filter(isWednesday).length).toBeGreaterThan(0);
});

test("console pages opened directly or reloaded come alive with their data", async ({ browser }) => {
  const staff = await staffPage(browser);
  const pages: [string, RegExp][] = [
    ["/staff", /予約リクエスト/],
    ["/staff/calendar", /\d+月\d+日/],
    ["/staff/patients", /患者/],
    ["/staff/settings", /医院の設定/],
    ["/staff/line-sandbox", /LINE/],
  ];
  for (const [path, heading] of pages) {
    await staff.goto(path);
    await expect(staff.locator("body[data-hydrated]")).toBeAttached();
    await expect(staff.getByRole("heading", { level: 1 }).filter({ hasText: heading }).first()).toBeVisible();
    await accessible(staff, `the console: ${path}`);
  }
  // The settings show the stored hours, and the page answers clicks.
  await staff.goto("/staff/settings");
  await expect(staff.locator("section.hours input").first()).toHaveValue(/\d{1,2}:\d{2}/);
  for (const tab of ["休診日・臨時診療", "メニュー", "医師・部屋", "問診", "プライバシー", "LINE連携", "ウェブサイト埋め込み", "スタッフ", "変更履歴"]) {
    await staff.getByRole("tab", { name: tab }).click();
    await expect(staff.getByRole("tab", { name: tab })).toHaveAttribute("aria-selected", "true");
    await accessible(staff, `the console's settings: ${tab}`);
  }
  expect((staff as Page & { errors: string[] }).errors).toEqual([]);
});

test("the owner sees a patient's consents and who read their data, and the clinic's access log", async ({ browser }) => {
  // A LIFF patient books (consenting); the owner then opens their record.
  const { page: patient } = await patientRequests(browser, 2);
  await patient.context().close();
  const owner = await staffPage(browser);
  await owner.getByRole("link", { name: "患者" }).click();
  await owner.getByLabel("氏名・フリガナ・電話番号").fill("サトウ イチロウ");
  await owner.getByRole("button", { name: "検索" }).click();
  await owner.locator("button.patient-result").first().click();
  const consents = owner.locator("table.consent-table");
  await expect(consents.locator("tbody tr").first()).toBeVisible();
  await expect(consents.locator("tbody tr").first()).toContainText("サンドボックス");
  await expect(consents.locator(".consent-version").first()).toHaveText(/^v\d+$/);
  // Opening the record is itself on record, shown to the owner on the next look.
  await owner.reload();
  await owner.getByLabel("氏名・フリガナ・電話番号").fill("サトウ イチロウ");
  await owner.getByRole("button", { name: "検索" }).click();
  await owner.locator("button.patient-result").first().click();
  await expect(owner.locator("table.access-table").first().locator(".access-what").filter({ hasText: "患者情報を閲覧" }).first()).toBeVisible();
  // The clinic-wide log, filtered by staff member, with its CSV.
  const log = owner.getByRole("region", { name: "アクセス記録(院長のみ)" });
  await expect(log.locator("tbody tr").first()).toBeVisible();
  await log.getByLabel("スタッフで絞り込む").selectOption({ index: 1 });
  await expect(log.getByRole("link", { name: "CSVをダウンロード" })).toHaveAttribute("href", /staff=\d+/);
  await accessible(owner, "the patients page with the access log");
  expect((owner as Page & { errors: string[] }).errors).toEqual([]);
});

test("a patient sees what the clinic holds and asks for deletion; the owner erases them", async ({ browser }) => {
  const { page: patient } = await patientRequests(browser);
  await patient.getByRole("tab", { name: "予約の確認" }).click();
  await patient.getByRole("button", { name: "医院が保管している情報を見る" }).click();
  await expect(patient.locator(".my-data-details")).toContainText("佐藤 一郎");
  await expect(patient.locator(".my-data-details")).toContainText("090-2222-3333");
  await expect(patient.locator(".my-data-visits")).toContainText("咳が続いています");
  await expect(patient.locator(".my-data-consents li")).toHaveCount(1);
  await accessible(patient, "the patient's own data");
  await patient.getByRole("button", { name: "データの削除を依頼する" }).click();
  await patient.getByRole("button", { name: "はい、依頼します" }).click();
  await expect(patient.locator(".deletion-requested")).toBeVisible();
  // Their request is still to come: they take it back first.
  await patient.getByRole("button", { name: "申し込みを取り下げる" }).click();
  await patient.getByRole("button", { name: "はい、取り下げます" }).click();
  await expect(patient.getByText("予約の申し込みを取り下げました。")).toBeVisible();
  await patient.context().close();

  const owner = await staffPage(browser);
  await owner.getByRole("link", { name: "患者" }).click();
  const requests = owner.locator("section.deletion-requests");
  await expect(requests).toBeVisible();
  await requests.getByRole("button", { name: /佐藤 一郎/ }).click();
  await expect(owner.locator(".patient-detail .deletion-requested")).toBeVisible();
  await expect(owner.getByRole("link", { name: /この患者のデータを書き出す/ })).toHaveAttribute("href", /\/staff\/patients\/\d+\/data\.json/);
  await accessible(owner, "a patient's card with a deletion request");
  await owner.getByRole("button", { name: "この患者の情報を削除する" }).click();
  await owner.getByRole("button", { name: "削除する", exact: true }).click();
  await expect(owner.getByRole("heading", { name: "削除済みの患者" })).toBeVisible();
  await expect(requests).toBeHidden();
  expect(owner.errors).toEqual([]);
});

test("the owner sets how long questionnaire answers are kept, and a wrong number is named", async ({ browser }) => {
  const owner = await staffPage(browser);
  await owner.goto("/staff/settings");
  await owner.getByRole("tab", { name: "プライバシー" }).click();
  const days = owner.getByLabel(/受診日から何日後に削除するか/);
  await expect(owner.locator(".retention-now")).toHaveText("現在: 削除しない");
  await days.fill("0");
  await owner.locator("section[aria-labelledby=retention-title]").getByRole("button", { name: "保存" }).click();
  await expect(owner.locator("#answers-kept-days-error")).toContainText("3650");
  await expect(days).toHaveAttribute("aria-invalid", "true");
  await days.fill("1826");
  await owner.locator("section[aria-labelledby=retention-title]").getByRole("button", { name: "保存" }).click();
  await expect(owner.locator(".retention-now")).toHaveText("現在: 受診日から1826日後に削除");
  await accessible(owner, "the retention setting");
  // Off again, so that no other test's answers go.
  await owner.getByLabel(/受診日から何日後に削除するか/).fill("");
  await owner.locator("section[aria-labelledby=retention-title]").getByRole("button", { name: "保存" }).click();
  await expect(owner.locator(".retention-now")).toHaveText("現在: 削除しない");
  expect(owner.errors).toEqual([]);
});
