import { expect, type Browser, type Page } from "@playwright/test";

// LINE patients for the LIFF pages: the real @line/liff SDK with LINE's official
// @line/liff-mock plugin (the server runs with --liff-sdk mock), and ID tokens from the local
// fake of LINE, which the server verifies with that fake exactly as it would with LINE.

export const FAKE_LINE = process.env.YOYAKU_FAKE_LINE_URL ?? "http://127.0.0.1:3100";
export const CHANNEL = process.env.YOYAKU_E2E_LOGIN_CHANNEL ?? "1657000000";

let patientCounter = 0;

/** A new LINE user: a token from the fake LINE and a page whose LIFF mock returns it. */
export async function linePatient(browser: Browser, lang = "ja", friend = true, width = 360): Promise<Page> {
  patientCounter += 1;
  const sub = `U${Date.now().toString(16)}${patientCounter.toString(16).padStart(8, "0")}`.padEnd(33, "0").slice(0, 33);
  const response = await fetch(`${FAKE_LINE}/__fake/id-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub, aud: CHANNEL, name: "テスト患者", expires_in: 3600, friend }),
  });
  expect(response.ok).toBeTruthy();
  const { id_token, access_token } = (await response.json()) as { id_token: string; access_token: string };
  const context = await browser.newContext({ viewport: { width, height: (width * 740) / 360 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.addInitScript(
    ({ token, access, lang }) => {
      (window as unknown as { __yoyakuLiffMock: unknown }).__yoyakuLiffMock = {
        isLoggedIn: true,
        getIDToken: token,
        getAccessToken: access,
        getDecodedIDToken: { exp: Math.floor(Date.now() / 1000) + 3600 },
        getLanguage: lang,
        // What the page would believe if it asked itself: the server asks LINE instead.
        getFriendship: { friendFlag: true },
      };
    },
    { token: id_token, access: access_token, lang },
  );
  return page;
}

