// The widget end to end: the demo customer page served by the real local backend
// (target/debug/evolvy-server on 127.0.0.1), the loader, the widget iframe and the wasm module in
// headless Chromium; a node receiver stands in for a customer's webhook.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { launch, Receiver, waitFor, sleep } from "./harness.mjs";
import { startBackend, agentApi } from "./backend.mjs";

let backend, receiver, browser;

before(async () => {
  backend = await startBackend();
  receiver = await new Receiver().start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await receiver?.stop();
  await backend?.stop();
});

// An uncaught error in any frame (a wasm trap shows up as "unreachable") fails the test it
// happened in.
const pageErrors = [];
afterEach(() => assert.deepEqual(pageErrors.splice(0), [], "uncaught errors in the page"));

/** The demo page with the webhook pointed at this test's receiver. */
async function openDemo(context, pathAndQuery = "/") {
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  if (process.env.E2E_DEBUG) page.on("console", (m) => console.log(`[page] ${m.text()}`));
  await page.addInitScript((hook) => {
    window.evolvySettings = {
      locale: "pt_BR",
      webhooks: [{ url: hook, events: ["webwidget_triggered", "conversation_created", "message_created"] }],
    };
  }, `${receiver.url}/hook`);
  await page.goto(backend.url + pathAndQuery);
  const frame = page.frameLocator("iframe[src*='widget.html']");
  await frame.locator("#evolvy-launcher").waitFor({ timeout: 15_000 });
  return { page, frame };
}

async function serverEvents(name) {
  const res = await fetch(`${backend.url}/api/v1/events?limit=1000`);
  const rows = await res.json();
  return rows.filter((r) => r.name === name || r.event === name);
}

const payloadOf = (row) => row.payload ?? row.body ?? row;

test("opening the widget sends webwidget_triggered with the real browser, referer and languages", async () => {
  const context = await browser.newContext({ locale: "pt-BR" });
  const { page, frame } = await openDemo(context, "/?utm_source=e2e");
  const ua = await page.evaluate(() => navigator.userAgent);
  await frame.locator("#evolvy-launcher").click();
  await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });

  await waitFor(async () => (await serverEvents("webwidget_triggered")).length >= 1, 15_000, "webwidget_triggered at the backend");
  const stored = payloadOf((await serverEvents("webwidget_triggered"))[0]);
  const info = stored.event_info;
  assert.equal(info.referer, `${backend.url}/?utm_source=e2e`);
  assert.equal(info.widget_language, "pt_BR");
  assert.equal(info.browser_language, "pt");
  assert.match(ua, /HeadlessChrome\/\d+/);
  assert.equal(info.browser.browser_name, "HeadlessChrome");
  // Client Hints give the full version, which the frozen UA string ("x.0.0.0") hides.
  assert.match(info.browser.browser_version, /^\d+\.\d+\.\d+$/);
  assert.equal(info.browser.platform_name, "Linux");
  assert.equal(info.browser.device_name, "Unknown");
  assert.match(info.initiated_at.timestamp, /GMT[+-]\d{4}/);

  // The browser's own webhook delivery of the same event.
  await waitFor(() => receiver.requests.some((r) => r.json?.event === "webwidget_triggered"), 15_000, "webhook delivery");
  const hook = receiver.requests.find((r) => r.json?.event === "webwidget_triggered");
  assert.ok(hook.id, "webhook-id header");
  assert.equal(Object.keys(hook.json)[0], "event");
  assert.equal(hook.json.event_info.referer, info.referer);
  assert.equal(hook.json.contact.type, "contact");
  assert.equal(hook.json.current_conversation, null);
  // $evolvy.history() follows the delivery: queued, then delivered.
  await waitFor(async () => (await page.evaluate(() => window.$evolvy.history()))
    .some((h) => h.name === "webwidget_triggered" && h.status === "delivered" && h.deliveries.includes(hook.id)), 15_000, "history: delivered");
  await context.close();
});

test("devtools: context() with raw hints, dryRun builds without sending, bad calls reject naming the argument", async () => {
  const context = await browser.newContext();
  const { page, frame } = await openDemo(context);
  const ctx = await page.evaluate(() => window.$evolvy.context());
  assert.equal(ctx.client_hints_status, "ok");
  assert.ok(Array.isArray(ctx.client_hints.fullVersionList));
  assert.equal(ctx.referer, `${backend.url}/`);
  assert.equal(await page.evaluate(() => window.$evolvy.dryRun(true)), true);
  const before = (await serverEvents("webwidget_triggered")).length;
  const hooksBefore = receiver.requests.length;
  await frame.locator("#evolvy-launcher").click();
  await waitFor(async () => (await page.evaluate(() => window.$evolvy.history()))
    .some((h) => h.name === "webwidget_triggered" && h.status === "dry-run"), 10_000, "a dry-run payload");
  await sleep(500);
  assert.equal((await serverEvents("webwidget_triggered")).length, before, "nothing reached the backend");
  assert.equal(receiver.requests.length, hooksBefore, "nothing reached the webhook");
  await assert.rejects(page.evaluate(() => window.$evolvy.setLocale("xx")), /locale.*unsupported locale/);
  await assert.rejects(page.evaluate(() => window.$evolvy.setUser("")), /identifier/);
  assert.equal(await page.evaluate(() => window.$evolvy.setLocale("es")), "es");
  assert.equal(await frame.locator("button.send").textContent(), "Enviar");
  assert.equal(await frame.locator("#evolvy-input").getAttribute("placeholder"), "Escribe tu mensaje…");
  await context.close();
});

