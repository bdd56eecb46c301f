import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { OWNER, TOKEN_PATTERN, addMember, invite, openTokens, signIn, type Person } from "./helpers";

// Personal tokens: a member of two workspaces makes one token for both on their account
// page and it answers in both; an Administrator of one takes their workspace from it on the
// Access tokens page, and it stops there at once while it still works in the other; the
// owner edits, disables and deletes it.
test.describe.configure({ mode: "serial" });

const pat: Person = { name: "Pat Personal", email: "pat@example.com", role: "Team Member", password: "" };
const gus: Person = { name: "Gus Guard", email: "gus@example.com", role: "Administrator", password: "" };
const SECOND = "Globex";
let acme = "";
let globex = "";
let secret = "";

/** The workspace id in a page's `/workspace/<id>/…` address. */
const workspaceId = (page: Page) => new URL(page.url()).pathname.split("/")[2];

/** The token's answer to `GET /api/v1/workspaces/<id>/tokens`. */
async function status(request: APIRequestContext, workspace: string) {
  const response = await request.get(`/api/v1/workspaces/${workspace}/tokens`, {
    headers: { Authorization: `Bearer ${secret}` },
  });
  return response.status();
}

/** A fresh browser signed in as `person`, on their personal tokens page. */
async function ownTokens(browser: Browser, person: Person): Promise<Page> {
  const context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  await signIn(page, person.email, person.password);
  await page.getByRole("link", { name: "Personal tokens", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Your personal tokens" })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  return page;
}

const tokenRow = (page: Page, label: string) =>
  page.getByTestId("personal-token-row").filter({ has: page.getByText(label, { exact: true }) });

test("the Owner makes a second workspace with its own Administrator, and a member of both", async ({ page, browser }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  acme = workspaceId(page);
  await page.getByRole("link", { name: "Members" }).click();
  await addMember(page, pat);

  await page.goto("/");
  // Typed before the WASM takes over, the name would be lost (seen under CI's load).
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New workspace").fill(SECOND);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: SECOND })).toBeVisible();
  globex = workspaceId(page);
  await page.getByRole("link", { name: "Members" }).click();
  await addMember(page, gus);

  // Pat, who has an account already, joins Globex as a Workspace Manager with it.
  const link = await invite(page, pat.email, "Workspace Manager");
  const context = await browser.newContext();
  const joining = await context.newPage();
  await joining.goto(new URL(link).pathname);
  await expect(joining.locator("body")).toHaveAttribute("data-hydrated", "true");
  await joining.getByLabel("Your password (to sign in as this account)").fill(pat.password);
  await joining.getByRole("button", { name: "Accept and join" }).click();
  await expect(joining.getByTestId("workspace-role")).toHaveText("You are Workspace Manager");
  await context.close();
});

test("a member of two workspaces makes a token for both, sees its secret once, and it answers in both", async ({ browser }) => {
  const page = await ownTokens(browser, pat);
  await expect(page.getByTestId("empty-state")).toContainText("No personal tokens yet");
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New personal token" });
  await dialog.getByLabel("Label").fill("laptop");
  // The server's refusal shows in the dialog.
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("[data-field-error=workspaces]")).toContainText("Choose at least one workspace");

  // Each workspace offers scopes up to the person's role there.
  await dialog.getByRole("checkbox", { name: OWNER.workspace, exact: true }).check();
  await expect(dialog.getByLabel(`Scope in ${OWNER.workspace}`).locator("option")).toHaveText(["Viewer", "Team Member"]);
  await dialog.getByLabel(`Scope in ${OWNER.workspace}`).selectOption({ label: "Team Member" });
  await dialog.getByRole("checkbox", { name: SECOND, exact: true }).check();
  await expect(dialog.getByLabel(`Scope in ${SECOND}`).locator("option")).toHaveText([
    "Viewer",
    "Team Member",
    "Workspace Manager",
  ]);
  await dialog.getByLabel(`Scope in ${SECOND}`).selectOption({ label: "Workspace Manager" });
  await dialog.getByRole("button", { name: "Create token" }).click();

  await expect(dialog.getByRole("alert")).toContainText("as Team Member in Acme and as Workspace Manager in Globex");
  secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(secret).toMatch(TOKEN_PATTERN);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  const made = tokenRow(page, "laptop");
  await expect(made.getByTestId("masked-token")).toHaveText(`${secret.slice(0, 10)}${"•".repeat(12)}`);
  await expect(made.getByTestId("token-workspace")).toHaveText([/^Acme\s*Team Member$/, /^Globex\s*Workspace Manager$/]);
  await expect(made).toHaveAttribute("data-status", "Active");
  // Shown once: after a reload it is nowhere in the page; Copy brings it back.
  await page.reload();
  await expect(tokenRow(page, "laptop")).toBeVisible();
  expect(await page.content()).not.toContain(secret.slice(10));
  await tokenRow(page, "laptop").getByRole("button", { name: "Copy laptop" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("is on your clipboard");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  expect(await status(page.request, acme)).toBe(200);
  expect(await status(page.request, globex)).toBe(200);
  const me = await page.request.get("/api/v1/access-token", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  const places = (await me.json()).workspaces.map((w: { name: string; scope: string }) => `${w.name}: ${w.scope}`);
  expect(places).toEqual(["Acme: team_member", "Globex: workspace_manager"]);

  // Neither a Team Member nor a Workspace Manager oversees personal tokens.
  for (const name of [OWNER.workspace, SECOND]) {
    await page.goto("/");
    await page.getByRole("link", { name, exact: true }).click();
    await expect(page.getByTestId("token-table").or(page.getByTestId("empty-state"))).toBeVisible();
    await expect(page.getByRole("heading", { name: "Personal tokens" })).toHaveCount(0);
  }
  await page.context().close();
});

test("an Administrator of one workspace removes it from the token: refused there at once, working in the other", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openTokens(page, gus.email, gus.password, SECOND);

  // The API access audit lists it, marked as Pat's.
  await page.getByRole("link", { name: "API access audit" }).click();
  const audited = page.getByTestId("access-row").filter({ hasText: "laptop" });
  await expect(audited.getByTestId("personal-badge")).toHaveText("Personal");
  await expect(audited).toContainText("Pat Personal's own token");
  await expect(audited).toContainText("Workspace Manager");
  await page.getByRole("link", { name: "Access tokens" }).click();

  const section = page.getByRole("region", { name: "Personal tokens" });
  const listed = section.getByTestId("workspace-personal-token-row").filter({ hasText: "laptop" });
  await expect(listed).toContainText(pat.name);
  await expect(listed).toContainText(pat.email);
  await expect(listed.locator("[data-column=Scope]")).toHaveText("Workspace Manager");
  await expect(listed).toHaveAttribute("data-approval", "approved");
  await expect(listed.getByTestId("masked-token")).toHaveText(`${secret.slice(0, 10)}${"•".repeat(12)}`);
  // Never a secret or a Copy button here.
  await expect(listed.getByRole("button")).toHaveText(["Remove"]);
  expect(await page.content()).not.toContain(secret.slice(10));

  await listed.getByRole("button", { name: "Remove laptop" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove personal token" });
  await expect(dialog.getByTestId("remove-question")).toHaveText(
    "Remove Globex from Pat Personal's token “laptop”? Pat Personal will be mailed.",
  );
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").last()).toContainText("Globex is removed from Pat Personal's token");
  await expect(section.getByTestId("no-personal-tokens")).toBeVisible();

  expect(await status(page.request, globex)).toBe(404);
  expect(await status(page.request, acme)).toBe(200);
  await page.reload();
  await expect(page.getByTestId("no-personal-tokens")).toBeVisible();
  await context.close();

  // The owner's page no longer lists Globex for it; the Owner finds the mail to Pat.
  const own = await ownTokens(browser, pat);
  await expect(tokenRow(own, "laptop").getByTestId("token-workspace")).toHaveText([/^Acme\s*Team Member$/]);
  await own.context().close();
  const owner = await browser.newContext();
  const outbox = await owner.newPage();
  await openTokens(outbox, OWNER.email, OWNER.password, SECOND);
  await outbox.getByRole("link", { name: "Outbox" }).click();
  await expect(
    outbox
      .getByTestId("outbox-entry")
      .filter({ hasText: "Your token “laptop” can no longer act in Globex" })
      .filter({ hasText: `To ${pat.email}` }),
  ).toHaveCount(1);
  await owner.close();
});

test("the owner edits the token, disables it (refused at once), enables and deletes it", async ({ browser }) => {
  const page = await ownTokens(browser, pat);
  await tokenRow(page, "laptop").getByRole("button", { name: "Edit laptop" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit “laptop”" });
  // The same form, filled in: Acme ticked as it was, Globex (taken away) not.
  await expect(dialog.getByLabel("Label")).toHaveValue("laptop");
  await expect(dialog.getByRole("checkbox", { name: OWNER.workspace, exact: true })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: SECOND, exact: true })).not.toBeChecked();
  await expect(dialog.getByLabel(`Scope in ${OWNER.workspace}`)).toHaveValue("team_member");
  // A date in the past is refused, in the dialog.
  await dialog.getByLabel("Expires (optional)").fill("2020-01-01");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.locator("[data-field-error=expires_at]")).toContainText("in the future");

  const soon = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await dialog.getByLabel("Label").fill("work laptop");
  await dialog.getByLabel("Expires (optional)").fill(soon);
  await dialog.getByLabel(`Scope in ${OWNER.workspace}`).selectOption({ label: "Viewer" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").last()).toContainText("“work laptop” is saved");
  const edited = tokenRow(page, "work laptop");
  await expect(edited.getByTestId("token-workspace")).toHaveText([/^Acme\s*Viewer$/]);
  // Three days away: the expiry shows in red.
  await expect(edited.locator("[data-column=Expires]")).toContainText(soon);
  await expect(edited.locator("[data-column=Expires] [data-near=true]")).toHaveClass(/text-red-700/);
  const me = await page.request.get("/api/v1/access-token", { headers: { Authorization: `Bearer ${secret}` } });
  expect((await me.json()).workspaces.map((w: { scope: string }) => w.scope)).toEqual(["viewer"]);

  await edited.getByRole("button", { name: "Disable work laptop" }).click();
  await expect(edited).toHaveAttribute("data-status", "Disabled");
  expect(await status(page.request, acme)).toBe(401);
  await edited.getByRole("button", { name: "Enable work laptop" }).click();
  await expect(edited).toHaveAttribute("data-status", "Active");
  expect(await status(page.request, acme)).toBe(200);

  await edited.getByRole("button", { name: "Delete work laptop" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete personal token" });
  await expect(confirm).toContainText("in every workspace");
  await confirm.getByRole("button", { name: "Delete token" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId("empty-state")).toBeVisible();
  expect(await status(page.request, acme)).toBe(401);
  await page.reload();
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await page.context().close();
});

test("where approval is asked, a personal token waits in the queue until an Administrator approves it", async ({ browser }) => {
  // The Owner asks Globex's personal tokens to be approved.
  const owner = await browser.newContext();
  const settings = await owner.newPage();
  await openTokens(settings, OWNER.email, OWNER.password, SECOND);
  await settings.getByRole("link", { name: "Settings" }).click();
  const policy = settings.getByRole("region", { name: "Token policy" });
  await policy.getByLabel("Personal tokens need an Administrator's approval").check();
  await policy.getByRole("button", { name: "Save token policy" }).click();
  await expect(settings.getByTestId("toast").last()).toContainText("The token policy is saved.");

  // Pat makes a token for Globex: it waits there, and says so.
  const page = await ownTokens(browser, pat);
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New personal token" });
  await dialog.getByLabel("Label").fill("deploy");
  await dialog.getByRole("checkbox", { name: SECOND, exact: true }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();
  secret = (await dialog.getByTestId("new-secret").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(tokenRow(page, "deploy").getByTestId("pending")).toHaveText("pending approval");
  expect(await status(page.request, globex)).toBe(403);

  // Gus, Globex's Administrator, finds it first in the queue and approves it.
  const admin = await browser.newContext();
  const tokens = await admin.newPage();
  await openTokens(tokens, gus.email, gus.password, SECOND);
  const section = tokens.getByRole("region", { name: "Personal tokens" });
  await expect(section.getByTestId("approval-queue")).toHaveText("1 personal token waits for approval.");
  const waiting = section.getByTestId("workspace-personal-token-row").first();
  await expect(waiting).toHaveAttribute("data-approval", "pending");
  await expect(waiting).toContainText("deploy");
  await waiting.getByRole("button", { name: "Approve deploy" }).click();
  await expect(tokens.getByTestId("toast").last()).toContainText("“deploy” may act here now; Pat Personal is mailed.");
  await expect(waiting).toHaveAttribute("data-approval", "approved");
  await expect(section.getByTestId("approval-queue")).toHaveCount(0);
  expect(await status(page.request, globex)).toBe(200);
  await page.reload();
  await expect(tokenRow(page, "deploy").getByTestId("pending")).toHaveCount(0);

  // Back as it was for whatever runs next.
  await policy.getByLabel("Personal tokens need an Administrator's approval").uncheck();
  await policy.getByRole("button", { name: "Save token policy" }).click();
  await expect(settings.getByTestId("toast").last()).toContainText("The token policy is saved.");
  await Promise.all([owner.close(), admin.close(), page.context().close()]);
});

test("the owner rotates a personal token: the successor answers at once, the old one through its grace", async ({ browser }) => {
  const page = await ownTokens(browser, pat);
  await tokenRow(page, "deploy").getByRole("button", { name: "Rotate deploy" }).click();
  const dialog = page.getByRole("dialog", { name: "Rotate “deploy”" });
  await expect(dialog).toContainText("same label, workspaces, scopes and permissions");
  await dialog.getByLabel("In 1 hour").check();
  await dialog.getByRole("button", { name: "Rotate token" }).click();
  await expect(dialog.getByTestId("grace-end")).toContainText("The old token keeps working until");
  const fresh = (await dialog.getByTestId("new-secret").textContent())!.trim();
  expect(fresh).toMatch(TOKEN_PATTERN);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(tokenRow(page, "deploy")).toHaveCount(2);

  const old = secret;
  expect(await status(page.request, globex)).toBe(200);
  secret = fresh;
  expect(await status(page.request, globex)).toBe(200);
  // The successor reaches Globex as approved, as the old one did.
  const me = await page.request.get("/api/v1/access-token", { headers: { Authorization: `Bearer ${fresh}` } });
  expect((await me.json()).workspaces.map((w: { name: string; status: string }) => `${w.name}: ${w.status}`)).toEqual([
    "Globex: approved",
  ]);
  expect(old).not.toBe(fresh);
  await page.context().close();
});

test("an Administrator reads the personal tokens reaching the workspace 50 at a time", async ({ browser }) => {
  // Pat's automation makes 55 more tokens for Globex through the same call the dialog makes.
  const page = await ownTokens(browser, pat);
  const made = await page.evaluate(async (workspace) => {
    let ok = 0;
    for (let i = 0; i < 55; i++) {
      const response = await fetch("/rpc/create_personal_token", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ input: { label: `batch ${i}`, expires_at: null, workspaces: [{ workspace_id: workspace, scope: "viewer" }] } }),
      });
      if (response.ok) ok++;
    }
    return ok;
  }, globex);
  expect(made).toBe(55);

  const admin = await browser.newContext();
  const tokens = await admin.newPage();
  await openTokens(tokens, gus.email, gus.password, SECOND);
  const section = tokens.getByRole("region", { name: "Personal tokens" });
  const rows = section.getByTestId("workspace-personal-token-row");
  await expect(rows).toHaveCount(50);
  const shown = section.getByTestId("personal-tokens-count");
  await expect(shown).toHaveText(/^Showing 50 of \d+ personal tokens$/);
  const total = Number((await shown.textContent())!.match(/of (\d+)/)![1]);
  expect(total).toBeGreaterThanOrEqual(55);
  expect(total).toBeLessThanOrEqual(100);
  // Newest first: the last made leads.
  await expect(rows.first()).toContainText("batch 54");
  await section.getByTestId("personal-tokens-more").click();
  await expect(rows).toHaveCount(total);
  await expect(shown).toHaveText(`${total} personal tokens`);
  await expect(section.getByTestId("personal-tokens-more")).toHaveCount(0);
  await Promise.all([admin.close(), page.context().close()]);
});

test("a member deletes their account: the password again, then their personal tokens stop at once", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, pat.email, pat.password);
  await page.goto("/account");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const section = page.getByTestId("delete-account");
  await expect(section).toContainText("your personal tokens stop working at once");
  await section.getByLabel("Your password, to confirm").fill("not my password at all");
  await section.getByRole("button", { name: "Delete my account" }).click();
  await expect(section.locator("[data-field-error=password]")).toContainText("That is not your password.");
  expect(await status(page.request, globex)).toBe(200);

  await section.getByLabel("Your password, to confirm").fill(pat.password);
  await section.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await status(page.request, globex)).toBe(401);
  expect(await status(page.request, acme)).toBe(401);
  await page.getByLabel("Email").fill(pat.email);
  await page.getByLabel("Password").fill(pat.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("[data-field-error=password]")).toContainText("That email and password do not match an account");
  await context.close();
});
