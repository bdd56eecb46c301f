import { expect, test, type Page } from "@playwright/test";
import { OWNER, createToken, signIn } from "./helpers";

// A workspace of a few hundred tokens, made through the API as a platform team's automation
// would: the table shows a page at a time with a count, and pages, sorts and searches on the
// server, the query kept in the URL.
const FLEET = "Fleet";
const COUNT = 260;

const labels = (page: Page) => page.locator("td[data-column=Label]");
const count = (page: Page) => page.getByTestId("token-count");

test("a workspace of 260 tokens pages, sorts and searches a page at a time", async ({ page, request }) => {
  await signIn(page, OWNER.email, OWNER.password);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New workspace").fill(FLEET);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { name: FLEET })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const workspace = new URL(page.url()).pathname.split("/")[2];
  const secret = await createToken(page, "fleet admin", "Owner");
  for (let i = 1; i < COUNT; i++) {
    const made = await request.post(`/api/v1/workspaces/${workspace}/tokens`, {
      headers: { Authorization: `Bearer ${secret}` },
      data: { label: `svc-${String(i).padStart(3, "0")}`, scope: i % 5 === 0 ? "team_member" : "viewer" },
    });
    expect(made.status()).toBe(201);
  }

  // Newest first, 50 at a time.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("token-row")).toHaveCount(50);
  await expect(count(page)).toHaveText("1–50 of 260 tokens");
  await expect(labels(page).first()).toHaveText("svc-259");
  await expect(page.getByText("Previous", { exact: true })).toHaveAttribute("aria-disabled", "true");

  await page.getByRole("link", { name: "Next" }).click();
  await expect(count(page)).toHaveText("51–100 of 260 tokens");
  await expect(page).toHaveURL(/[?&]after=/);
  await expect(labels(page).first()).toHaveText("svc-209");
  await page.getByRole("link", { name: "Previous" }).click();
  await expect(count(page)).toHaveText("1–50 of 260 tokens");
  await expect(labels(page).first()).toHaveText("svc-259");

  // Sorting asks the server for that order from the first page.
  await page.locator("th[data-column=Label] button").click();
  await expect(page).toHaveURL(/[?&]sort=label(&|$)/);
  await expect(page.locator("th[data-column=Label]")).toHaveAttribute("aria-sort", "ascending");
  await expect(labels(page).nth(0)).toHaveText("fleet admin");
  await expect(labels(page).nth(1)).toHaveText("svc-001");
  for (let shown = 100; shown <= 250; shown += 50) {
    await page.getByRole("link", { name: "Next" }).click();
    await expect(count(page)).toHaveText(`${shown - 49}–${shown} of 260 tokens`);
  }
  await page.getByRole("link", { name: "Next" }).click();
  await expect(count(page)).toHaveText("251–260 of 260 tokens");
  await expect(labels(page)).toHaveCount(10);
  await expect(labels(page).last()).toHaveText("svc-259");
  await expect(page.getByText("Next", { exact: true })).toHaveAttribute("aria-disabled", "true");
  await page.locator("th[data-column=Label] button").click();
  await expect(page).toHaveURL(/[?&]sort=-label(&|$)/);
  await expect(labels(page).first()).toHaveText("svc-259");
  await expect(count(page)).toHaveText("1–50 of 260 tokens");

  // The search asks the server once typing pauses; the table stays meanwhile.
  await page.getByLabel("Search by label").fill("SVC-12");
  await expect(count(page)).toHaveText("1–10 of 10 tokens");
  await expect(page).toHaveURL(/[?&]q=SVC-12(&|$)/);
  await expect(labels(page).first()).toHaveText("svc-129");
  // A reload (or a shared link) shows the same page.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByLabel("Search by label")).toHaveValue("SVC-12");
  await expect(count(page)).toHaveText("1–10 of 10 tokens");
  await expect(page.locator("th[data-column=Label]")).toHaveAttribute("aria-sort", "descending");

  // The status filter: none is disabled yet.
  await page.getByLabel("Status").selectOption({ label: "Disabled" });
  await expect(page.getByText("No token matches this search and status.")).toBeVisible();
  await page.getByLabel("Search by label").fill("");
  await expect(page).not.toHaveURL(/[?&]q=/);
  await expect(page.getByText("No token has this status.")).toBeVisible();
  // Disabled through the API meanwhile: the filter finds it on the next read.
  const auth = { Authorization: `Bearer ${secret}` };
  const found = await request.get(`/api/v1/workspaces/${workspace}/tokens?label=svc-100`, { headers: auth });
  const id = (await found.json()).items[0].id;
  const disabled = await request.patch(`/api/v1/workspaces/${workspace}/tokens/${id}`, { headers: auth, data: { enabled: false } });
  expect(disabled.status()).toBe(200);
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page).toHaveURL(/[?&]status=disabled(&|$)/);
  await expect(count(page)).toHaveText("1–1 of 1 token");
  await expect(labels(page)).toHaveText(["svc-100"]);
  await page.getByLabel("Status").selectOption({ label: "Any status" });
  await expect(count(page)).toHaveText("1–50 of 260 tokens");

  // The API access audit pages on the server too: the token used (by the calls above)
  // first, then never-used ones, 50 at a time; a search starts again from its first page.
  await page.goto(`/workspace/${workspace}/api-access`);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const audited = page.getByTestId("access-count");
  await expect(audited).toHaveText("1–50 of 260 tokens");
  await expect(page.getByTestId("access-row")).toHaveCount(50);
  await expect(page.getByTestId("access-row").first()).toContainText("fleet admin");
  await expect(page.getByTestId("access-previous")).toBeDisabled();
  await page.getByTestId("access-next").click();
  await expect(audited).toHaveText("51–100 of 260 tokens");
  await expect(page.getByTestId("access-row").first()).toHaveText(/^svc-\d{3}/);
  await page.getByTestId("access-next").click();
  await expect(audited).toHaveText("101–150 of 260 tokens");
  await page.getByTestId("access-previous").click();
  await expect(audited).toHaveText("51–100 of 260 tokens");
  await page.getByTestId("access-previous").click();
  await expect(audited).toHaveText("1–50 of 260 tokens");
  await page.getByTestId("access-next").click();
  await expect(audited).toHaveText("51–100 of 260 tokens");
  await page.getByLabel("Team Member").check();
  await page.getByRole("button", { name: "Search" }).click();
  await expect(audited).toHaveText("1–50 of 51 tokens");
  await page.getByTestId("access-next").click();
  await expect(audited).toHaveText("51–51 of 51 tokens");
  await expect(page.getByTestId("access-next")).toBeDisabled();
  await page.getByLabel("Admin tokens only (Administrator or Owner)").check();
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("No token matches this search.")).toBeVisible();
});
