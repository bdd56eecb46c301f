import { expect, test } from "@playwright/test";
import { OWNER, addMember, as, createToken, openTokens, type Person } from "./helpers";

// An Administrator audits the API access of a token the Owner made and used; a Team
// Member cannot reach either audit page.
test.describe.configure({ mode: "serial" });

const auditor: Person = { name: "Aude Auditor", email: "aude@example.com", role: "Administrator", password: "" };
const member: Person = { name: "Theo Member", email: "theo@example.com", role: "Team Member", password: "" };
let secret = "";
let workspacePath = "";

test("the Owner makes a token, adds an auditor and a member, and the token is used", async ({ page, request }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  workspacePath = new URL(page.url()).pathname.replace(/\/access-tokens$/, "");
  secret = await createToken(page, "Audit probe", "Viewer");
  await page.getByRole("link", { name: "Members" }).click();
  await addMember(page, auditor);
  await addMember(page, member);
  for (const path of ["/api/v1/access-token", `/api/v1${workspacePath.replace("/workspace/", "/workspaces/")}`]) {
    const response = await request.get(path, {
      headers: { Authorization: `Bearer ${secret}`, "User-Agent": "audit-probe/1.0" },
    });
    expect(response.status()).toBe(200);
  }
});

test("without SMTP, the Owner reads the new-token notice in the outbox", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await page.getByRole("link", { name: "Outbox" }).click();
  const notice = page.getByTestId("outbox-entry").filter({ hasText: "New access token “Audit probe”" });
  // The sender runs every few seconds: held once it has looked at the message.
  await expect(async () => {
    await page.reload();
    await expect(notice).toHaveAttribute("data-status", "held", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(notice).toContainText(`To ${OWNER.email}`);
  await notice.locator("summary").click();
  await expect(notice.locator("pre")).toContainText("Scope:   Viewer");
});

test("an Administrator finds the token by its pasted value, sees its requests and revokes it", async ({ browser, request }) => {
  const page = await as(browser, auditor);
  await expect(page.getByRole("link", { name: "Outbox" })).toHaveCount(0);
  await page.getByRole("link", { name: "API access audit" }).click();
  await expect(page.getByTestId("access-row").first()).toBeVisible();
  await page.getByLabel("Token value").fill(secret);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("access-count")).toHaveText("1 token");
  const row = page.getByTestId("access-row");
  await expect(row).toContainText("Audit probe");
  await expect(row).toContainText(OWNER.email);
  // The first characters find it too, among others that share them.
  await page.getByLabel("Token value").fill(secret.slice(0, 8));
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("access-row").filter({ hasText: "Audit probe" })).toHaveCount(1);

  await page.getByRole("link", { name: "Audit probe" }).click();
  await expect(page.getByRole("heading", { name: "Audit probe" })).toBeVisible();
  await expect(page.getByTestId("detail-permissions")).toContainText("tokens:read");
  await expect(page.getByTestId("most-recent-request")).toContainText("GET /api/v1/workspaces/");
  await expect(page.getByTestId("most-recent-request")).toContainText("audit-probe/1.0");
  await expect(page.getByTestId("request-row")).toHaveCount(2);
  await expect(page.getByTestId("day-bar")).toHaveCount(30);
  await expect(page.getByTestId("day-bar").last()).toHaveAttribute("data-requests", "2");

  await page.getByRole("button", { name: "Revoke" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke token" });
  await expect(dialog).toContainText("cannot be undone");
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByTestId("toast").last()).toContainText("was revoked");
  await expect(page.getByTestId("access-row").filter({ hasText: "Audit probe" })).toHaveCount(0);
  const refused = await request.get("/api/v1/access-token", { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);

  // The audit log says who revoked it.
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByLabel("Action").selectOption({ label: "Token deleted" });
  await page.getByRole("button", { name: "Filter" }).click();
  const record = page.getByTestId("audit-row").first();
  await expect(record).toHaveAttribute("data-action", "token.deleted");
  await expect(record).toContainText(auditor.email);
  await expect(record).toContainText("Audit probe");
});

test("a Team Member reaches neither audit page", async ({ browser }) => {
  const page = await as(browser, member);
  await expect(page.getByRole("link", { name: "API access audit" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  for (const tail of ["api-access", "audit-log"]) {
    await page.goto(`${workspacePath}/${tail}`);
    await expect(page.getByRole("alert")).toContainText("Only Administrators and Owners");
  }
});
