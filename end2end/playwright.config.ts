import { defineConfig } from "@playwright/test";
import { launchOptions } from "./chromium.mjs";

// scripts/e2e.sh starts a server on a throw-away database and passes its address.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  // Generous: the first page load compiles the WASM bundle, slow on a busy 2-core machine.
  expect: { timeout: 20_000 },
  // The tests share one server and database: run them one after another.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    browserName: "chromium",
    launchOptions,
  },
});
