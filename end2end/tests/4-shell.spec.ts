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

test("the site's files arrive precompressed, under content-hashed names, cached for good", async ({ page, request }) => {
  const files: { url: string; encoding?: string; accepted: string; cache?: string }[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) {
      const headers = await response.allHeaders();
      const accepted = (await response.request().allHeaders())["accept-encoding"] ?? "";
      files.push({ url: response.url(), encoding: headers["content-encoding"], accepted, cache: headers["cache-control"] });
    }
  });
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  const path = (file: { url: string }) => new URL(file.url).pathname;
  const kinds = files.map((file) => path(file).split(".").pop()).sort();
  // The stylesheet, the app's JavaScript and its WASM loader's, and the WASM: the main file,
  // the signed-out pages' group and what it shares with other groups (src/app/mod.rs).
  expect(kinds.filter((kind) => kind === "css")).toHaveLength(1);
  expect(kinds.filter((kind) => kind === "js")).toHaveLength(2);
  for (const file of files) {
    expect(path(file)).toMatch(/^\/pkg\/[A-Za-z0-9_]+\.[A-Za-z0-9_-]{22}\.(css|js|wasm)$/);
    expect(file.cache).toBe("public, max-age=31536000, immutable");
    // The best encoding the browser offered.
    expect(file.encoding).toBe(file.accepted.includes("br") ? "br" : "gzip");
  }
  // How many of the page's WASM files so far are the given one: the main file or a group's.
  const fetched = (file: string) =>
    files.map(path).filter((name) => name.endsWith(".wasm") && name.startsWith(`/pkg/${file}`)).length;
  expect(fetched("tessera.")).toBe(1);
  expect(fetched("split_signed_out_page_")).toBe(1);
  // The signed-in pages' code is not part of the first page: it comes once it is needed.
  expect(fetched("split_account_page_")).toBe(0);
  expect(fetched("split_workspace_page_")).toBe(0);
  await page.getByLabel("Email").fill("owner@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your workspaces" })).toBeVisible();
  await expect.poll(() => fetched("split_account_page_")).toBe(1);
  expect(fetched("split_workspace_page_")).toBe(0);

  // Each encoding on request, the smallest first; without one, the file itself.
  const wasm = files.find((file) => path(file).startsWith("/pkg/tessera.") && file.url.endsWith(".wasm"))!.url;
  const size = async (encoding: string) => {
    const response = await request.get(wasm, { headers: { "accept-encoding": encoding } });
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("application/wasm");
    expect(response.headers()["vary"]).toBe("accept-encoding");
    expect(response.headers()["content-encoding"]).toBe(encoding === "identity" ? undefined : encoding);
    return Number(response.headers()["content-length"]);
  };
  const [br, gzip, identity] = [await size("br"), await size("gzip"), await size("identity")];
  expect(br).toBeLessThan(gzip);
  expect(gzip).toBeLessThan(identity / 2);

  // A name that is not the build's is no file, and nothing is cached for it.
  const missing = await request.get("/pkg/tessera.AAAAAAAAAAAAAAAAAAAAAA.wasm");
  expect(missing.status()).toBe(404);
  expect(missing.headers()["cache-control"]).toBeUndefined();
});