test("messages create one conversation; in-page navigation changes the referer of the next opening", async () => {
  const context = await browser.newContext({ locale: "en-US" });
  const { page, frame } = await openDemo(context);
  await frame.locator("#evolvy-launcher").click();
  const input = frame.locator("#evolvy-input");
  await input.waitFor({ state: "visible" });
  await input.fill("Olá! <img src=x onerror=alert(1)> Preciso de ajuda");
  await input.press("Enter");
  await frame.locator(".message.visitor[data-key^='m']").first().waitFor({ timeout: 15_000 });
  await input.fill("Second message");
  await frame.locator("button.send").click();
  await waitFor(async () => (await serverEvents("message_created")).length >= 2, 15_000, "two message_created at the backend");

  const created = (await serverEvents("conversation_created")).map(payloadOf);
  assert.equal(created.length, 1, "one conversation");
  const conversationId = created[0].id;
  const messages = (await serverEvents("message_created")).map(payloadOf);
  assert.ok(messages.every((m) => m.conversation.id === conversationId), "same conversation");
  assert.equal(created[0].additional_attributes.referer, `${backend.url}/`);
  // Visitor text is shown as text: no element was injected.
  assert.equal(await frame.locator(".bubble img").count(), 0);
  assert.match(await frame.locator(".message.visitor .bubble").first().textContent(), /<img src=x/);

  // The browser-built webhook payloads carry the server's ids.
  await waitFor(() => receiver.requests.filter((r) => r.json?.event === "message_created" && r.json.conversation?.id === conversationId).length >= 2, 15_000, "message_created webhooks");
  const hookConv = receiver.requests.find((r) => r.json?.event === "conversation_created" && r.json.id === conversationId);
  assert.ok(hookConv, "conversation_created webhook");
  assert.equal(hookConv.json.messages[0].message_type, 0);

  // Single-page navigation, then reopen: the new opening reports the new URL.
  const before = (await serverEvents("webwidget_triggered")).length;
  await page.evaluate(() => history.pushState({}, "", "/produtos?cat=cafe#top"));
  await frame.locator("button.close").click();
  await frame.locator("#evolvy-launcher").click();
  await waitFor(async () => (await serverEvents("webwidget_triggered")).length > before, 15_000, "second webwidget_triggered");
  const latest = payloadOf((await serverEvents("webwidget_triggered"))[0]);
  assert.equal(latest.event_info.referer, `${backend.url}/produtos?cat=cafe#top`);

  fs.mkdirSync(path.join(import.meta.dirname, "out"), { recursive: true });
  await page.screenshot({ path: path.join(import.meta.dirname, "out", "widget-open.png") });
  await context.close();
});

test("keyboard only: Tab reaches the launcher, Enter opens with focus in the composer, Esc closes and returns focus", async () => {
  const context = await browser.newContext();
  const { page, frame } = await openDemo(context);
  let onLauncher = false;
  for (let i = 0; i < 20 && !onLauncher; i++) {
    await page.keyboard.press("Tab");
    onLauncher = await frame.locator("#evolvy-launcher").evaluate((el) => document.activeElement === el && document.hasFocus());
  }
  assert.ok(onLauncher, "Tab reaches the launcher");
  await page.keyboard.press("Enter");
  await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });
  await waitFor(() => frame.locator("#evolvy-input").evaluate((el) => document.activeElement === el), 5_000, "focus in the composer");
  assert.equal(await frame.locator("#evolvy-launcher").getAttribute("aria-expanded"), "true");
  assert.equal(await frame.locator("#evolvy-window").getAttribute("role"), "dialog");
  await page.keyboard.press("Escape");
  await frame.locator("#evolvy-window").waitFor({ state: "hidden", timeout: 5_000 });
  assert.ok(await frame.locator("#evolvy-launcher").evaluate((el) => document.activeElement === el), "focus back on the launcher");
  await sleep(50);
  await context.close();
});

test("a message sent while the session is still being created: one contact, one conversation, live replies arrive", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  // A slow network for POST /config (the real backend answers; the answer is held 700 ms), so the
  // visitor's first message is sent while the opening still waits for its session.
  const configs = [];
  await context.route("**/api/v1/widget/config?**", async (route) => {
    configs.push(route.request().url());
    await sleep(700);
    await route.continue();
  });
  await page.goto(backend.url + "/");
  const frame = page.frameLocator("iframe[src*='widget.html']");
  await frame.locator("#evolvy-launcher").click();
  const input = frame.locator("#evolvy-input");
  await input.fill("rápido");
  await input.press("Enter");
  const li = frame.locator(".message.visitor[data-key^='m']").first();
  await li.waitFor({ timeout: 15_000 });
  const mid = Number((await li.getAttribute("data-key")).slice(1));
  await sleep(500);
  assert.equal(configs.length, 1, "one POST /config");
  const created = (await serverEvents("message_created")).map(payloadOf).find((p) => p.id === mid);
  assert.ok(created, "the message reached the backend");
  // The live stream belongs to the same contact: an agent's reply shows up.
  const reply = await agentApi(backend.url, "POST", `/conversations/${created.conversation.id}/messages`, { content: "Resposta" });
  await frame.locator(`li[data-key='m${reply.id}']`).waitFor({ timeout: 10_000 });
  await context.close();
});
