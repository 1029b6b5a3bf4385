// XSS, table-driven: well-known payloads through every place the visitor (or the host page) puts
// text into the widget — message content, contact name and email ($evolvy.setUser), custom
// attributes, and the referer (pushState to a URL carrying the payload) — then the same data on
// the inspector page, which renders what the server stored.
//
// Pass: nothing executes (no dialog in any frame, the window.__xss sentinel is never set in the
// host page, the widget iframe or the inspector), no element carrying a payload exists in any of
// those documents, and every message shows its payload as text.
//
// The table has one row per surface: four where the visitor or host page writes, three where the
// agent writes through the agent API (message text, every interactive message type with payloads
// in each of its fields and URLs, an edit); agent rows are also checked on the agent console.
// Agents' names are not a surface here: the demo's agents are seeded, not editable.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, waitFor, sleep } from "./harness.mjs";
import { startBackend, agentApi } from "./backend.mjs";

// Each payload, if it ever ran, sets top.__xss (the iframe is same-origin with the demo page here)
// and its own window's __xss, and opens a dialog.
const RUN = "top.__xss=1;window.__xss=1;alert(1)";
export const PAYLOADS = [
  `<script>${RUN}</script>`,
  `<img src=x onerror="${RUN}">`,
  `<svg onload="${RUN}"></svg>`,
  `<svg><script>${RUN}</script></svg>`,
  `javascript:${RUN}`,
  `"><img src=x onerror=${RUN}>`,
  `'><svg/onload=${RUN}>`,
  `</textarea><script>${RUN}</script>`,
  `<iframe srcdoc="<script>${RUN}</script>"></iframe>`,
  `<a href="javascript:${RUN}">link</a>`,
  `<details open ontoggle="${RUN}">`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${RUN}">`,
  `{{constructor.constructor('${RUN}')()}}`,
  "${" + RUN + "}",
  `<%= ${RUN} %>`,
  `\u202e<img src=x onerror="${RUN}">`, // right-to-left override
  `\uff1cscript\uff1e${RUN}\uff1c/script\uff1e`, // fullwidth angle brackets
  `<scr\u0000ipt>${RUN}</scr\u0000ipt>`,
  `&lt;script&gt;${RUN}&lt;/script&gt;`,
];

