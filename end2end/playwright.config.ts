import { defineConfig } from "@playwright/test";

// The server is started by scripts/test (fresh SQLite database, demo clinic seeded) and its
// address passed in YOYAKU_BASE_URL. Chromium comes from Debian: Playwright never downloads one.
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.YOYAKU_BASE_URL ?? "http://127.0.0.1:3000",
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  projects: [
    { name: "phone", use: { browserName: "chromium", viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } },
  ],
});
