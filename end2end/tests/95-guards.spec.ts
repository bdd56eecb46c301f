import { expect, test, type APIRequestContext } from "@playwright/test";
import { OWNER, TOKEN_PATTERN, openTokens, row } from "./helpers";

// Named to run after 9-policy: the specs run in name order and share one server.
// A token's IP allowlist, set in the create dialog and lifted in the edit dialog. The test
// server trusts X-Forwarded-For from 127.0.0.1 (scripts/e2e.sh), so a call can say it
// comes from elsewhere, as one through a reverse proxy does.

/** `GET /api/v1/access-token` with `secret`, from `from` (none: 127.0.0.1 itself). */
async function call(request: APIRequestContext, secret: string, from?: string) {
  const headers: Record<string, string> = { Authorization: `Bearer ${secret}` };
  if (from) headers["X-Forwarded-For"] = from;
  return request.get("/api/v1/access-token", { headers });
}

test("an allowlist admits 127.0.0.1 and its range, refuses other addresses, and is lifted again", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await dialog.getByLabel("Label").fill("edge");
  // A meaningless range is refused with the way out.
  await dialog.getByLabel("Allowed IP addresses (optional)").fill("0.0.0.0/0");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("[data-field-error=allowed_ips]")).toContainText("Leave the list empty");
  await dialog.getByLabel("Allowed IP addresses (optional)").fill("127.0.0.1\n10.0.0.0/8");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(TOKEN_PATTERN);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row(page, "edge").getByTestId("ip-restricted")).toHaveText("Only from 2 addresses");

  expect((await call(page.request, secret)).status()).toBe(200);
  expect((await call(page.request, secret, "10.20.30.40")).status()).toBe(200);
  const refused = await call(page.request, secret, "192.0.2.1");
  expect(refused.status()).toBe(403);
  expect(refused.headers()["content-type"]).toBe("application/problem+json");
  const detail = (await refused.json()).detail as string;
  expect(detail).toContain("may not be used from 192.0.2.1");
  expect(detail).not.toContain("10.0.0.0");

  // The edit dialog shows the list; emptied, any address may use the token again.
  await row(page, "edge").getByRole("button", { name: "Edit edge" }).click();
  const edit = page.getByRole("dialog", { name: "Edit “edge”" });
  await expect(edit.getByLabel("Allowed IP addresses (optional)")).toHaveValue("127.0.0.1\n10.0.0.0/8");
  await edit.getByLabel("Allowed IP addresses (optional)").fill("");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row(page, "edge").getByTestId("ip-restricted")).toHaveCount(0);
  expect((await call(page.request, secret, "192.0.2.1")).status()).toBe(200);
});