/** Where text goes in. `apply(page, frame, payloads)` puts every payload there. */
const SURFACES = [
  {
    surface: "visitor message content",
    shownAsText: ".message.visitor .bubble",
    async apply(page, frame, payloads) {
      const input = frame.locator("#evolvy-input");
      for (const p of payloads) {
        await input.fill(p);
        await input.press("Enter");
      }
      await waitFor(async () => (await frame.locator(".message.visitor .bubble").count()) >= payloads.length, 20_000, "every message shown");
    },
  },
  {
    surface: "contact name and email ($evolvy.setUser)",
    sendAfter: true, // the contact goes out with the first message
    async apply(page, frame, payloads) {
      for (const [i, p] of payloads.entries()) {
        // An invalid email may be refused (naming the field): refusing is fine, running is not.
        await page.evaluate(([i, p]) => window.$evolvy.setUser(`xss-${i}`, { name: p, email: p }).catch((e) => String(e)), [i, p]);
        await page.evaluate(([i, p]) => window.$evolvy.setUser(`xss-${i}`, { name: p }).catch((e) => String(e)), [i, p]);
      }
    },
  },
  {
    surface: "custom attributes",
    sendAfter: true,
    async apply(page, frame, payloads) {
      const attrs = Object.fromEntries(payloads.map((p, i) => [`a${i}`, p]));
      attrs[payloads[1]] = "payload as key";
      await page.evaluate((a) => window.$evolvy.setCustomAttributes(a).catch((e) => String(e)), attrs);
    },
  },
  {
    surface: "referer (pushState, then the widget opens again)",
    async apply(page, frame, payloads) {
      for (const p of payloads.slice(0, 6)) {
        await page.evaluate((p) => history.pushState({}, "", "/xss/" + p + "?q=" + p + "#" + p), p);
        await frame.locator("button.close").click();
        await frame.locator("#evolvy-launcher").click();
        await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 10_000 });
      }
    },
  },
  {
    surface: "agent message content",
    agent: true,
    shownAsText: ".message.agent .bubble",
    async apply(page, frame, payloads, conv) {
      for (const p of payloads) await agent("POST", `/conversations/${conv}/messages`, { content: p });
      await waitFor(async () => (await frame.locator(".message.agent").count()) >= payloads.length, 20_000, "every agent message shown");
    },
  },
  {
    surface: "interactive messages (input_select, cards, form, CSAT): every text field and URL",
    agent: true,
    async apply(page, frame, payloads, conv) {
      const url = (p) => (p.startsWith("javascript:") ? p : `javascript:${p}`);
      const bodies = [
        { content: payloads[0], content_type: "input_select", content_attributes: { items: payloads.map((p) => ({ title: p, value: p })) } },
        {
          content: payloads[1],
          content_type: "cards",
          content_attributes: {
            items: payloads.map((p) => ({
              title: p,
              description: p,
              media_url: `https://example.com/${encodeURIComponent(p)}.png`,
              actions: [
                { type: "link", text: p, uri: `https://example.com/?q=${encodeURIComponent(p)}` },
                { type: "postback", text: p, payload: p },
              ],
            })),
          },
        },
        // Script URLs as card links and images: refused by the backend (or, if ever accepted,
        // never drawn as links: checked below).
        {
          content: payloads[5],
          content_type: "cards",
          content_attributes: {
            items: payloads.map((p) => ({
              title: p,
              media_url: url(p),
              actions: [
                { type: "link", text: p, uri: url(p) },
                { type: "link", text: p, uri: `data:text/html,${encodeURIComponent(p)}` },
              ],
            })),
          },
        },
        {
          content: payloads[2],
          content_type: "form",
          content_attributes: {
            items: payloads.map((p, i) => ({ name: `f${i}${p}`, label: p, title: p, placeholder: p, type: i % 2 ? "text_area" : "text" })),
          },
        },
        // (`article` messages come from the help center, not the agent API: the wasm test
        // "hostile agent content" covers their rendering.)
        { content: payloads[4], content_type: "input_csat" },
      ];
      let accepted = 0;
      for (const b of bodies) {
        // The backend may refuse a field (naming it); refusing is fine, running is not.
        try {
          await agent("POST", `/conversations/${conv}/messages`, b);
          accepted++;
        } catch (e) {
          assert.match(String(e), /: 4\d\d /, "a refusal, not a server error");
          if (process.env.E2E_DEBUG) console.log(`refused: ${String(e).slice(0, 300)}`);
        }
      }
      assert.ok(accepted >= 4, `the interactive messages accepted (${accepted} of ${bodies.length})`);
      await waitFor(async () => (await frame.locator(".message.agent").count()) >= accepted, 20_000, "every interactive message shown");
      // No link in the widget points anywhere but http(s).
      const hrefs = await frame.locator(".message.agent a[href], .message.agent img[src]").evaluateAll((els) => els.map((e) => e.getAttribute("href") ?? e.getAttribute("src")));
      for (const h of hrefs) assert.match(h, /^https?:/, `only http(s) links and images: ${h}`);
      // Click what a visitor would: a postback and a link button, then the first option.
      const postback = frame.locator(".message.agent button[data-action=postback]").first();
      if (await postback.count()) await postback.click();
      const option = frame.locator(".message.agent button[data-action=select]").first();
      if (await option.count()) await option.click();
    },
  },
  {
    surface: "an agent's edit of a sent message",
    agent: true,
    shownAsText: ".message.agent .bubble",
    async apply(page, frame, payloads, conv) {
      const ids = [];
      for (const [i] of payloads.entries()) ids.push((await agent("POST", `/conversations/${conv}/messages`, { content: `plain ${i}` })).id);
      for (const [i, p] of payloads.entries()) await agent("PATCH", `/conversations/${conv}/messages/${ids[i]}`, { content: p });
      await waitFor(async () => {
        const shown = await frame.locator(".message.agent .bubble").allTextContents();
        return !shown.some((s) => /^plain \d+$/.test(s.trim())) && shown.length >= payloads.length;
      }, 20_000, "every edit shown");
    },
  },
];

let backend, browser;

/** The agent API of this suite's backend. */
const agent = (method, p, body) => agentApi(backend.url, method, p, body);

/** The visitor writes once; returns the conversation id the platform gave that message. */
async function startConversation(frame) {
  await frame.locator("#evolvy-input").fill("hello");
  await frame.locator("#evolvy-input").press("Enter");
  const li = frame.locator(".message.visitor[data-key^='m']").first();
  await li.waitFor({ timeout: 15_000 });
  const mid = Number((await li.getAttribute("data-key")).slice(1));
  let conv;
  await waitFor(async () => {
    const rows = await (await fetch(`${backend.url}/api/v1/events?limit=200`)).json();
    conv = rows.map((r) => r.payload).find((p) => p?.event === "message_created" && p.id === mid)?.conversation?.id;
    return conv !== undefined;
  }, 15_000, "the visitor's message reaches the backend");
  return conv;
}

