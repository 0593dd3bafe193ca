import { readFileSync } from "node:fs";
import { expect, type Page } from "@playwright/test";

// axe-core (from npm) inside the page: no critical and no serious accessibility violation.
// Evaluated through the browser's debugging protocol: the page's Content-Security-Policy
// refuses inline scripts, as it should, and a script tag would be one.
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

type Violation = { id: string; impact: string | null; nodes: { target: string[] }[] };

export async function accessible(page: Page, what: string) {
  await page.evaluate(AXE);
  const violations: Violation[] = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ["violations"] })).violations;
  });
  const bad = violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  expect(bad, `accessibility of ${what}`).toEqual([]);
}
