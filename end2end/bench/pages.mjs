// make bench's page figures (scripts/bench.sh, part "pages"): what a browser with an empty
// cache meets on the sign-in page and on a big workspace's access-token page, in Debian's
// headless Chromium. For each page, RUNS loads in fresh browser contexts (nothing cached),
// and the medians of:
//   bytes    everything transferred (headers and encoded bodies, HTML, JS, WASM, CSS)
//   html     the page's own HTML, as sent
//   wasm     the WASM files' bodies as sent (brotli), and how many files: the main one, the
//            page's group and what the group shares (src/app/mod.rs)
//   render   the server's answer: request sent to first byte (Leptos renders the whole page
//            on the server before sending it)
//   paint    first contentful paint
//   ready    interactive: the WASM loaded and the page hydrated (body[data-hydrated])
// Usage: node pages.mjs BASE_URL EMAIL PASSWORD WORKSPACE_NAME [RUNS]; prints one JSON object.
import { chromium } from "@playwright/test";
import { launchOptions } from "../chromium.mjs";

const [base, email, password, workspaceName, runsArg] = process.argv.slice(2);
const RUNS = Number(runsArg ?? 5);

const browser = await chromium.launch(launchOptions);

// Records when hydration marks the body, in the page's own clock.
const MARK_READY = () => {
  const mark = () => {
    if (document.body?.dataset.hydrated === "true" && !window.__readyAt) window.__readyAt = performance.now();
  };
  new MutationObserver(mark).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};

async function load(url, storageState) {
  const context = await browser.newContext({ baseURL: base, storageState });
  await context.addInitScript(MARK_READY);
  const page = await context.newPage();
  const responses = [];
  page.on("requestfinished", (request) => responses.push(request));
  const response = await page.goto(url);
  if (!response || response.status() !== 200) throw new Error(`${url}: ${response?.status()}`);
  await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 60_000 });
  await page.waitForLoadState("load");
  let bytes = 0;
  let html = 0;
  let wasm = 0;
  let wasmFiles = 0;
  for (const request of responses) {
    const sizes = await request.sizes();
    bytes += sizes.responseHeadersSize + sizes.responseBodySize;
    if (request === response.request()) html = sizes.responseBodySize;
    if (new URL(request.url()).pathname.endsWith(".wasm")) {
      wasm += sizes.responseBodySize;
      wasmFiles += 1;
    }
  }
  const timing = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType("navigation");
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      render: navigation.responseStart - navigation.requestStart,
      paint: paint ? paint.startTime : NaN,
      ready: window.__readyAt,
    };
  });
  const count = await page.getByTestId("token-count").textContent().catch(() => null);
  await context.close();
  return { bytes, html, wasm, wasmFiles, ...timing, count };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function measure(url, storageState) {
  const runs = [];
  // One load first, not counted: the server's first render of a page warms its caches.
  await load(url, storageState);
  for (let i = 0; i < RUNS; i++) runs.push(await load(url, storageState));
  const figure = (key) => Math.round(median(runs.map((run) => run[key])) * 10) / 10;
  return {
    url,
    bytes: figure("bytes"),
    html: figure("html"),
    wasm: figure("wasm"),
    wasm_files: figure("wasmFiles"),
    render_ms: figure("render"),
    paint_ms: figure("paint"),
    ready_ms: figure("ready"),
    count: runs[0].count,
  };
}

// Signs in once; later loads carry the session cookie in a fresh, cacheless context.
const context = await browser.newContext({ baseURL: base });
const page = await context.newPage();
await page.goto("/login");
await page.locator("body[data-hydrated=true]").waitFor();
await page.getByLabel("Email").fill(email);
await page.getByLabel("Password").fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
// The start page lists the workspaces (the header links to the account under the same name).
await page.getByRole("list").getByRole("link", { name: workspaceName, exact: true }).click();
await page.getByTestId("token-count").waitFor();
const tokensPath = new URL(page.url()).pathname;
const workspace = tokensPath.split("/")[2];
const storageState = await context.storageState();
await context.close();

const signIn = await measure("/login", undefined);
const tokens = await measure(tokensPath, storageState);
await browser.close();
console.log(JSON.stringify({ workspace, runs: RUNS, sign_in: signIn, tokens }));
