import { expect, type Browser, type Page } from "@playwright/test";

export const OWNER = {
  name: "Olive Owner",
  email: "owner@example.com",
  password: "correct horse battery staple",
  workspace: "Acme",
};

/** Every token: tsr_, 43 random base62 characters, a 6-character checksum. */
export const TOKEN_PATTERN = /^tsr_[0-9A-Za-z]{49}$/;

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Your workspaces" })).toBeVisible();
}

/** Signs in and opens the first workspace's access-token page. */
export async function openTokens(page: Page, email: string, password: string, workspace = OWNER.workspace) {
  await signIn(page, email, password);
  await page.getByRole("link", { name: workspace }).click();
  await expect(page.getByRole("heading", { name: workspace })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export function row(page: Page, label: string) {
  return page.getByTestId("token-row").filter({ has: page.getByText(label, { exact: true }) });
}

export async function createToken(page: Page, label: string, scope?: string) {
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New access token" });
  await dialog.getByLabel("Label").fill(label);
  if (scope) await dialog.getByLabel("Scope").selectOption({ label: scope });
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(TOKEN_PATTERN);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  return secret;
}

export type Person = { role: string; name: string; email: string; password: string };

/** On the members page: adds `person` as a new account and keeps its one-time password. */
export async function addMember(page: Page, person: Person) {
  await page.getByRole("button", { name: "Add member" }).click();
  const dialog = page.getByRole("dialog", { name: "Add member" });
  await dialog.getByLabel("Email").fill(person.email);
  await dialog.getByLabel("Name (only for a new account)").fill(person.name);
  await dialog.getByLabel("Role").selectOption({ label: person.role });
  await dialog.getByRole("button", { name: "Add member" }).click();
  person.password = (await dialog.getByTestId("initial-password").textContent())!.trim();
  expect(person.password).toHaveLength(20);
  await dialog.getByRole("button", { name: "Done" }).click();
}

/** A fresh browser context signed in as `person`, on the first workspace's tokens. */
export async function as(browser: Browser, person: Person): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openTokens(page, person.email, person.password);
  await expect(page.getByTestId("workspace-role")).toHaveText(`You are ${person.role}`);
  return page;
}
