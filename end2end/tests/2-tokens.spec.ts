import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { OWNER, TOKEN_PATTERN, createToken, openTokens, row } from "./helpers";

test.beforeEach(async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openTokens(page, OWNER.email, OWNER.password);
});

const clipboard = (page: import("@playwright/test").Page) =>
  page.evaluate(() => navigator.clipboard.readText());

test("create: the secret is shown once, copies, and the table shows it masked", async ({ page }) => {
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  // A label is required and explains itself.
  await dialog.getByLabel("Label").fill("   ");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("[data-field-error=label]")).toHaveText("Enter a label.");

  await dialog.getByLabel("Label").fill("CI deploy");
  await dialog.getByLabel("Scope").selectOption({ label: "Team Member" });
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByRole("alert")).toContainText("It is a secret");
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(/^tsr_[0-9A-Za-z]{49}$/);
  await dialog.getByRole("button", { name: "Copy token" }).click();
  await expect(page.getByTestId("toast")).toContainText("on your clipboard");
  expect(await clipboard(page)).toBe(secret);
  await dialog.getByRole("button", { name: "Done" }).click();

  const created = row(page, "CI deploy");
  await expect(created.getByTestId("masked-token")).toHaveText(`${secret.slice(0, 10)}${"•".repeat(12)}`);
  await expect(created.locator("[data-column=Expires]")).toHaveText("Not specified");
  await expect(created.locator("[data-column=Scope]")).toHaveText("Team Member");
  await expect(created).toHaveAttribute("data-status", "Active");

  // After a reload the full secret is nowhere in the page.
  await page.reload();
  await expect(row(page, "CI deploy")).toBeVisible();
  expect(await page.content()).not.toContain(secret.slice(10));

  // The row's Copy button puts the full secret on the clipboard again.
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await row(page, "CI deploy").getByRole("button", { name: "Copy CI deploy" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("is on your clipboard");
  expect(await clipboard(page)).toBe(secret);

  // A second token with the same label is refused, saving nothing.
  await page.getByRole("button", { name: "New token" }).click();
  const again = page.getByRole("dialog", { name: "New access token" });
  await again.getByLabel("Label").fill("ci DEPLOY");
  await again.getByRole("button", { name: "Create token" }).click();
  await expect(again.locator("[data-field-error=label]")).toContainText("already has a token labelled");
  await again.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("token-row")).toHaveCount(1);
});

test("column choices apply at once and survive a reload", async ({ page }) => {
  const scopeHeader = page.locator("th[data-column=Scope]");
  await expect(scopeHeader).toBeVisible();
  await page.getByRole("button", { name: "Columns" }).click();
  const menu = page.getByRole("group", { name: "Visible columns" });
  await menu.getByLabel("Scope").uncheck();
  await expect(scopeHeader).toBeHidden();
  const saved = page.waitForResponse((r) => new URL(r.url()).pathname === "/rpc/set_hidden_columns");
  await menu.getByLabel("Created").uncheck();
  await expect(page.locator("td[data-column=Created]").first()).toBeHidden();
  expect((await saved).status()).toBe(200);
  await page.reload();
  await expect(page.locator("th[data-column=Label]")).toBeVisible();
  await expect(page.locator("th[data-column=Scope]")).toBeHidden();
  await expect(page.locator("th[data-column=Created]")).toBeHidden();

  // Back to every column for the other tests.
  await page.getByRole("button", { name: "Columns" }).click();
  await page.getByRole("group", { name: "Visible columns" }).getByLabel("Scope").check();
  await page.getByRole("group", { name: "Visible columns" }).getByLabel("Created").check();
  await expect(page.locator("th[data-column=Scope]")).toBeVisible();
});

test("a disabled token is dimmed and an expired one is red", async ({ page }) => {
  await createToken(page, "Nightly backup");
  const backup = row(page, "Nightly backup");
  await backup.getByRole("button", { name: "Disable Nightly backup" }).click();
  await expect(backup).toHaveAttribute("data-status", "Disabled");
  await expect(backup).toHaveCSS("opacity", "0.5");
  // Disabled tokens have no copy button.
  await expect(backup.getByRole("button", { name: "Copy Nightly backup" })).toHaveCount(0);
  await backup.getByRole("button", { name: "Enable Nightly backup" }).click();
  await expect(backup).toHaveAttribute("data-status", "Active");
  await expect(backup).toHaveCSS("opacity", "1");

  // A token that expired yesterday, put there by the fixture tool through the real services.
  execFileSync(process.env.TESSERA_FIXTURE_BIN!, ["expired-token", OWNER.email, OWNER.workspace, "Old import"]);
  await page.reload();
  const expired = row(page, "Old import");
  await expect(expired).toHaveAttribute("data-status", "Expired");
  await expect(expired.locator("[data-column=Status]")).toHaveText("Expired");
  // Tailwind's red-50 row background (a Lab colour in v4): red, where active rows are clear.
  await expect(expired).toHaveClass(/bg-red-50/);
  await expect(expired).not.toHaveCSS("background-color", "rgba(0, 0, 0, 0)");
  await expect(row(page, "CI deploy")).toHaveCSS("background-color", "rgba(0, 0, 0, 0)");
  await expect(expired.getByRole("button", { name: "Copy Old import" })).toHaveCount(0);
  await expect(expired.locator("[data-column=Expires]")).toContainText("1 day ago");
});

test("search filters by label and headers sort", async ({ page }) => {
  await page.getByLabel("Search by label").fill("night");
  await expect(page.getByTestId("token-row")).toHaveCount(1);
  await expect(row(page, "Nightly backup")).toBeVisible();
  await page.getByLabel("Search by label").fill("");
  await expect(page.getByTestId("token-row")).toHaveCount(3);

  await page.locator("th[data-column=Label] button").click();
  const labels = page.locator("td[data-column=Label]");
  await expect(labels).toHaveText(["CI deploy", "Nightly backup", "Old import"]);
  await page.locator("th[data-column=Label] button").click();
  await expect(labels).toHaveText(["Old import", "Nightly backup", "CI deploy"]);
});

