import { expect, test } from "@playwright/test";

test("the page is styled, hydrates, and reaches a server function", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Tessera is running" })).toBeVisible();

  // Tailwind's stylesheet is applied: without it the header row would be a plain block.
  await expect(page.locator("header > div")).toHaveCSS("display", "flex");

  // The WASM app has taken over the server-rendered page.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  const count = page.getByTestId("check-count");
  await expect(count).toHaveText("Not checked yet");

  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/rpc/server_status"),
    page.getByRole("button", { name: "Check server" }).click(),
  ]);
  expect(response.status()).toBe(200);

  // Reactive state changed in the browser, and the server's answer is shown.
  await expect(count).toHaveText("Checked once");
  const status = page.getByTestId("server-status");
  await expect(status).toContainText("SQLite");
  await expect(status).toContainText("Schema version");
  await expect(status.locator("dd").nth(2)).toHaveText("1");
});

test("health check and the API's JSON 404", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", database: "ok" });

  const missing = await request.get("/api/v1/no-such-endpoint");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["content-type"]).toBe("application/problem+json");
  expect(await missing.json()).toMatchObject({
    type: "about:blank",
    title: "Not Found",
    status: 404,
  });
});

test("unknown pages get the styled not-found page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
