// Two-way chat end to end (issue #9): the demo page served by the real backend
// (target/debug/evolvy-server), the widget in headless Chromium, the agent API driven from here,
// and this test's own webhook receiver on 127.0.0.1 — subscribed at the backend (`/relay`, signed
// server-side deliveries) and in evolvySettings.webhooks (`/hook`, the browser's deliveries).
// Every relayed payload is read back through the crate's model (the wasm module's buildEvent).
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { launch, Receiver, waitFor, sleep, pkgDir } from "./harness.mjs";
import { startBackend, agentApi } from "./backend.mjs";

const ALL_EVENTS = [
  "conversation_created", "conversation_updated", "conversation_status_changed", "message_created",
  "message_updated", "webwidget_triggered", "contact_created", "contact_updated",
  "conversation_typing_on", "conversation_typing_off",
];

let backend, receiver, browser, model;

before(async () => {
  // The crate's model, to check payload shapes (the same wasm the widget runs).
  model = await import(path.join(pkgDir, "evolvy_widget.js"));
  model.initSync({ module: fs.readFileSync(path.join(pkgDir, "evolvy_widget_bg.wasm")) });
  backend = await startBackend();
  receiver = await new Receiver().start();
  browser = await launch();
  const res = await fetch(`${backend.url}/api/v1/accounts/1/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${receiver.url}/relay`, subscriptions: ALL_EVENTS }),
  });
  assert.ok(res.ok, `webhook subscription: ${res.status} ${await res.text()}`);
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

/** The agent API, on the backend running now (it is restarted in one test). */
const agent = (method, p, body) => agentApi(backend.url, method, p, body);

async function openDemo(context) {
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  if (process.env.E2E_DEBUG) page.on("console", (m) => console.log(`[page] ${m.text()}`));
  await page.addInitScript((hook) => {
    window.evolvySettings = {
      locale: "pt_BR",
      webhooks: [{ url: hook, events: ["webwidget_triggered", "conversation_created", "message_created",
        "message_updated", "conversation_typing_on", "conversation_typing_off"] }],
    };
    window.onMessages = [];
    window.unread = [];
    addEventListener("evolvy:on-message", (e) => window.onMessages.push(e.detail));
    addEventListener("evolvy:unread", (e) => window.unread.push(e.detail));
  }, `${receiver.url}/hook`);
  await page.goto(backend.url + "/");
  const frame = page.frameLocator("iframe[src*='widget.html']");
  await frame.locator("#evolvy-launcher").waitFor({ timeout: 15_000 });
  return { page, frame };
}

const at = (where) => receiver.requests.filter((r) => r.path === `/${where}` && r.json);
const events = (where, name, pred = () => true) => at(where).filter((r) => r.json.event === name && pred(r.json));
async function one(where, name, pred, what) {
  await waitFor(() => events(where, name, pred).length > 0, 15_000, what || `${name} at /${where}`);
  return events(where, name, pred)[0].json;
}

/** Reads a payload back through the model: it must build, and build to itself. */
function checkShape(p) {
  assert.equal(Object.keys(p)[0], "event", "event first");
  if (p.event === "conversation_updated" || p.event === "conversation_status_changed") {
    const { event, changed_attributes, ...conversation } = p;
    assert.ok(Array.isArray(changed_attributes) && changed_attributes.length > 0, `${event}: changed_attributes`);
    for (const c of changed_attributes) {
      const [k, v] = Object.entries(c)[0];
      assert.ok(typeof k === "string" && "previous_value" in v && "current_value" in v, `${event}: ${JSON.stringify(c)}`);
    }
    const built = model.buildEvent("conversation_created", conversation);
    const { event: _e, ...rebuilt } = built;
    assert.deepEqual(rebuilt, conversation, `${event}: the conversation reads back unchanged`);
    return;
  }
  const built = model.buildEvent(p.event, p);
  assert.deepEqual(built, p, `${p.event}: reads back through the model unchanged`);
}

function checkOncePerDelivery(where, header) {
  const ids = at(where).map((r) => r.headers[header] || r.id);
  assert.ok(ids.every(Boolean), `every /${where} request has ${header}`);
  assert.equal(new Set(ids).size, ids.length, `/${where}: each delivery id arrives once`);
}

