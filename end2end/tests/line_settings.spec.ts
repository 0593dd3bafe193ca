import { expect, test } from "@playwright/test";
import { accessible } from "./axe";
import { ownerPage } from "./console";
import { FAKE_LINE } from "./line";

// Settings → LINE of the clinic "line-menu" (a channel access token of the local fake of LINE):
// the month's messages as LINE counts them, and LINE MINI App service messages turned on and off.

test("the owner reads the month's LINE messages and turns MINI App service messages on and off", async ({ browser }) => {
  // The fake's plan: 200 messages a month, none used yet (no clinic with a token has pushed).
  expect((await fetch(`${FAKE_LINE}/__fake/quota`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"limit":200}' })).ok).toBeTruthy();
  const owner = await ownerPage(browser, "owner@line-menu.example.jp");
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "LINE連携" }).click();

  const quota = owner.getByTestId("line-quota");
  await expect(quota.locator("div").filter({ hasText: "今月の上限" }).locator("dd")).toHaveText("200");
  await expect(quota.locator("div").filter({ hasText: "送信済み" }).locator("dd")).toHaveText("0");
  await expect(quota.locator("div").filter({ hasText: "今月の見込み" }).locator("dd")).toHaveText("0");

  const service = owner.getByRole("region", { name: "LINEミニアプリのサービスメッセージ" });
  await expect(service.getByText("サービスメッセージ: 無効")).toBeVisible();
  await service.getByLabel("新しいチャネルシークレット(変えないときは空欄)").fill("mini-app-secret-e2e");
  await service.getByLabel("予約確定のお知らせ").fill("reservation_confirmed");
  await service.getByLabel("前日リマインダー").fill("bad name!");
  await service.getByRole("button", { name: "保存" }).click();
  // A template name LINE would not have is named at its field; nothing else is lost.
  await expect(service.locator("#service-template-reminder-error")).not.toBeEmpty();
  await expect(service.getByLabel("予約確定のお知らせ")).toHaveValue("reservation_confirmed");
  await service.getByLabel("前日リマインダー").fill("visit_reminder");
  await service.getByLabel("新しいチャネルシークレット(変えないときは空欄)").fill("mini-app-secret-e2e");
  await service.getByRole("button", { name: "保存" }).click();
  await expect(owner.getByRole("status")).toHaveText("保存しました。");
  await expect(service.getByText("サービスメッセージ: 有効")).toBeVisible();
  await expect(service.locator(".secret-state strong")).toHaveText("設定済み");
  await expect(service.getByLabel("前日リマインダー")).toHaveValue("visit_reminder");
  await accessible(owner, "Settings → LINE with service messages on");

  await service.getByRole("button", { name: "サービスメッセージを停止" }).click();
  await expect(service.getByText("サービスメッセージ: 無効")).toBeVisible();
  expect(owner.errors).toEqual([]);
  expect((await fetch(`${FAKE_LINE}/__fake/quota`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"limit":null}' })).ok).toBeTruthy();
  await owner.context().close();
});
