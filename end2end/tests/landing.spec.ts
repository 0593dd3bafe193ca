import { expect, test } from "@playwright/test";

type Place = { starts_at: number; label: string; remaining: number; resource_name: string };
type Menu = { id: number; name: string; next_places: Place[] };
type Overview = { name: string; menus: Menu[] };

/// Asks the server function directly, as the page itself would.
async function overview(request: import("@playwright/test").APIRequestContext, lang: "ja" | "en"): Promise<Overview> {
  const response = await request.post("/api/clinic_overview", {
    form: { slug: "demo", lang },
    headers: { Accept: "application/json" },
  });
  expect(response.ok()).toBeTruthy();
  return (await response.json()) as Overview;
}

async function shownPlaces(page: import("@playwright/test").Page, menuId: number) {
  const items = page.locator(`section.menu[data-menu-id="${menuId}"] li.place`);
  const startsAt = await items.evaluateAll((els) => els.map((el) => Number(el.getAttribute("data-starts-at"))));
  const labels = await items.locator(".when").allTextContents();
  return { startsAt, labels };
}

test("the demo clinic's landing page shows the free places the server computes", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/c/demo");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
  const expected = await overview(page.request, "ja");
  await expect(page.locator("h2.clinic-name")).toHaveText(expected.name);
  await expect(page).toHaveTitle(expected.name);
  expect(expected.menus.length).toBe(4);

  for (const menu of expected.menus) {
    const card = page.locator(`section.menu[data-menu-id="${menu.id}"]`);
    await expect(card.locator("h3")).toHaveText(menu.name);
    expect(menu.next_places.length).toBeGreaterThan(0);
    const shown = await shownPlaces(page, menu.id);
    expect(shown.startsAt).toEqual(menu.next_places.map((p) => p.starts_at));
    expect(shown.labels).toEqual(menu.next_places.map((p) => p.label));
    // Clinic-local time with the weekday: 12月1日(火) 10:30, a band 9:00〜10:00, a queue 順番受付 ….
    for (const label of shown.labels) {
      expect(label).toMatch(/^\d{1,2}月\d{1,2}日\([月火水木金土日]\) (順番受付 )?\d{2}:\d{2}(〜\d{2}:\d{2})?$/);
    }
  }

  // The page is hydrated: switching the language re-renders it in the browser.
  await page.getByRole("button", { name: "English" }).click();
  const english = await overview(page.request, "en");
  await expect(page.locator("h2.clinic-name")).toHaveText(english.name);
  const first = english.menus[0];
  await expect(page.locator(`section.menu[data-menu-id="${first.id}"] h3`)).toHaveText(first.name);
  const shown = await shownPlaces(page, first.id);
  expect(shown.labels).toEqual(first.next_places.map((p) => p.label));
  await expect(page.getByRole("button", { name: "English" })).toHaveAttribute("aria-pressed", "true");

  expect(errors).toEqual([]);
});

test("the home page links to the demo clinic", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "さくら内科クリニック(デモ)" }).click();
  await expect(page).toHaveURL(/\/c\/demo$/);
  await expect(page.locator("section.menu")).toHaveCount(4);
});
