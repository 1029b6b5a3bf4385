// docs/privacy.md, checked: nothing but static files is fetched before the visitor opens the
// chat, no cookies, the localStorage keys the document lists, and dropRefererQuery.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, waitFor, sleep } from "./harness.mjs";
import { startBackend } from "./backend.mjs";

let backend, browser;

before(async () => {
  backend = await startBackend();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

const STATIC = /^\/(|demo\.css|demo\.js|favicon\.ico|widget\.html|widget\.css|widget\.js|ua-worker\.js|pkg\/sdk\.min\.js|pkg\/(widget\/)?evolvy_widget\.js|pkg\/(widget\/)?evolvy_widget_bg\.wasm)$/;

async function storedEvents() {
  return (await fetch(`${backend.url}/api/v1/events?limit=1000`)).json();
}

test("before the visitor opens the chat, only static files are fetched and nothing is stored", async () => {
  const context = await browser.newContext();
  const requests = [];
  context.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));
  const page = await context.newPage();
  const before = (await storedEvents()).length;
  await page.goto(`${backend.url}/?utm_source=privacy#x`);
  const frame = page.frameLocator("iframe[src*='widget.html']");
  await frame.locator("#evolvy-launcher").waitFor({ timeout: 15_000 });
  // Long enough for the idle start (requestIdleCallback, timeout 4 s) to load the wasm module,
  // derive the user agent in the worker and build the widget; then hover the launcher too.
  await waitFor(() => requests.some((r) => r.url.endsWith("/pkg/widget/evolvy_widget_bg.wasm")), 15_000, "the wasm module loads on idle");
  await frame.locator("#evolvy-launcher").hover();
  await sleep(3000);

  const ours = requests.filter((r) => r.url.startsWith(backend.url));
  const other = requests.filter((r) => !r.url.startsWith(backend.url) && !r.url.startsWith("data:") && !r.url.startsWith("blob:"));
  assert.deepEqual(other, [], "no request to any other origin");
  const notStatic = ours.filter((r) => r.method !== "GET" || !STATIC.test(new URL(r.url).pathname));
  assert.deepEqual(notStatic, [], "only GETs of static files");
  assert.equal((await storedEvents()).length, before, "the backend stored nothing");
  assert.deepEqual(await context.cookies(), [], "no cookies");

  // The session and queue keys appear only once the chat is used.
  const keys = await page.frames().find((f) => f.url().includes("widget.html")).evaluate(() => Object.keys(localStorage).sort());
  assert.ok(keys.every((k) => k === "evolvy:ua-cache" || k.startsWith("evolvy:queue:lock:")), `storage before opening: ${keys}`);

  // Opening sends, as documented.
  await frame.locator("#evolvy-launcher").click();
  await waitFor(async () => (await storedEvents()).some((e) => e.payload?.event === "webwidget_triggered"), 15_000, "webwidget_triggered");
  const after = await page.frames().find((f) => f.url().includes("widget.html")).evaluate(() => Object.keys(localStorage).sort());
  assert.ok(after.includes("evolvy:session:demo-website-token"), `storage after opening: ${after}`);
  assert.ok(after.every((k) => /^evolvy:(session:|ua-cache$|queue:(q|lock):)/.test(k)), `only documented keys: ${after}`);
  assert.deepEqual(await context.cookies(), [], "still no cookies");
  await context.close();
});

test("dropRefererQuery: the referer is sent without its query string and fragment", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.evolvySettings = { dropRefererQuery: true };
  });
  await page.goto(`${backend.url}/?email=ana%40example.com&token=secret#section`);
  const frame = page.frameLocator("iframe[src*='widget.html']");
  const before = (await storedEvents()).filter((e) => e.payload?.event === "webwidget_triggered").length;
  await frame.locator("#evolvy-launcher").click();
  await waitFor(async () => (await storedEvents()).filter((e) => e.payload?.event === "webwidget_triggered").length > before, 15_000, "webwidget_triggered");
  const latest = (await storedEvents()).find((e) => e.payload?.event === "webwidget_triggered").payload;
  assert.equal(latest.event_info.referer, `${backend.url}/`);
  await context.close();
});