test("two-way chat: agent replies, interactive answer, assignment, resolution and edits reach the widget and the webhooks", async () => {
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 1100, height: 800 } });
  const { page, frame } = await openDemo(context);

  // Visitor opens → webwidget_triggered (browser delivery).
  await frame.locator("#evolvy-launcher").click();
  await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });
  const triggered = await one("hook", "webwidget_triggered");
  checkShape(triggered);

  // Visitor writes → conversation_created + message_created (incoming), from the browser and relayed.
  const input = frame.locator("#evolvy-input");
  await input.fill("Olá! Preciso de ajuda com meu pedido");
  await input.press("Enter");
  await frame.locator(".message.visitor[data-key^='m']").first().waitFor({ timeout: 15_000 });
  const created = await one("hook", "conversation_created");
  const conv = created.id;
  await one("relay", "conversation_created", (p) => p.id === conv);
  const incoming = await one("relay", "message_created", (p) => p.message_type === "incoming" && p.conversation.id === conv);
  assert.equal(incoming.content, "Olá! Preciso de ajuda com meu pedido");
  await one("hook", "message_created", (p) => p.message_type === "incoming" && p.conversation.id === conv);

  // The visitor types: toggle_typing reaches the platform and the browser's webhooks.
  await input.pressSequentially("mais uma", { delay: 30 });
  await one("hook", "conversation_typing_on", (p) => p.conversation.id === conv);
  await one("relay", "conversation_typing_on", (p) => p.conversation.id === conv && p.user.type === "contact");
  await one("hook", "conversation_typing_off", (p) => p.conversation.id === conv, "typing off after ~2 s idle");
  await input.fill("");

  // Agent typing → "… está digitando…"; the reply ends it.
  const agents = await agent("GET", "/agents");
  assert.ok(agents.length > 0, "seeded agents");
  const ana = agents[0];
  const anaName = ana.available_name || ana.name; // what visitors see
  await agent("POST", `/conversations/${conv}/toggle_typing_status`, { typing_status: "on", sender_id: ana.id });
  const typing = frame.locator(".typing");
  await typing.waitFor({ state: "visible", timeout: 10_000 });
  assert.equal(await typing.textContent(), `${anaName} está digitando…`);

  // Agent replies → the widget shows it with the agent's name, links are safe, on-message fires.
  const reply = await agent("POST", `/conversations/${conv}/messages`, {
    content: "Oi! Veja https://example.com/ajuda <b>ok</b>",
    sender_id: ana.id,
  });
  const replyLi = frame.locator(`li[data-key='m${reply.id}']`);
  await replyLi.waitFor({ timeout: 10_000 });
  assert.match(await replyLi.getAttribute("class"), /agent/);
  assert.equal(await replyLi.locator(".sender").textContent(), anaName);
  assert.match(await replyLi.locator(".bubble").textContent(), /<b>ok<\/b>/, "agent text is text");
  assert.equal(await replyLi.locator(".bubble b").count(), 0);
  const link = replyLi.locator(".bubble a");
  assert.equal(await link.getAttribute("href"), "https://example.com/ajuda");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  assert.equal(await link.getAttribute("target"), "_blank");
  await typing.waitFor({ state: "hidden", timeout: 5_000 });
  await waitFor(() => page.evaluate((id) => window.onMessages.some((m) => m.id === id), reply.id), 5_000, "evolvy:on-message on the host page");
  const detail = (await page.evaluate(() => window.onMessages))[0];
  assert.equal(detail.content, "Oi! Veja https://example.com/ajuda <b>ok</b>");
  assert.equal(detail.message_type, 1);
  assert.equal(await frame.locator("#evolvy-announcer").textContent(), `${anaName}: ${detail.content}`);
  const outgoing = await one("relay", "message_created", (p) => p.id === reply.id);
  assert.equal(outgoing.message_type, "outgoing");
  assert.equal(outgoing.sender.type, "user");

  // input_select → the visitor clicks an option → PATCH → message_updated with submitted_values.
  const select = await agent("POST", `/conversations/${conv}/messages`, {
    content: "Qual setor?",
    content_type: "input_select",
    content_attributes: { items: [{ title: "Vendas", value: "sales" }, { title: "Suporte", value: "support" }] },
    sender_id: ana.id,
  });
  const selectLi = frame.locator(`li[data-key='m${select.id}']`);
  await selectLi.locator("button", { hasText: "Suporte" }).click({ timeout: 10_000 });
  const answeredHook = await one("hook", "message_updated", (p) => p.id === select.id);
  assert.deepEqual(answeredHook.content_attributes.submitted_values, [{ title: "Suporte", value: "support" }]);
  assert.equal(answeredHook.content_type, "input_select");
  const answeredRelay = await one("relay", "message_updated", (p) => p.id === select.id);
  assert.deepEqual(answeredRelay.content_attributes.submitted_values, [{ title: "Suporte", value: "support" }]);
  await waitFor(async () => (await selectLi.locator("button[disabled]").count()) === 2, 5_000, "options disabled");
  assert.equal(await selectLi.locator("button[aria-pressed='true']").textContent(), "Suporte");
  assert.match(await selectLi.locator(".answer").textContent(), /Suporte/);

  // Assignment → conversation_updated (assignee_id) and the header names the agent.
  await agent("POST", `/conversations/${conv}/assignments`, { assignee_id: ana.id });
  const assigned = await one("relay", "conversation_updated", (p) => p.id === conv && p.changed_attributes.some((c) => "assignee_id" in c));
  const change = assigned.changed_attributes.find((c) => "assignee_id" in c).assignee_id;
  assert.deepEqual(change, { previous_value: null, current_value: ana.id });
  await waitFor(async () => (await frame.locator(".subtitle").textContent()) === `${anaName} está atendendo você`, 10_000, "assignee subtitle");

  // Resolution → conversation_status_changed open → resolved, and a notice in the thread.
  await agent("POST", `/conversations/${conv}/toggle_status`, { status: "resolved" });
  const resolved = await one("relay", "conversation_status_changed", (p) => p.id === conv);
  assert.deepEqual(resolved.changed_attributes, [{ status: { previous_value: "open", current_value: "resolved" } }]);
  assert.equal(resolved.status, "resolved");
  await frame.locator(".notice").first().waitFor({ timeout: 10_000 });
  assert.match(await frame.locator(".notice").first().textContent(), /encerrada/);

  // The agent edits the reply → message_updated, and the bubble changes in place.
  const agentBubbles = await frame.locator(".message.agent").count();
  await agent("PATCH", `/conversations/${conv}/messages/${reply.id}`, { content: "Oi! Mensagem corrigida." });
  const edited = await one("relay", "message_updated", (p) => p.id === reply.id);
  assert.equal(edited.content, "Oi! Mensagem corrigida.");
  await waitFor(async () => (await replyLi.locator(".bubble").textContent()) === "Oi! Mensagem corrigida.", 10_000, "edited bubble");
  assert.equal(await frame.locator(".message.agent").count(), agentBubbles, "edited in place");
  assert.equal(await frame.locator(`li[data-key='m${reply.id}']`).count(), 1);

  // Every payload, relayed or browser-built, reads back through the model; one copy per delivery id.
  await sleep(500);
  for (const r of [...at("relay"), ...at("hook")]) checkShape(r.json);
  checkOncePerDelivery("relay", "x-evolvy-delivery");
  checkOncePerDelivery("hook", "webhook-id");
  // on-message fired once per agent message.
  const ids = (await page.evaluate(() => window.onMessages)).map((m) => m.id);
  assert.deepEqual(ids, [reply.id, select.id]);

  fs.mkdirSync(path.join(import.meta.dirname, "out"), { recursive: true });
  await page.screenshot({ path: path.join(import.meta.dirname, "out", "two-way.png") });
  await context.close();
});

