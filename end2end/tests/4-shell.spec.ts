import { expect, test } from "@playwright/test";

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
