// The widget on hostile and strict pages: a host page under a strict Content-Security-Policy (no
// unsafe-inline anywhere), and postMessage from a foreign origin (127.0.0.2) aimed at both the
// loader and the widget iframe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { launch, waitFor, sleep } from "./harness.mjs";
import { startBackend } from "./backend.mjs";

const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

let backend, browser;

before(async () => {
  backend = await startBackend();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

test("strict CSP on the host page: the widget loads and works, and no violation is reported", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The demo page, served with the strict policy as a header.
  await page.route(`${backend.url}/strict.html`, async (route) => {
    const demo = await (await fetch(`${backend.url}/`)).text();
    await route.fulfill({ status: 200, contentType: "text/html", headers: { "content-security-policy": STRICT_CSP }, body: demo });
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${backend.url}/strict.html`);
  const frame = page.frameLocator("iframe[src*='widget.html']");
  await frame.locator("#evolvy-launcher").click();
  await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });
  const input = frame.locator("#evolvy-input");
  await input.fill("hello under CSP");
  await input.press("Enter");
  await frame.locator(".message.visitor[data-key^='m']").first().waitFor({ timeout: 15_000 });
  // The loader styled its iframe through the CSSOM, which the policy allows.
  const style = await page.locator("iframe[src*='widget.html']").evaluate((f) => getComputedStyle(f).position);
  assert.equal(style, "fixed");
  await sleep(200);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await context.close();
});

test("postMessage from another origin is ignored by the loader and by the widget", async () => {
  // A foreign page on 127.0.0.2 that opens the customer page and then messages it and its iframe.
  const foreign = http.createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>foreign</title>"));
  await new Promise((ok) => foreign.listen(0, "127.0.0.2", ok));
  const foreignUrl = `http://127.0.0.2:${foreign.address().port}/`;
  const context = await browser.newContext();
  try {
    const attacker = await context.newPage();
    await attacker.goto(foreignUrl);
    const [victim] = await Promise.all([
      context.waitForEvent("page"),
      attacker.evaluate((u) => { window.victim = window.open(u); }, `${backend.url}/`),
    ]);
    const frame = victim.frameLocator("iframe[src*='widget.html']");
    await frame.locator("#evolvy-launcher").waitFor({ timeout: 15_000 });
    // Let the widget start (it loads on idle), so a forged call would reach a live widget.
    await waitFor(() => victim.frames().some((f) => f.url().includes("widget.html")), 10_000, "widget frame");
    await sleep(2500);
    const sizeBefore = await victim.locator("iframe[src*='widget.html']").evaluate((f) => f.style.width);

    await attacker.evaluate(() => {
      const forged = [
        { t: "call", id: 1, m: "toggle", a: [true] },
        { t: "call", id: 2, m: "history", a: [] },
        { t: "init", settings: { locale: "es" }, token: "x", href: "https://evil.example/" },
        { t: "nav", href: "https://evil.example/" },
      ];
      for (const m of forged) window.victim.frames[0].postMessage(m, "*");
      // And at the loader: a forged resize and a forged event.
      window.victim.postMessage({ t: "size", open: true }, "*");
      window.victim.postMessage({ t: "fire", n: "opened", v: null }, "*");
    });
    await sleep(1000);
    assert.equal(await frame.locator("#evolvy-window").isHidden(), true, "the widget did not open");
    assert.equal(await victim.locator("iframe[src*='widget.html']").evaluate((f) => f.style.width), sizeBefore, "the loader did not resize");

    // The real host can still drive it.
    await victim.evaluate(() => window.$evolvy.toggle(true));
    await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 10_000 });
  } finally {
    await context.close();
    await new Promise((ok) => foreign.close(ok));
  }
});