test("the Settings page's allowlist for new tokens fills the create dialog", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("link", { name: "Settings" }).click();
  const section = page.getByRole("region", { name: "Guards for new tokens" });
  await section.getByLabel("Allowed IP addresses").fill("::/0");
  await section.getByRole("button", { name: "Save allowlist" }).click();
  await expect(section.locator("[data-field-error=default_allowed_ips]")).toContainText("Leave the list empty");
  await section.getByLabel("Allowed IP addresses").fill("10.0.0.0/8, ::ffff:127.0.0.1");
  await section.getByRole("button", { name: "Save allowlist" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("New tokens start allowed from 10.0.0.0/8, 127.0.0.1.");

  await page.getByRole("link", { name: "Access tokens" }).click();
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await expect(dialog.getByLabel("Allowed IP addresses (optional)")).toHaveValue("10.0.0.0/8\n127.0.0.1");
  await dialog.getByLabel("Label").fill("defaulted");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row(page, "defaulted").getByTestId("ip-restricted")).toHaveText("Only from 2 addresses");
  expect((await call(page.request, secret, "192.0.2.1")).status()).toBe(403);

  // Lifted again for whatever runs next.
  await page.getByRole("link", { name: "Settings" }).click();
  await section.getByLabel("Allowed IP addresses").fill("");
  await section.getByRole("button", { name: "Save allowlist" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("New tokens may be used from any address.");
});

test("a rate limit set in the dialog is announced and refuses past its quota", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await dialog.getByLabel("Label").fill("metered");
  const limit = dialog.getByRole("group", { name: "Rate limit (optional)" });
  await limit.getByLabel("Requests allowed").fill("0");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("[data-field-error=rate_limit]")).toContainText("from 1 to 1000000 requests");
  await limit.getByLabel("Requests allowed").fill("2");
  await limit.getByLabel("Per").selectOption({ label: "per hour" });
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row(page, "metered").getByTestId("rate-limited")).toHaveText("At most 2 per hour");

  const first = await call(page.request, secret);
  expect(first.status()).toBe(200);
  expect(first.headers()["ratelimit-policy"]).toBe('"token";q=2;w=3600');
  expect(first.headers()["ratelimit"]).toBe('"token";r=1;t=1800');
  expect((await call(page.request, secret)).status()).toBe(200);
  const refused = await call(page.request, secret);
  expect(refused.status()).toBe(429);
  expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await refused.json()).detail).toContain("over its rate limit of 2 per hour");

  // The edit dialog shows the limit; emptied, the token is unlimited again.
  await row(page, "metered").getByRole("button", { name: "Edit metered" }).click();
  const edit = page.getByRole("dialog", { name: "Edit “metered”" });
  await expect(edit.getByLabel("Requests allowed")).toHaveValue("2");
  await edit.getByLabel("Requests allowed").fill("");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(row(page, "metered").getByTestId("rate-limited")).toHaveCount(0);
  const open = await call(page.request, secret);
  expect(open.status()).toBe(200);
  expect(open.headers()["ratelimit"]).toBeUndefined();
});

test("a token reported as leaked turns its row into 'Reported as leaked', for good", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await dialog.getByLabel("Label").fill("pasted-in-a-gist");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  expect((await call(page.request, secret)).status()).toBe(200);

  // Anyone who finds it may report it, without signing in: always 202.
  const report = await page.request.post("/api/v1/credentials/revoke", {
    data: { credentials: [secret] },
    headers: { "X-Forwarded-For": "198.51.100.77" },
  });
  expect(report.status()).toBe(202);
  await expect.poll(async () => (await call(page.request, secret)).status()).toBe(401);

  await page.reload();
  const leaked = row(page, "pasted-in-a-gist").getByTestId("leaked");
  await expect(leaked).toHaveText("Reported as leaked by a public report");
  await expect(row(page, "pasted-in-a-gist").getByRole("button", { name: /^Enable/ })).toHaveCount(0);
  await expect(row(page, "pasted-in-a-gist").getByRole("button", { name: /^Rotate/ })).toHaveCount(1);
});

test("a person's own token shows its guards, and once reported as leaked only rotates", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("link", { name: "Personal tokens" }).click();
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New personal token" });
  await dialog.getByLabel("Label").fill("own-guarded");
  await dialog.getByRole("checkbox", { name: OWNER.workspace, exact: true }).check();
  await dialog.getByLabel("Allowed IP addresses (optional)").fill("127.0.0.1");
  await dialog.getByLabel("Requests allowed").fill("5");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  const own = page.getByTestId("personal-token-row").filter({ has: page.getByText("own-guarded", { exact: true }) });
  await expect(own.getByTestId("ip-restricted")).toHaveText("Only from 127.0.0.1");
  await expect(own.getByTestId("rate-limited")).toHaveText("At most 5 per minute");

  expect((await page.request.post("/api/v1/credentials/revoke", { data: { credentials: [secret] } })).status()).toBe(202);
  await expect.poll(async () => (await call(page.request, secret)).status()).toBe(401);
  await page.reload();
  await expect(own.getByTestId("leaked")).toHaveText("Reported as leaked by a public report");
  await expect(own.getByRole("button", { name: /^Enable/ })).toHaveCount(0);
  await expect(own.getByRole("button", { name: /^Rotate/ })).toHaveCount(1);
});
