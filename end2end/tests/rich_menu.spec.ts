import { expect, test, type Page } from "@playwright/test";
import { accessible } from "./axe";
import { ownerPage } from "./console";
import { FAKE_LINE, linePatient } from "./line";

// The clinic chat's bottom menu (LINE's rich menu), on the clinic "line-menu" (a Messaging API
// channel access token of the local fake of LINE): the owner draws the standard picture in the
// console and sets it; the fake of LINE then holds the menu as LINE would, and each of its links,
// opened as LIFF restores it, lands the patient where the button says.

type Area = { bounds: { x: number; y: number; width: number; height: number }; action: { type: string; label: string; uri: string } };
type FakeMenu = {
  rich_menu_id: string;
  body: { size: { width: number; height: number }; areas: Area[] };
  image: { content_type: string; width: number; height: number; bytes: number } | null;
};

async function richMenus(): Promise<{ default: string | null; menus: FakeMenu[] }> {
  const response = await fetch(`${FAKE_LINE}/__fake/rich-menus`);
  expect(response.ok).toBeTruthy();
  return response.json();
}

/** The LIFF page as LINE opens it for a button's link: `liff.state` restored onto the endpoint. */
function restored(uri: string): string {
  const url = new URL(uri);
  expect(url.origin).toBe("https://liff.line.me");
  return `/liff/line-menu${url.search}`;
}

/** For each area: its colour near the corner, and how much of its middle is white (the labels). */
async function readPicture(page: Page, png: Buffer, areas: Area[]) {
  return page.evaluate(
    async ({ src, areas }) => {
      const image = new Image();
      image.src = src;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(image, 0, 0);
      return areas.map(({ bounds: b }) => {
        const [r, g, bl] = ctx.getImageData(b.x + 30, b.y + 30, 1, 1).data;
        const middle = ctx.getImageData(b.x + b.width * 0.1, b.y + b.height * 0.3, b.width * 0.8, b.height * 0.4).data;
        let white = 0;
        for (let i = 0; i < middle.length; i += 4) if (middle[i] > 240 && middle[i + 1] > 240 && middle[i + 2] > 240) white += 1;
        return { corner: `rgb(${r},${g},${bl})`, white: white / (middle.length / 4), size: [image.naturalWidth, image.naturalHeight] };
      });
    },
    { src: `data:image/png;base64,${png.toString("base64")}`, areas },
  );
}

test("the owner sets the chat's menu in LINE, and each of its buttons opens its place in the LIFF page", async ({ browser }) => {
  const owner = await ownerPage(browser, "owner@line-menu.example.jp");
  await owner.getByRole("link", { name: "設定" }).click();
  await owner.getByRole("tab", { name: "LINE連携" }).click();
  const section = owner.getByRole("region", { name: "トーク画面のメニュー(リッチメニュー)" });
  await expect(section.getByTestId("rich-menu-state")).toHaveText("未設定");
  await expect(section.getByRole("button", { name: "LINEに設定する" })).toBeDisabled();

  await section.getByLabel("アクセスボタンの地図のリンク(任意)").fill("https://maps.example.jp/yoyaku");
  await section.getByLabel("メニューごとのボタンを付ける(最初の4つ)").check();
  // Where the buttons sit: four on top, a row of the clinic's four menus beneath.
  await expect(section.locator(".rich-menu-area")).toHaveText(["予約する", "予約の確認", "診療時間", "アクセス", "初診", "再診", "健康診断", "予防接種(順番予約)"]);
  await section.getByRole("button", { name: "標準の画像を作る" }).click();
  await expect(section.getByRole("img", { name: "トーク画面のメニューの画像(プレビュー)" })).toBeVisible();
  await accessible(owner, "the rich menu form with its preview");
  await section.locator(".rich-menu-preview").screenshot({ path: test.info().outputPath("rich-menu-preview.png") });
  await section.getByRole("button", { name: "LINEに設定する" }).click();
  await expect(owner.getByRole("status")).toHaveText("LINEのトーク画面のメニューを設定しました。");
  await expect(section.getByTestId("rich-menu-state")).toContainText("設定済み");

  // LINE holds it as the default, with its picture.
  const listed = await richMenus();
  expect(listed.menus).toHaveLength(1);
  const menu = listed.menus[0];
  expect(listed.default).toBe(menu.rich_menu_id);
  expect(menu.body.size).toEqual({ width: 2500, height: 1686 });
  expect(menu.image).toMatchObject({ content_type: "image/png", width: 2500, height: 1686 });
  expect(menu.image!.bytes).toBeLessThan(1024 * 1024);
  const areas = menu.body.areas;
  expect(areas.map((a) => a.action.label)).toEqual(["予約する", "予約の確認", "診療時間", "アクセス", "初診", "再診", "健康診断", "予防接種(順番予約)"]);
  expect(areas[3].action.uri).toBe("https://maps.example.jp/yoyaku");

  // The picture LINE got has each button's block under its tap area, with its label in it.
  const png = Buffer.from(await (await fetch(`${FAKE_LINE}/__fake/rich-menus/${menu.rich_menu_id}/image`)).arrayBuffer());
  const picture = await readPicture(owner, png, areas);
  expect(picture[0].size).toEqual([2500, 1686]);
  expect(picture.slice(0, 4).map((p) => p.corner)).toEqual(["rgb(10,92,49)", "rgb(29,78,122)", "rgb(74,59,122)", "rgb(122,59,29)"]);
  for (const [i, p] of picture.entries()) {
    expect(p.white, `the label of ${areas[i].action.label}`).toBeGreaterThan(0.02);
  }

  // Each LIFF link lands where its button says.
  const patient = await linePatient(browser);
  await patient.goto(restored(areas[4].action.uri));
  await expect(patient.getByRole("heading", { name: /^初診 — 日にちを選んでください/ })).toBeVisible();
  await expect(patient.locator(".calendar-grid")).toBeVisible();
  await patient.goto(restored(areas[2].action.uri));
  await expect(patient.getByRole("heading", { name: "診療時間" })).toBeVisible();
  await expect(patient.locator(".week-hours li")).toHaveText(["月〜金 09:00–12:30, 14:00–18:00", "土 09:00–12:30", "日 休診"]);
  await accessible(patient, "the LIFF page's hours");
  await patient.goto(restored(areas[1].action.uri));
  await expect(patient.getByRole("tab", { name: "予約の確認" })).toHaveAttribute("aria-selected", "true");
  await patient.goto(restored(areas[0].action.uri));
  await expect(patient.getByRole("tab", { name: "予約する" })).toHaveAttribute("aria-selected", "true");
  await expect(patient.getByRole("heading", { name: "メニューを選んでください" })).toBeVisible();
  expect((patient as Page & { errors: string[] }).errors).toEqual([]);

  // Removed: the chat has no menu of ours any more.
  await section.getByRole("button", { name: "メニューを外す" }).click();
  await section.getByRole("button", { name: "外す", exact: true }).click();
  await expect(owner.getByRole("status")).toHaveText("トーク画面のメニューを外しました。");
  await expect(section.getByTestId("rich-menu-state")).toHaveText("未設定");
  expect(await richMenus()).toEqual({ default: null, menus: [] });
  expect(owner.errors).toEqual([]);
  await owner.context().close();
  await patient.context().close();
});
