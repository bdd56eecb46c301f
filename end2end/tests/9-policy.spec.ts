import { expect, test } from "@playwright/test";
import { OWNER, openTokens, row, TOKEN_PATTERN } from "./helpers";

// The Owner sets Acme's token policy on the Settings page: secrets shown once, a 30-day
// lifetime and Workspace Manager as the highest scope. The create dialog says so and
// offers no higher scope, the new token has no Copy button, older tokens without an expiry
// are flagged "over policy", and the policy is lifted again for whatever runs next.
test.describe.configure({ mode: "serial" });

async function openSettings(page: import("@playwright/test").Page) {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Token policy" })).toBeVisible();
}

test("a token policy set on the Settings page shapes the tokens page", async ({ page }) => {
  await openSettings(page);
  const policy = page.getByRole("region", { name: "Token policy" });
  await policy.getByLabel("Show new tokens' secrets once only").check();
  await policy.getByLabel("Maximum lifetime (days)").fill("30");
  await policy.getByLabel("Highest scope for new tokens").selectOption({ label: "Workspace Manager" });
  await policy.getByRole("button", { name: "Save token policy" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("The token policy is saved.");
  // The grace date was filled in: 30 days from now.
  await expect(policy.getByLabel("Older tokens over the limit are refused from")).not.toHaveValue("");

  await page.getByRole("link", { name: "Access tokens" }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // Tokens made earlier without an expiry are flagged, not yet refused.
  await expect(page.getByTestId("over-policy").first()).toContainText("Over policy — refused in");

  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await expect(dialog.getByTestId("policy-note")).toContainText([
    "shows a secret once",
    "must expire within 30 days",
    "up to the Workspace Manager scope",
  ]);
  const scopes = await dialog.getByLabel("Scope").locator("option").allTextContents();
  expect(scopes).not.toContain("Administrator");
  expect(scopes).not.toContain("Owner");
  await dialog.getByLabel("Label").fill("Policy probe");
  // No expiry is refused, saying what to do.
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog).toContainText("must expire within 30 days");
  await dialog.getByLabel(/Expires/).fill(new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10));
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(TOKEN_PATTERN);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row(page, "Policy probe")).toHaveCount(1);
  await expect(row(page, "Policy probe").getByRole("button", { name: /Copy/ })).toHaveCount(0);
  await expect(row(page, "Policy probe").getByTestId("over-policy")).toHaveCount(0);
});

test("the Owner lifts the policy again", async ({ page }) => {
  await openSettings(page);
  const policy = page.getByRole("region", { name: "Token policy" });
  await policy.getByLabel("Show new tokens' secrets once only").uncheck();
  await policy.getByLabel("Maximum lifetime (days)").fill("");
  await policy.getByLabel("Highest scope for new tokens").selectOption({ label: "Any scope" });
  await policy.getByRole("button", { name: "Save token policy" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("The token policy is saved.");
  await page.reload();
  await expect(page.getByRole("region", { name: "Token policy" }).getByLabel("Maximum lifetime (days)")).toHaveValue("");
});
