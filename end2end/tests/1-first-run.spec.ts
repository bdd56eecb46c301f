import { expect, test } from "@playwright/test";
import { OWNER, signIn } from "./helpers";

test("first run: every page leads to set-up, which creates the owner and workspace once", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up Tessera" })).toBeVisible();
  // Tailwind's stylesheet is applied: the header row is a flex container.
  await expect(page.locator("header > div")).toHaveCSS("display", "flex");
  // The WASM app has taken over: typing changes reactive state in the browser.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const hint = page.getByTestId("password-hint");
  await expect(hint).toHaveText("At least 12 characters: 12 more.");
  await page.getByLabel("Password").fill("short");
  await expect(hint).toHaveText("At least 12 characters: 7 more.");

  // Bad input explains itself and nothing is created.
  await page.getByLabel("Your name").fill(OWNER.name);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByRole("button", { name: "Create account and workspace" }).click();
  await expect(page.locator("[data-field-error=password]")).toHaveText(
    "Use at least 12 characters (this one has 5).",
  );

  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByLabel("Workspace name").fill(OWNER.workspace);
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/rpc/setup"),
    page.getByRole("button", { name: "Create account and workspace" }).click(),
  ]);
  expect(response.status()).toBe(200);
  await expect(page).toHaveURL(/\/workspace\/[0-9a-f-]+\/access-tokens$/);
  await expect(page.getByRole("heading", { name: OWNER.workspace })).toBeVisible();
  await expect(page.getByTestId("empty-state")).toContainText("No access tokens yet");
  await expect(page.getByTestId("signed-in-as")).toHaveText(OWNER.name);

  // Set-up is gone for good.
  const again = await page.goto("/setup");
  expect(again?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("sign out, a wrong password, and sign in", async ({ page }) => {
  await signIn(page, OWNER.email, OWNER.password);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "tessera_session")!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // Signed out, the workspace pages send you to sign in.
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);

  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("[data-field-error=password]")).toContainText(
    "That email and password do not match an account",
  );
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your workspaces" })).toBeVisible();
  await expect(page.getByRole("link", { name: OWNER.workspace })).toBeVisible();
});
