import { expect, test, type Page } from "@playwright/test";
import { OWNER, addMember, as, createToken, openTokens, row, type Person } from "./helpers";

const people: Person[] = [
  { role: "Administrator", name: "Ada Admin", email: "ada@example.com", password: "" },
  { role: "Workspace Manager", name: "Wes Manager", email: "wes@example.com", password: "" },
  { role: "Team Member", name: "Tim Member", email: "tim@example.com", password: "" },
  { role: "Viewer", name: "Vera Viewer", email: "vera@example.com", password: "" },
];
let privateWorkspaceUrl = "";

test.describe.configure({ mode: "serial" });

const buttons = (page: Page, label: string) => row(page, label).getByRole("button");

test("an Owner may do everything, and invites members who choose their own passwords", async ({ page }) => {
  await openTokens(page, OWNER.email, OWNER.password);
  await createToken(page, "Owner only", "Owner");
  await expect(buttons(page, "Owner only")).toHaveText(["Copy", "Edit", "Rotate", "Disable", "Delete"]);
  await expect(buttons(page, "CI deploy")).toHaveText(["Copy", "Edit", "Rotate", "Disable", "Delete"]);
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByTestId("member-row")).toHaveCount(1);
  for (const person of people) await addMember(page, person);
  await expect(page.getByTestId("member-row")).toHaveCount(5);
  // The last Owner cannot be demoted: the server refuses and says why.
  await page.getByLabel(`Role of ${OWNER.name}`).selectOption({ label: "Administrator" });
  await expect(page.getByTestId("toast").last()).toContainText("at least one Owner");

  // A second workspace the others are not in.
  await page.goto("/");
  // Typed before the WASM takes over, the name would be lost.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New workspace").fill("Private");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: "Private" })).toBeVisible();
  privateWorkspaceUrl = new URL(page.url()).pathname;
});

test("an Administrator manages tokens but cannot copy or edit an Owner-scoped one", async ({ browser }) => {
  const page = await as(browser, people[0]);
  await expect(page.getByRole("button", { name: "New token" })).toBeVisible();
  await expect(buttons(page, "CI deploy")).toHaveText(["Copy", "Edit", "Rotate", "Disable", "Delete"]);
  // Rotating an Owner-scoped token would hand its fresh secret to an Administrator.
  await expect(buttons(page, "Owner only")).toHaveText(["Disable", "Delete"]);
  await page.getByRole("button", { name: "New token" }).click();
  const scopes = page.getByRole("dialog").getByLabel("Scope").locator("option");
  await expect(scopes).toHaveText(["Viewer", "Team Member", "Workspace Manager", "Administrator"]);
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("button", { name: "Invite member" })).toBeVisible();
  await page.context().close();
});

test("a Workspace Manager creates, edits, copies and rotates, but never disables or deletes", async ({ browser }) => {
  const page = await as(browser, people[1]);
  await expect(page.getByRole("button", { name: "New token" })).toBeVisible();
  await expect(buttons(page, "CI deploy")).toHaveText(["Copy", "Edit", "Rotate"]);
  await expect(buttons(page, "Owner only")).toHaveCount(0);
  await page.getByRole("button", { name: "New token" }).click();
  const scopes = page.getByRole("dialog").getByLabel("Scope").locator("option");
  await expect(scopes).toHaveText(["Viewer", "Team Member", "Workspace Manager"]);
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByTestId("member-row")).toHaveCount(5);
  await expect(page.getByRole("button", { name: "Invite member" })).toHaveCount(0);
  await page.context().close();
});

for (const index of [2, 3]) {
  test(`a ${people[index].role} sees a read-only list and nothing of other workspaces`, async ({ browser }) => {
    const page = await as(browser, people[index]);
    await expect(page.getByTestId("token-row")).not.toHaveCount(0);
    await expect(page.getByRole("button", { name: "New token" })).toHaveCount(0);
    await expect(page.locator("[data-testid=token-row] button")).toHaveCount(0);
    await expect(row(page, "CI deploy").getByTestId("masked-token")).toContainText("tsr_");
    await page.getByRole("link", { name: "Members" }).click();
    await expect(page.getByTestId("member-row")).toHaveCount(5);
    await expect(page.locator("select")).toHaveCount(0);

    const response = await page.goto(privateWorkspaceUrl);
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(page.getByText("Private")).toHaveCount(0);
    await page.context().close();
  });
}
