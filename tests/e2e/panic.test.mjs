// A panic in the wasm widget (a bug) must not hurt the host page: the widget logs it once,
// disables itself (the chat hides, the launcher goes inert, every later call rejects with a clear
// error), and the host page hears `evolvy:error` with {kind: "panic", message} — while its own
// buttons and scripts keep working and no uncaught exception reaches it.
//
// The panic is provoked with the module's documented devtools hook, evolvyDebugPanic("panic")
// (src/api/mod.rs), called inside the widget's iframe as a developer would from devtools.
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

test("a panic disables the widget cleanly; the host page keeps working and hears evolvy:error", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const hostErrors = [];
  page.on("pageerror", (e) => hostErrors.push(String(e.message)));
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  await page.addInitScript(() => {
    window.__errors = [];
    window.addEventListener("evolvy:error", (e) => window.__errors.push(e.detail));
    // A host page with its own button and script.
    document.addEventListener("DOMContentLoaded", () => {
      const b = document.createElement("button");
      b.id = "host-button";
      b.textContent = "host";
      b.addEventListener("click", () => (window.__hostClicks = (window.__hostClicks || 0) + 1));
      document.body.appendChild(b);
    });
  });
  await page.goto(backend.url + "/");
  const frameLocator = page.frameLocator("iframe[src*='widget.html']");
  await frameLocator.locator("#evolvy-launcher").click();
  await frameLocator.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });
  const frame = page.frames().find((f) => f.url().includes("widget.html"));
  assert.ok(frame, "widget frame");

  // Not "panic": refused, nothing breaks.
  const refused = await frame.evaluate(async () => {
    const m = await import("./pkg/widget/evolvy_widget.js");
    try {
      m.evolvyDebugPanic("please");
      return "no error";
    } catch (e) {
      return String(e.message);
    }
  });
  assert.match(refused, /pass "panic"/);
  assert.equal(await page.evaluate(() => window.$evolvy.toggle(true)), true, "still alive");

  // The deliberate panic: the call itself traps (that is the devtools caller's exception, inside
  // the widget's frame), and the module disables itself.
  const trapped = await frame.evaluate(async () => {
    const m = await import("./pkg/widget/evolvy_widget.js");
    try {
      m.evolvyDebugPanic("panic");
      return "returned";
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.match(trapped, /RuntimeError|unreachable/);

  // The host page hears it once, as {kind: "panic", message}.
  await waitFor(() => page.evaluate(() => window.__errors.some((d) => d && d.kind === "panic")), 5_000, "evolvy:error panic");
  await sleep(300);
  const panics = await page.evaluate(() => window.__errors.filter((d) => d && d.kind === "panic"));
  assert.equal(panics.length, 1, "reported once");
  assert.match(panics[0].message, /evolvyDebugPanic/);

  // The chat is hidden, the launcher inert.
  await frameLocator.locator("#evolvy-window").waitFor({ state: "hidden", timeout: 5_000 });
  assert.equal(await frameLocator.locator("#evolvy-launcher").isDisabled(), true);
  await frameLocator.locator("#evolvy-launcher").click({ force: true });
  await sleep(200);
  assert.equal(await frameLocator.locator("#evolvy-window").isHidden(), true, "a click does not reopen it");

  // Every later entry answers with a clear error instead of touching the broken module.
  await assert.rejects(page.evaluate(() => window.$evolvy.toggle(true)), /disabled after an internal error/);
  await assert.rejects(page.evaluate(() => window.$evolvy.history()), /disabled after an internal error/);
  const direct = await frame.evaluate(async () => {
    const m = await import("./pkg/widget/evolvy_widget.js");
    const out = [];
    for (const f of [() => m.primeContextCache("x", null, {}), () => m.deriveBrowser("x"), () => m.evolvyDebugPanic("panic")]) {
      try {
        f();
        out.push("ok");
      } catch (e) {
        out.push(`${e.kind || ""} ${e.message}`);
      }
    }
    return out;
  });
  for (const r of direct) assert.match(r, /disabled after an internal error/);

  // The host page is unharmed: its own button and scripts work, no uncaught exception reached it.
  await page.click("#host-button");
  assert.equal(await page.evaluate(() => window.__hostClicks), 1);
  assert.equal(await page.evaluate(() => [1, 2, 3].map((x) => x * 2).join()), "2,4,6");
  assert.deepEqual(hostErrors, [], "no uncaught exception on the host page");
  // Logged once (in the widget's frame console).
  assert.equal(consoleErrors.filter((t) => t.includes("internal error (a bug")).length, 1, `console: ${consoleErrors.join("\n")}`);
  await context.close();
});