test("unread count on the launcher while closed, cleared on open", async () => {
  const context = await browser.newContext({ locale: "pt-BR" });
  const { page, frame } = await openDemo(context);
  await frame.locator("#evolvy-launcher").click();
  const input = frame.locator("#evolvy-input");
  await input.fill("Oi");
  await input.press("Enter");
  const li = frame.locator(".message.visitor[data-key^='m']").first();
  await li.waitFor({ timeout: 15_000 });
  const mid = Number((await li.getAttribute("data-key")).slice(1));
  const conv = (await one("hook", "message_created", (p) => p.id === mid)).conversation.id;
  await frame.locator("button.close").click();
  await agent("POST", `/conversations/${conv}/messages`, { content: "Primeira" });
  await agent("POST", `/conversations/${conv}/messages`, { content: "Segunda" });
  const badge = frame.locator("#evolvy-badge");
  await waitFor(async () => (await badge.textContent()) === "2" && (await badge.isVisible()), 10_000, "badge 2");
  assert.match(await frame.locator("#evolvy-launcher").getAttribute("aria-label"), /2 mensagens não lidas/);
  await frame.locator("#evolvy-launcher").click();
  await badge.waitFor({ state: "hidden", timeout: 5_000 });
  assert.equal((await page.evaluate(() => window.unread)).at(-1), 0);
  await context.close();
});

