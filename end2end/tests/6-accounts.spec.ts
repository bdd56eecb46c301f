import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { OWNER, acceptAsNewAccount, invite, openTokens, signIn, type Person } from "./helpers";

// Accounts people own: an invitation walked end to end, a password change that ends the
// other session, a reset link from the operator's CLI, and sign-in before the WASM loads.
test.describe.configure({ mode: "serial" });

const newcomer: Person = {
  name: "Nora Newcomer",
  email: "nora@example.com",
  role: "Team Member",
  password: "nora picks marmalade skylines",
};

test("an invitation: the Owner invites, the newcomer sets a password and sees the workspace", async ({ page, browser }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("link", { name: "Members" }).click();
  const link = await invite(page, newcomer.email, newcomer.role);
  // Pending until accepted: no member yet, an invitation row instead.
  await page.reload();
  const pending = page.getByTestId("invitation-row").filter({ hasText: newcomer.email });
  await expect(pending.getByTestId("invitation-status")).toHaveText("Pending");
  await expect(page.getByTestId("member-row").filter({ hasText: newcomer.email })).toHaveCount(0);
  // Without SMTP the invitation mail is held in the outbox, which only Owners read: the
  // same link as the one shown once.
  await page.getByRole("link", { name: "Outbox" }).click();
  const mail = page
    .getByTestId("outbox-entry")
    .filter({ hasText: `You are invited to ${OWNER.workspace}` })
    .filter({ hasText: `To ${newcomer.email}` });
  await expect(mail).toHaveCount(1);
  await mail.locator("summary").click();
  await expect(mail.locator("pre")).toContainText(link);
  await page.getByRole("link", { name: "Members" }).click();

  // A guessable password is refused with the reason.
  const context = await browser.newContext();
  const invitee = await context.newPage();
  await invitee.goto(new URL(link).pathname);
  await expect(invitee.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(invitee.getByRole("heading", { name: `Join ${OWNER.workspace}` })).toBeVisible();
  await invitee.getByLabel("Your name").fill(newcomer.name);
  await invitee.getByLabel("Choose a password").fill("password1234");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee.locator("[data-field-error=password]")).toContainText("too easy to guess");
  await context.close();

  const joined = await acceptAsNewAccount(browser, link, newcomer);
  await expect(joined.getByRole("heading", { name: OWNER.workspace })).toBeVisible();
  await joined.context().close();

  // The link works once.
  const again = await browser.newContext();
  const reopened = await again.newPage();
  await reopened.goto(new URL(link).pathname);
  await expect(reopened.getByTestId("invitation-dead")).toContainText("does not work any more");
  await again.close();

  await page.reload();
  await expect(page.getByTestId("member-row").filter({ hasText: newcomer.email })).toContainText(newcomer.role);
  await expect(pending.getByTestId("invitation-status")).toHaveText("Accepted");
});

test("changing the password ends the other session", async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
  await signIn(first, newcomer.email, newcomer.password);
  await signIn(second, newcomer.email, newcomer.password);

  await first.getByTestId("signed-in-as").click();
  await expect(first.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(first.locator("body")).toHaveAttribute("data-hydrated", "true");
  // Its own sign-ins are listed for the person.
  await expect(first.getByTestId("sign-in-row").first()).toContainText("Signed in");
  await first.getByLabel("Current password").fill("not my password at all");
  await first.getByLabel("New password").fill("quiet harbour lanterns glow");
  await first.getByRole("button", { name: "Change password" }).click();
  await expect(first.locator("[data-field-error=current_password]")).toContainText("not your current password");
  await first.getByLabel("Current password").fill(newcomer.password);
  await first.getByRole("button", { name: "Change password" }).click();
  // The second browser's, and the one accepting the invitation opened.
  await expect(first.getByTestId("password-changed")).toContainText("2 other session(s) ended");
  newcomer.password = "quiet harbour lanterns glow";

  // The other browser is signed out; this one is not.
  await second.goto("/");
  await expect(second).toHaveURL(/\/login$/);
  await first.goto("/");
  await expect(first.getByRole("heading", { name: "Your workspaces" })).toBeVisible();
  await first.context().close();
  await second.context().close();
});

test("a reset link from the operator sets a new password once", async ({ page }) => {
  // Forgot-password says the same whether or not the account exists.
  await page.goto("/forgot-password");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByTestId("reset-requested")).toContainText("If an account has this email address");

  const link = execFileSync(process.env.TESSERA_BIN!, ["admin", "reset-password", newcomer.email], {
    encoding: "utf8",
  }).trim();
  expect(link).toMatch(/\/reset-password\/[0-9a-f]{64}$/);
  await page.goto(new URL(link).pathname);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText(`For the account ${newcomer.email}.`)).toBeVisible();
  await page.getByLabel("New password").fill("amber comets drift sideways");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByTestId("password-reset-done")).toBeVisible();
  newcomer.password = "amber comets drift sideways";
  await signIn(page, newcomer.email, newcomer.password);

  // Used once: the link is dead now.
  await page.goto(new URL(link).pathname);
  await expect(page.getByRole("alert")).toContainText("not valid any more");
});

test("signing in works before the WASM loads, and never puts the password in the address", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(newcomer.email);
  await page.getByLabel("Password").fill("a wrong guess entirely");
  await page.getByLabel("Password").press("Enter");
  await expect(page).toHaveURL(/\/login\?error=invalid$/);
  await expect(page.getByRole("alert")).toContainText("check what you entered");
  await page.getByLabel("Email").fill(newcomer.email);
  await page.getByLabel("Password").fill(newcomer.password);
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("heading", { name: "Your workspaces" })).toBeVisible();
  expect(page.url()).not.toContain("password");
  await context.close();
});
