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

/** On the members page: invites `person` and returns the link shown once (no SMTP here). */
export async function invite(page: Page, email: string, role: string): Promise<string> {
  // A click before the page has hydrated reaches no handler (the page may just have been
  // reloaded, as addMember does): wait for it.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Invite member" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite member" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption({ label: role });
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  const link = (await dialog.getByTestId("invitation-link").textContent())!.trim();
  expect(link).toMatch(/\/invite\/[0-9a-f]{64}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  return link;
}

/** Opens an invitation link in a fresh browser, makes the account with its own password
 * and accepts; lands on the workspace. */
export async function acceptAsNewAccount(browser: Browser, link: string, person: Person) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL(link).pathname);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("invitation-summary")).toContainText(`as ${person.role}`);
  await page.getByLabel("Your name").fill(person.name);
  await page.getByLabel("Choose a password").fill(person.password);
  await page.getByRole("button", { name: "Create account and join" }).click();
  await expect(page.getByTestId("workspace-role")).toHaveText(`You are ${person.role}`);
  return page;
}

/** On the members page: invites `person`, who joins with a password of their own. */
export async function addMember(page: Page, person: Person) {
  person.password = `${person.name.split(" ")[0].toLowerCase()} violet anchor drizzle`;
  const link = await invite(page, person.email, person.role);
  const joined = await acceptAsNewAccount(page.context().browser()!, link, person);
  await joined.context().close();
  await page.reload();
  await expect(page.getByTestId("member-row").filter({ hasText: person.email })).toBeVisible();
}

/** A fresh browser context signed in as `person`, on the first workspace's tokens. */
export async function as(browser: Browser, person: Person): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openTokens(page, person.email, person.password);
  await expect(page.getByTestId("workspace-role")).toHaveText(`You are ${person.role}`);
  return page;
}