test("backend restart while the widget is open: it reconnects and shows what the agent sent exactly once", async (t) => {
  const context = await browser.newContext({ locale: "pt-BR" });
  const { page, frame } = await openDemo(context);
  await frame.locator("#evolvy-launcher").click();
  const input = frame.locator("#evolvy-input");
  await input.fill("Vou esperar");
  await input.press("Enter");
  const li = frame.locator(".message.visitor[data-key^='m']").first();
  await li.waitFor({ timeout: 15_000 });
  const mid = Number((await li.getAttribute("data-key")).slice(1));
  const conv = (await one("hook", "message_created", (p) => p.id === mid)).conversation.id;
  const before = await agent("POST", `/conversations/${conv}/messages`, { content: "Antes do reinício" });
  await frame.locator(`li[data-key='m${before.id}']`).waitFor({ timeout: 10_000 });

  // Same data dir, same port.
  const { dataDir, port } = backend;
  await backend.stop();
  await sleep(1_500); // the widget notices and backs off
  backend = await startBackend({ dataDir, port });
  const upAt = Date.now();
  const first = await agent("POST", `/conversations/${conv}/messages`, { content: "Depois do reinício 1" });
  await sleep(300);
  const second = await agent("POST", `/conversations/${conv}/messages`, { content: "Depois do reinício 2" });
  for (const m of [first, second]) {
    await frame.locator(`li[data-key='m${m.id}']`).waitFor({ timeout: 40_000 });
  }
  t.diagnostic(`both messages shown ${Date.now() - upAt} ms after the backend was back`);
  await sleep(1_500); // any replay would have landed by now
  for (const m of [before, first, second]) {
    assert.equal(await frame.locator(`li[data-key='m${m.id}']`).count(), 1, `message ${m.id} once`);
  }
  const texts = await frame.locator(".message.agent .bubble").allTextContents();
  assert.deepEqual(texts, ["Antes do reinício", "Depois do reinício 1", "Depois do reinício 2"]);
  const ids = (await page.evaluate(() => window.onMessages)).map((m) => m.id);
  assert.deepEqual(ids, [before.id, first.id, second.id], "on-message once per message");

  // A reload resumes from the stored seq: the thread is restored, nothing is repeated.
  await page.reload();
  await frame.locator("#evolvy-launcher").click({ timeout: 15_000 });
  await frame.locator(`li[data-key='m${second.id}']`).waitFor({ timeout: 15_000 });
  const third = await agent("POST", `/conversations/${conv}/messages`, { content: "Depois do reload" });
  await frame.locator(`li[data-key='m${third.id}']`).waitFor({ timeout: 15_000 });
  await sleep(500);
  assert.deepEqual(await frame.locator(".message.agent .bubble").allTextContents(),
    ["Antes do reinício", "Depois do reinício 1", "Depois do reinício 2", "Depois do reload"]);
  await context.close();
});

