// The platform transport against a node server speaking the minimal widget API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Receiver, startPageServer, launch, openEmitter, waitFor } from "./harness.mjs";

let browser, pages;
before(async () => {
  pages = await startPageServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await pages?.close();
});

function widgetApi(receiver) {
  let nextMessage = 100;
  let conversationTries = 0;
  receiver.script = (rec) => {
    if (rec.headers["x-auth-token"] !== "contact-jwt") return { status: 404, body: "no token" };
    if (rec.query.website_token !== "web-tok") return { status: 404, body: "no inbox" };
    switch (rec.path) {
      case "/api/v1/widget/config":
        return { status: 200, body: { auth_token: "contact-jwt" } };
      case "/api/v1/widget/events":
        return { status: 204 };
      case "/api/v1/widget/conversations":
        // The first try fails: the messages queued behind it must wait for the id.
        if (++conversationTries === 1) return { status: 502, body: "upstream" };
        return {
          status: 200,
          body: {
            id: 77, inbox_id: 3, contact_last_seen_at: 0, status: "open", custom_attributes: {}, contact: {},
            messages: [{ id: nextMessage++, content: rec.json.message.content, message_type: 0, content_type: "text", content_attributes: {}, created_at: 0, conversation_id: 77 }],
          },
        };
      case "/api/v1/widget/messages":
        return {
          status: 200,
          body: { id: nextMessage++, content: rec.json.message.content, message_type: 0, content_type: "text", content_attributes: {}, created_at: 0, conversation_id: 77 },
        };
      default:
        return { status: 404 };
    }
  };
}

test("platform: widget open → /events, first message → /conversations, later → /messages", async () => {
  const receiver = await new Receiver().start();
  const context = await browser.newContext();
  try {
    widgetApi(receiver);
    const page = await openEmitter(context, pages.url, {
      baseUrl: receiver.url, websiteToken: "web-tok", authToken: "contact-jwt", locale: "pt_BR",
      retryBaseMs: 100, retryMaxMs: 500,
      webhooks: [{ url: `${receiver.url}/hook`, events: ["message_created"] }],
    });
    await page.evaluate(() => {
      window.em.emit("webwidget_triggered", {
        id: 1, contact: { id: 1 }, inbox: { id: 1, name: "Site" }, account: { id: 1, name: "Evolvy" },
        source_id: "src", event_info: { initiated_at: { timestamp: new Date().toString() }, referer: location.href },
      });
      for (let i = 0; i < 3; i++) {
        window.em.emit("message_created", window.message(i, {
          content: `hello ${i}`, timestamp: new Date().toString(), referer_url: location.href,
          sender: { type: "contact", id: 1, name: "Ana", email: "ana@example.com" },
          conversation: { id: 0, inbox_id: 1, custom_attributes: { plan: "pro" } },
        }));
      }
      window.em.emit("message_created", window.message(9, {
        content: "agent", message_type: "outgoing", sender: { type: "user", id: 2, name: "Agent" },
      }));
    });
    await waitFor(() => page.evaluate(() => window.em.pending() === 0), 15_000, "empty queue");
    const api = receiver.requests.filter((r) => r.path.startsWith("/api/"));
    assert.deepEqual(api.map((r) => r.path), [
      "/api/v1/widget/events",
      "/api/v1/widget/conversations",
      "/api/v1/widget/conversations",
      "/api/v1/widget/messages",
      "/api/v1/widget/messages",
    ]);
    const [ev, , conv, msg] = api;
    assert.equal(ev.query.locale, "pt_BR");
    assert.equal(ev.json.name, "webwidget.triggered");
    assert.match(ev.json.event_info.referer, /^http:\/\/127\.0\.0\.1/);
    assert.ok(ev.json.event_info.initiated_at.timestamp.includes("GMT"));
    assert.deepEqual(conv.json.contact, { name: "Ana", email: "ana@example.com" });
    assert.equal(conv.json.message.content, "hello 0");
    assert.deepEqual(conv.json.custom_attributes, { plan: "pro" });
    assert.deepEqual(Object.keys(msg.json), ["message"]);
    assert.equal(msg.json.message.content, "hello 1");
    // Webhook copies carry the conversation id the platform returned, once known.
    const hooks = receiver.requests.filter((r) => r.path === "/hook");
    assert.equal(hooks.length, 4, "3 incoming + 1 outgoing message to the webhook");
    const last = hooks.find((h) => h.json.id === 2);
    assert.ok(last);
    const delivered = await page.evaluate(() => window.log.filter((l) => l.type === "evolvy:delivered").map((l) => l.detail.target));
    assert.equal(delivered.filter((t) => t === "platform").length, 4);
  } finally {
    await context.close();
    await receiver.stop();
  }
});