test("edit changes label, scope and expiry", async ({ page }) => {
  await row(page, "Nightly backup").getByRole("button", { name: "Edit Nightly backup" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit “Nightly backup”" });
  await dialog.getByLabel("Label").fill("Nightly backup (eu)");
  await dialog.getByLabel("Scope").selectOption({ label: "Workspace Manager" });
  const nextYear = `${new Date().getFullYear() + 1}-06-30`;
  await dialog.getByLabel("Expires (optional)").fill(nextYear);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const edited = row(page, "Nightly backup (eu)");
  await expect(edited.locator("[data-column=Scope]")).toHaveText("Workspace Manager");
  await expect(edited.locator("[data-column=Expires]")).toContainText(nextYear);
  await expect(edited.locator("[data-column=Expires]")).toContainText(/in \d+ months?/);
});

test("delete asks for confirmation and removes the row", async ({ page }) => {
  const before = await page.getByTestId("token-row").count();
  await row(page, "Old import").getByRole("button", { name: "Delete Old import" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete access token" });
  await expect(dialog).toContainText("Anything using this token stops working at once");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("token-row")).toHaveCount(before);

  await row(page, "Old import").getByRole("button", { name: "Delete Old import" }).click();
  await page.getByRole("dialog", { name: "Delete access token" }).getByRole("button", { name: "Delete token" }).click();
  await expect(row(page, "Old import")).toHaveCount(0);
  await expect(page.getByTestId("token-row")).toHaveCount(before - 1);
  await page.reload();
  await expect(row(page, "Old import")).toHaveCount(0);
});

test("a token narrowed to “Verify only” shows its one permission", async ({ page }) => {
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await dialog.getByLabel("Label").fill("Gateway verifier");
  await dialog.getByLabel("Permissions").selectOption({ label: "Verify only" });
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByTestId("new-secret")).toHaveText(/^tsr_/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row(page, "Gateway verifier").getByTestId("token-permissions")).toHaveText("introspect");
  await page.reload();
  await expect(row(page, "Gateway verifier").getByTestId("token-permissions")).toHaveText("introspect");
});

test("bulk delete: three selected rows go after a confirmation that counts them", async ({ page }) => {
  for (const label of ["Bulk one", "Bulk two", "Bulk three"]) await createToken(page, label);
  const before = await page.getByTestId("token-row").count();
  // The search narrows the rows; "Select all" takes exactly the three it shows.
  await page.getByLabel("Search by label").fill("bulk");
  await expect(page.getByTestId("token-row")).toHaveCount(3);
  await page.getByRole("checkbox", { name: "Select all" }).check();
  for (const label of ["Bulk one", "Bulk two", "Bulk three"]) {
    await expect(page.getByRole("checkbox", { name: `Select ${label}` })).toBeChecked();
  }
  await page.getByRole("checkbox", { name: "Select Bulk two" }).uncheck();
  await expect(page.getByTestId("selected-count")).toHaveText("2 tokens selected");
  await page.getByRole("checkbox", { name: "Select Bulk two" }).check();
  await expect(page.getByTestId("selected-count")).toHaveText("3 tokens selected");

  await page.getByRole("region", { name: "Selected tokens" }).getByRole("button", { name: "Delete" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete 3 tokens?" });
  await expect(dialog).toContainText("This cannot be undone");
  await dialog.getByRole("button", { name: "Delete 3 tokens" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").last()).toContainText("3 tokens deleted.");
  await expect(page.getByTestId("token-row")).toHaveCount(0);
  await page.getByLabel("Search by label").fill("");
  await expect(page.getByTestId("token-row")).toHaveCount(before - 3);
  await page.reload();
  for (const label of ["Bulk one", "Bulk two", "Bulk three"]) await expect(row(page, label)).toHaveCount(0);
  await expect(page.getByTestId("token-row")).toHaveCount(before - 3);
});

test("rotate: a 1-hour grace, the new secret once, and the old row says it is rotating", async ({ page }) => {
  await createToken(page, "Rotated deploy");
  const both = row(page, "Rotated deploy");
  await both.getByRole("button", { name: "Rotate Rotated deploy" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate “Rotated deploy”" });
  await dialog.getByLabel("In 1 hour").check();
  await dialog.getByRole("button", { name: "Rotate token" }).click();
  await expect(dialog.getByRole("alert")).toContainText("It is a secret");
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(TOKEN_PATTERN);
  await expect(dialog.getByTestId("grace-end")).toContainText("The old token keeps working until");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  // Two rows with the label: the successor, and the old token counting down its grace.
  await expect(both).toHaveCount(2);
  const old = both.filter({ has: page.getByTestId("rotating") });
  await expect(old.getByTestId("rotating")).toHaveText(/^rotating — ends in (59 minutes|1 hour)$/);
  await expect(old).toHaveAttribute("data-status", "Active");
  await expect(old.getByRole("button", { name: "Rotate Rotated deploy" })).toHaveCount(0);
  await expect(old.getByTestId("rotating-places")).toContainText("Not used since the rotation began");

  // The same after a reload, as the server renders it; the new secret works at once.
  await page.reload();
  await expect(row(page, "Rotated deploy").filter({ has: page.getByTestId("rotating") })).toHaveCount(1);
  await expect(page.getByTestId("rotating")).toHaveText(/^rotating — ends in (59 minutes|1 hour)$/);
  const me = await page.request.get("/api/v1/access-token", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).label).toBe("Rotated deploy");
});