before(async () => {
  backend = await startBackend();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await backend?.stop();
});

/**
 * Elements a payload created or armed, in this document: an event-handler attribute, a URL
 * attribute with a javascript:/data:/vbscript: URL, a srcdoc, or a script/iframe with payload
 * code (a payload percent-encoded inside an https URL is inert). A payload held as inert text in an attribute set with setAttribute (aria-label,
 * placeholder, name, value, title) is text, as the payload itself is in a bubble.
 */
function injected() {
  const hits = [];
  const URL_ATTRS = new Set(["href", "src", "srcdoc", "action", "formaction", "xlink:href", "data", "poster", "background"]);
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const armed =
        (/^on/.test(name) && (a.value.includes("__xss") || a.value.includes("alert"))) ||
        (name === "srcdoc" && a.value.includes("__xss")) ||
        (URL_ATTRS.has(name) && /^[\s\u0000-\u001f]*(javascript|data|vbscript):/i.test(a.value));
      if (armed) hits.push(`<${el.localName} ${a.name}=…>`);
    }
    if ((el.localName === "script" || el.localName === "iframe") && (el.textContent + (el.getAttribute("srcdoc") || "")).includes("__xss")) {
      hits.push(`<${el.localName}>`);
    }
  }
  return hits;
}

async function checkClean(page, label, dialogs, errors) {
  await sleep(300);
  assert.deepEqual(dialogs, [], `${label}: a dialog opened`);
  for (const f of page.frames()) {
    const state = await f.evaluate((fn) => ({ xss: window.__xss ?? null, injected: new Function(`return (${fn})()`)() }), injected.toString());
    assert.equal(state.xss, null, `${label}: __xss set in ${f.url()}`);
    assert.deepEqual(state.injected, [], `${label}: element injected in ${f.url()}`);
  }
  assert.deepEqual(errors.filter((e) => e.includes("__xss")), [], `${label}: a payload ran and threw`);
}

test("the checks catch an injected payload (the detectors work)", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(backend.url + "/");
  await page.evaluate((p) => document.body.insertAdjacentHTML("beforeend", p), PAYLOADS[1]);
  await assert.rejects(checkClean(page, "self-test", dialogs, []), /dialog opened|__xss set|element injected/);
  await context.close();
});

for (const row of SURFACES) {
  test(`XSS via ${row.surface}: nothing runs, nothing is injected`, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs = [];
    const errors = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    page.on("pageerror", (e) => errors.push(String(e.message)));
    await page.goto(backend.url + "/");
    const frame = page.frameLocator("iframe[src*='widget.html']");
    await frame.locator("#evolvy-launcher").click();
    await frame.locator("#evolvy-window").waitFor({ state: "visible", timeout: 15_000 });

    const conv = row.agent ? await startConversation(frame) : undefined;
    await row.apply(page, frame, PAYLOADS, conv);
    if (row.sendAfter) {
      await frame.locator("#evolvy-input").fill("hello");
      await frame.locator("#evolvy-input").press("Enter");
      await waitFor(async () => {
        const rows = await (await fetch(`${backend.url}/api/v1/events?limit=50`)).json();
        return rows.some((r) => r.payload?.event === "conversation_created");
      }, 15_000, "the conversation (with the contact and attributes) reaches the backend");
    }
    await checkClean(page, row.surface, dialogs, errors);

    if (row.shownAsText) {
      const shown = await frame.locator(row.shownAsText).allTextContents();
      for (const p of PAYLOADS) {
        const text = p.replaceAll("\u0000", "\ufffd").trim();
        assert.ok(
          shown.some((s) => s.trim() === text || s.trim() === p.trim() || s.trim() === p.replaceAll("\u0000", "").trim()),
          `shown as text: ${JSON.stringify(p)}\n  got: ${JSON.stringify(shown)}`,
        );
      }
    }

    // The host page still runs its own code.
    assert.equal(await page.evaluate(() => 1 + 1), 2);

    // The same data rendered by the inspector (what the server stored and relays).
    await page.goto(backend.url + "/inspector");
    await sleep(1500);
    await checkClean(page, `${row.surface} (inspector)`, dialogs, errors);
    if (row.agent) {
      // And on the agent console, which shows the conversation's thread.
      await page.goto(backend.url + "/agent");
      await sleep(1500);
      await page.locator("button.conv", { hasText: `#${conv} ·` }).click({ timeout: 10_000 });
      await sleep(1000);
      await checkClean(page, `${row.surface} (agent console)`, dialogs, errors);
    }
    await context.close();
  });
}
