// Bad input at the JS edge, table-driven: every case must end in a result or in an Error that
// names the field — never a wasm panic (which, with panic=abort, would kill the module: the last
// check proves it is still alive).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch } from "./harness.mjs";
import { startBackend } from "./backend.mjs";

let backend, browser, page;

before(async () => {
  backend = await startBackend();
  browser = await launch();
  page = await (await browser.newContext()).newPage();
  await page.goto(`${backend.url}/playground.html`);
  await page.evaluate(async () => {
    window.m = await import("/pkg/evolvy_widget.js");
    await window.m.default();
  });
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

/** Runs `code` (a function body using `m`) in the page; returns {ok, value} or {error, field}. */
const run = (code) =>
  page.evaluate(async (code) => {
    try {
      const value = await new Function("m", code)(window.m);
      return { ok: true, value: JSON.parse(JSON.stringify(value ?? null)) };
    } catch (e) {
      return { error: String(e && e.message), field: e && e.field };
    }
  }, code);

const deep = (n) => `let v = 1; for (let i = 0; i < ${n}; i++) v = { v }; return v;`;

const cases = [
  ["unknown event", `return m.buildEvent("webwidget.triggered", {})`, { field: "event" }],
  ["input not an object", `return m.buildEvent("contact_created", 42)`, { error: /object|map|invalid type/i }],
  ["wrong type", `return m.buildEvent("contact_created", { id: "seven" })`, { field: "id" }],
  ["missing field", `return m.buildEvent("webwidget_triggered", { contact: { id: 1 } })`, { error: /missing field|required/ }],
  ["bad sender type", `return m.buildEvent("message_created", { id: 1, message_type: "incoming", created_at: "x", account: { id: 1 }, inbox: { id: 1 }, conversation: { id: 1, inbox_id: 1 }, sender: { type: "robot", id: 1 } })`, { field: "sender.type" }],
  ["deep nesting", `const v = (() => { ${deep(5000)} })(); return m.buildEvent("contact_created", { id: 1, custom_attributes: { v } })`, { error: /deep|nest|recursion/i }],
  ["10 MB name", `return m.buildEvent("contact_created", { id: 1, name: "x".repeat(10_000_000) }).name.length`, { ok: 10_000_000 }],
  ["10 MB user agent", `return m.deriveBrowser("Mozilla/5.0 " + "x".repeat(10_000_000)).browser_name`, { ok: "Other" }],
  ["control characters in UA", `return m.deriveBrowser("Mozilla/5.0\\u0000\\u0007\\n(Windows NT 10.0)").platform_name`, { ok: "Windows" }],
  ["bad client hints", `return m.deriveBrowser("Mozilla/5.0", { fullVersionList: "nope" })`, { error: /fullVersionList/ }],
  ["javascript: webhook", `return new m.EvolvyEmitter({ webhooks: [{ url: "javascript:alert(1)", events: ["message_created"] }] })`, { error: /webhooks\[0\]\.url/ }],
  ["data: webhook", `return new m.EvolvyEmitter({ webhooks: [{ url: "data:text/plain,x", events: ["message_created"] }] })`, { error: /webhooks\[0\]\.url/ }],
  ["ftp: webhook", `return new m.EvolvyEmitter({ webhooks: [{ url: "ftp://example.com/x", events: ["message_created"] }] })`, { error: /webhooks\[0\]\.url/ }],
  ["unknown webhook event", `return new m.EvolvyEmitter({ webhooks: [{ url: "https://example.com/h", events: ["nope"] }] })`, { error: /webhooks\[0\]\.events\[0\]/ }],
  ["collect options of the wrong type", `return m.collectContext({ hintsTimeoutMs: "soon" })`, { field: "options" }],
  ["prime cache with a bad browser", `return m.primeContextCache("ua", null, { browser_name: 5 })`, { field: "browser" }],
];

for (const [name, code, want] of cases) {
  test(`bad input: ${name}`, async () => {
    const got = await run(code);
    if ("ok" in want) {
      assert.equal(got.ok, true, JSON.stringify(got));
      assert.equal(got.value, want.ok);
    } else {
      assert.ok(!got.ok, `expected an error, got ${JSON.stringify(got).slice(0, 200)}`);
      if (want.field) assert.equal(got.field, want.field, got.error);
      if (want.error) assert.match(got.error, want.error);
    }
  });
}

test("the module is still alive after every bad input", async () => {
  const got = await run(`return m.buildEvent("contact_created", { id: 1, name: "Ana" }).contact ?? m.version()`);
  assert.equal(got.ok, true, JSON.stringify(got));
});
