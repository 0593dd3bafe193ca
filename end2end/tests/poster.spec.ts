import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accessible } from "./axe";
import { ownerPage } from "./console";

// The waiting-room poster as the clinic prints it: its QR codes, read by a real decoder (Debian's
// zbarimg) from what Chromium renders, open the clinic's LIFF page.

const BASE = process.env.YOYAKU_BASE_URL ?? "http://127.0.0.1:3000";

test("the poster's QR code, decoded from the rendered page, opens the clinic's booking page", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.getByRole("link", { name: "設定" }).click();
  await page.getByRole("tab", { name: "院内ポスター" }).click();
  const poster = page.locator("article.poster-sheet");
  await expect(poster.getByRole("heading", { name: "LINEで予約・変更ができます" })).toBeVisible();
  await expect(poster.locator(".poster-hours li")).toHaveText(["月〜金 09:00–12:30, 14:00–18:00", "土 09:00–12:30", "日 休診"]);
  await accessible(page, "the poster tab");

  const dir = mkdtempSync(join(tmpdir(), "poster-"));
  const codes: [string, string][] = [
    ["article.poster-sheet .poster-qr", ""],
    ["article.poster-card .card-qr", ""],
    // The check-in card at reception opens the patient's own appointments.
    ["article.poster-check-in .check-in-qr", "?tab=mine"],
  ];
  for (const [qr, query] of codes) {
    const file = join(dir, `${qr.replace(/[^a-z]+/g, "-")}.png`);
    await page.locator(qr).screenshot({ path: file });
    const decoded = execFileSync("zbarimg", ["--raw", "-q", file], { encoding: "utf-8" }).trim();
    // A sandbox clinic: its LIFF page on this server.
    expect(decoded, qr).toBe(`${BASE}/liff/demo${query}`);
  }

  // On paper only the poster and the card are printed.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("heading", { name: "医院の設定" })).toBeHidden();
  await expect(poster).toBeVisible();
  await page.context().close();
});
