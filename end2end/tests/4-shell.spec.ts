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

test("the API reference lists every endpoint from the OpenAPI document", async ({ page, request }) => {
  const spec = await (await request.get("/api/v1/openapi.json")).json();
  expect(spec.openapi).toMatch(/^3\.1/);
  const documented = Object.values(spec.paths as Record<string, object>)
    .map((item) => Object.keys(item).length)
    .reduce((a, b) => a + b, 0);

  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill("owner@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page.getByRole("heading", { name: "API reference" })).toBeVisible();
  await expect(page.getByTestId("api-operation")).toHaveCount(documented);
  await expect(page.getByTestId("api-operation").filter({ hasText: "/api/v1/introspect" })).toContainText("POST");
});