test("cards, form and CSAT on a phone, by keyboard: answers go out, and stay answered after a reload", async () => {
  const context = await browser.newContext({ locale: "pt-BR", viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const { page, frame } = await openDemo(context);
  await frame.locator("#evolvy-launcher").click();
  const input = frame.locator("#evolvy-input");
  await input.fill("Quero comprar");
  await input.press("Enter");
  const first = frame.locator(".message.visitor[data-key^='m']").first();
  await first.waitFor({ timeout: 15_000 });
  const mid = Number((await first.getAttribute("data-key")).slice(1));
  const conv = (await one("hook", "message_created", (p) => p.id === mid)).conversation.id;
  // Full screen on a phone.
  const box = await frame.locator("#evolvy-window").boundingBox();
  assert.ok(box.width >= 370 && box.height >= 660, `window fills the phone screen: ${JSON.stringify(box)}`);

  // Cards: a safe link and a postback that sends its payload as the visitor's message.
  const cards = await agent("POST", `/conversations/${conv}/messages`, {
    content: "Nossos planos",
    content_type: "cards",
    content_attributes: { items: [{
      title: "Plano Pro", description: "Tudo incluído", media_url: "https://example.com/pro.png",
      actions: [{ type: "link", text: "Detalhes", uri: "https://example.com/pro" },
        { type: "postback", text: "Quero este", payload: "PLANO_PRO" }],
    }] },
  });
  const cardLi = frame.locator(`li[data-key='m${cards.id}']`);
  await cardLi.waitFor({ timeout: 10_000 });
  assert.equal(await cardLi.locator(".card h2").textContent(), "Plano Pro");
  assert.equal(await cardLi.locator(".card img").getAttribute("src"), "https://example.com/pro.png");
  const details = cardLi.locator(".card a");
  assert.equal(await details.getAttribute("href"), "https://example.com/pro");
  assert.equal(await details.getAttribute("rel"), "noopener noreferrer");
  await cardLi.locator("button", { hasText: "Quero este" }).focus();
  await page.keyboard.press("Enter");
  const postback = await one("relay", "message_created", (p) => p.conversation.id === conv && p.content === "PLANO_PRO");
  assert.equal(postback.message_type, "incoming");

  // Form: submitting empty shows the errors by the fields; then a valid answer goes out.
  const form = await agent("POST", `/conversations/${conv}/messages`, {
    content: "Seus dados",
    content_type: "form",
    content_attributes: { items: [
      { type: "text", name: "nome", label: "Nome", required: true },
      { type: "email", name: "email", label: "E-mail", required: true },
      { type: "select", name: "plano", label: "Plano", options: [{ label: "Básico", value: "basic" }, { label: "Pro", value: "pro" }] },
      { type: "text_area", name: "obs", label: "Observações" },
    ] },
  });
  const formLi = frame.locator(`li[data-key='m${form.id}']`);
  await formLi.locator("form").waitFor({ timeout: 10_000 });
  const nome = formLi.getByLabel("Nome");
  const email = formLi.getByLabel("E-mail");
  await email.fill("ana@");
  await email.press("Enter"); // implicit submission
  await waitFor(async () => (await nome.getAttribute("aria-invalid")) === "true", 5_000, "required error");
  assert.equal(await email.getAttribute("aria-invalid"), "true");
  assert.ok(await nome.evaluate((el) => document.activeElement === el), "focus on the first bad field");
  const nomeError = await nome.getAttribute("aria-describedby");
  assert.equal(await formLi.locator(`#${nomeError}`).textContent(), "Preencha este campo.");
  assert.equal(events("hook", "message_updated", (p) => p.id === form.id).length, 0, "nothing sent");
  await nome.fill("Ana");
  await email.fill("ana@example.com");
  await formLi.getByLabel("Plano").selectOption("pro");
  await formLi.getByLabel("Observações").fill("Ligar à tarde");
  await formLi.locator("button[type=submit]").focus();
  await page.keyboard.press("Enter");
  const formAnswer = await one("hook", "message_updated", (p) => p.id === form.id);
  assert.deepEqual(formAnswer.content_attributes.submitted_values, [
    { name: "nome", value: "Ana" }, { name: "email", value: "ana@example.com" },
    { name: "plano", value: "pro" }, { name: "obs", value: "Ligar à tarde" },
  ]);
  await one("relay", "message_updated", (p) => p.id === form.id);
  await waitFor(() => nome.isDisabled(), 5_000, "form disabled once answered");

  // CSAT: a rating and a comment.
  const csat = await agent("POST", `/conversations/${conv}/messages`, { content: "Avalie o atendimento", content_type: "input_csat" });
  const csatLi = frame.locator(`li[data-key='m${csat.id}']`);
  await csatLi.locator("button[data-rating='4']").focus({ timeout: 10_000 });
  assert.equal(await csatLi.locator("button[data-rating='4']").getAttribute("aria-label"), "4 de 5");
  await page.keyboard.press("Enter");
  await csatLi.getByLabel("Comentário (opcional)").fill("Muito bom");
  await csatLi.locator("button[data-action=csat]").click();
  const csatAnswer = await one("hook", "message_updated", (p) => p.id === csat.id);
  assert.deepEqual(csatAnswer.content_attributes.submitted_values, { csat_survey_response: { rating: 4, feedback_message: "Muito bom" } });
  await waitFor(async () => (await csatLi.locator(".answer").count()) === 1, 5_000, "CSAT answered");
  for (const r of at("hook")) checkShape(r.json);

  // After a reload the answered messages render answered (from GET /messages).
  await page.reload();
  await frame.locator("#evolvy-launcher").click({ timeout: 15_000 });
  await frame.locator(`li[data-key='m${csat.id}'] .answer`).waitFor({ timeout: 15_000 });
  assert.equal(await frame.locator(`li[data-key='m${csat.id}'] .answer`).textContent(), "✓ Resposta enviada: ★★★★☆ — Muito bom");
  assert.equal(await frame.locator(`li[data-key='m${csat.id}'] button[aria-pressed='true']`).textContent(), "4");
  const nomeAgain = frame.locator(`li[data-key='m${form.id}']`).getByLabel("Nome");
  assert.ok(await nomeAgain.isDisabled());
  assert.equal(await nomeAgain.inputValue(), "Ana");
  assert.equal(await frame.locator(`li[data-key='m${form.id}']`).getByLabel("Plano").inputValue(), "pro");
  assert.equal(await frame.locator("li[data-content-type] >> text=PLANO_PRO").count(), 1, "the postback message once");
  await context.close();
});
