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
  const section = page.getByRole("region", { name: "IP allowlist for new tokens" });
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
