// What a phone receives on a first load, measured in Chromium (not a sum of files): the bytes
// on the wire of every response (headers and compressed bodies, from the DevTools protocol),
// LINE's SDK excluded, and the time until the page is hydrated (body[data-hydrated]) with the
// CPU slowed 4x and a fast-3G network (Lighthouse's profile: 562.5 ms RTT, 1.4 Mbit/s down).
// Prints `key=value` lines for scripts/bench. Usage: node weight.mjs BASE_URL path...
import { chromium } from "@playwright/test";

const [base, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });

async function measure(path, throttled) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, locale: "ja-JP" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (throttled) {
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 562.5, downloadThroughput: (1.4 * 1024 * 1024) / 8, uploadThroughput: (675 * 1024) / 8 });
  }
  const urls = new Map();
  let bytes = 0;
  let files = 0;
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.loadingFinished", (e) => {
    const url = urls.get(e.requestId) ?? "";
    if (url.includes("/sdk/")) return;
    bytes += e.encodedDataLength;
    files += 1;
  });
  const started = Date.now();
  await page.goto(base + path, { waitUntil: "load" });
  await page.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
  const hydrated = Date.now() - started;
  await page.waitForLoadState("networkidle");
  await context.close();
  return { bytes, files, hydrated };
}

for (const path of paths) {
  const name = path.replace(/[^a-z]+/g, "_").replace(/^_|_$/g, "") || "root";
  const plain = await measure(path, false);
  const slow = await measure(path, true);
  console.log(`weight_${name}_kb=${(plain.bytes / 1024).toFixed(1)}`);
  console.log(`files_${name}=${plain.files}`);
  console.log(`tti_${name}_ms=${slow.hydrated}`);
}
await browser.close();
