// Delivery faults end to end: the wasm emitter in headless Chromium, a real receiver on
// 127.0.0.1. Every scenario asserts that each event arrived at least once and that all copies
// of an event share one webhook-id; it appends a row to the fault table (out/faults.jsonl).
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { Receiver, startPageServer, launch, openEmitter, waitFor, sleep, audit } from "./harness.mjs";

let browser, pages, receiver, context;

// Fast retries so faults resolve within seconds.
const FAST = { retryBaseMs: 100, retryMaxMs: 800, timeoutMs: 1500 };
const EVENTS = ["message_created", "contact_created"];

function hookConfig(extra = {}, hook = {}) {
  return { ...FAST, ...extra, webhooks: [{ url: `${receiver.url}/hook`, events: EVENTS, ...hook }] };
}

async function emitN(page, count, from = 0) {
  return page.evaluate(
    ({ count, from }) => {
      const ids = [];
      for (let n = from; n < from + count; n++) ids.push(...window.em.emit("message_created", window.message(n)));
      return ids;
    },
    { count, from },
  );
}

const allArrived = (count) => () => {
  const by = receiver.byMarker();
  for (let n = 0; n < count; n++) if (!(by.get(n) || []).some((r) => r.ok)) return false;
  return true;
};

// Mark each recorded request with whether it was answered 2xx.
function answer(fn) {
  receiver.script = async (rec, r) => {
    const a = (await fn(rec, r)) || { status: 200 };
    rec.ok = (a.status ?? 200) < 300 && !a.delayMs;
    return a;
  };
}

before(async () => {
  pages = await startPageServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await pages?.close();
});
beforeEach(async () => {
  receiver = await new Receiver().start();
  answer(() => ({ status: 200 }));
  context = await browser.newContext();
});
afterEach(async () => {
  await context?.close();
  await receiver?.stop();
});

test("headers: webhook-id, webhook-timestamp, X-Evolvy-Event, JSON body, one request per event", async () => {
  const page = await openEmitter(context, pages.url, hookConfig());
  const ids = await emitN(page, 3);
  assert.equal(ids.length, 3);
  await waitFor(allArrived(3), 10_000, "3 events");
  const r = receiver.requests[0];
  assert.equal(r.method, "POST");
  assert.equal(r.path, "/hook");
  assert.match(r.headers["webhook-id"], /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(Number(r.headers["webhook-timestamp"]) - Date.now() / 1000) < 30);
  assert.equal(r.headers["x-evolvy-event"], "message_created");
  assert.match(r.headers["content-type"], /application\/json/);
  assert.equal(r.json.event, "message_created");
  assert.equal(r.headers.cookie, undefined);
  assert.deepEqual(new Set(receiver.requests.map((q) => q.id)), new Set(ids));
  await waitFor(() => page.evaluate(() => window.em.pending() === 0), 5_000, "empty queue");
  const log = await page.evaluate(() => window.log);
  assert.equal(log.filter((l) => l.type === "evolvy:delivered").length, 3);
  assert.equal(log.filter((l) => l.type === "cb:delivered").length, 3);
  audit(receiver, 3, assert, "none (baseline)");
});

test("receiver answers 500 three times per event, then 200", async () => {
  const seen = new Map();
  answer((rec) => {
    const k = (seen.get(rec.id) || 0) + 1;
    seen.set(rec.id, k);
    return k <= 3 ? { status: 500, body: "boom" } : { status: 200 };
  });
  const page = await openEmitter(context, pages.url, hookConfig());
  await emitN(page, 5);
  await waitFor(allArrived(5), 20_000, "all 5 events after 500s");
  for (const [, k] of seen) assert.equal(k, 4);
  const row = audit(receiver, 5, assert, "500 ×3 then 200");
  assert.equal(row.attempts, 20);
  assert.equal(row.duplicates, 0, "only the 200 was accepted");
});

test("429 with Retry-After is honoured; 4xx is dropped with status and body", async () => {
  const first = new Map();
  answer((rec) => {
    if (rec.json?.id === 1) return { status: 422, body: "unprocessable: field x" };
    if (!first.has(rec.id)) {
      first.set(rec.id, rec.t);
      return { status: 429, headers: { "retry-after": "1" } };
    }
    rec.gap = rec.t - first.get(rec.id);
    return { status: 200 };
  });
  const page = await openEmitter(context, pages.url, hookConfig());
  await emitN(page, 2);
  await waitFor(() => receiver.requests.some((r) => r.json?.id === 0 && r.ok), 10_000, "event 0");
  const retried = receiver.requests.find((r) => r.json?.id === 0 && r.ok);
  assert.ok(retried.gap >= 950, `retried after ${retried.gap} ms, Retry-After said 1 s`);
  await waitFor(() => page.evaluate(() => window.log.some((l) => l.type === "evolvy:error")), 5_000, "error event");
  const err = (await page.evaluate(() => window.log)).find((l) => l.type === "evolvy:error").detail;
  assert.equal(err.status, 422);
  assert.match(err.body, /unprocessable/);
  assert.equal(receiver.requests.filter((r) => r.json?.id === 1).length, 1, "a 422 is not retried");
  assert.equal(await page.evaluate(() => window.em.pending()), 0);
});

test("receiver down, then up on the same port", async () => {
  const port = receiver.port;
  const page = await openEmitter(context, pages.url, hookConfig());
  await receiver.stop();
  await emitN(page, 5);
  await sleep(1500);
  assert.equal(await page.evaluate(() => window.em.pending()), 5);
  await receiver.start(port);
  await waitFor(allArrived(5), 20_000, "all 5 after the receiver came back");
  audit(receiver, 5, assert, "receiver down 1.5 s, then up");
});

test("slow receiver: the first answer of each event takes longer than the timeout", async () => {
  const seen = new Set();
  answer((rec) => {
    if (!seen.has(rec.id)) {
      seen.add(rec.id);
      return { status: 200, delayMs: 2500 }; // > timeoutMs (1500): the browser aborts
    }
    return { status: 200 };
  });
  const page = await openEmitter(context, pages.url, hookConfig());
  await emitN(page, 4);
  await waitFor(allArrived(4), 20_000, "all 4 after timeouts");
  const row = audit(receiver, 4, assert, "slow receiver (2.5 s > 1.5 s timeout)");
  assert.ok(row.attempts >= 8, "each timed-out request was retried under the same id");
});

test("reload with queued events: the next page sends them under the same ids", async () => {
  let up = false;
  answer(() => (up ? { status: 200 } : { status: 503 }));
  const cfg = hookConfig({ retryBaseMs: 60_000, retryMaxMs: 60_000 });
  const page = await openEmitter(context, pages.url, cfg);
  const ids = await emitN(page, 5);
  await waitFor(() => receiver.requests.length >= 5, 5_000, "first attempts");
  assert.equal(await page.evaluate(() => window.em.pending()), 5);
  up = true;
  await page.reload();
  await page.waitForFunction(() => window.evolvyReady === true);
  await page.evaluate((c) => window.start(c), cfg);
  await waitFor(allArrived(5), 15_000, "all 5 after reload");
  const okIds = new Set(receiver.requests.filter((r) => r.ok).map((r) => r.id));
  for (const id of ids) assert.ok(okIds.has(id), `id ${id} delivered after reload`);
  await waitFor(() => page.evaluate(() => window.em.pending() === 0), 5_000, "empty queue");
  audit(receiver, 5, assert, "reload with 5 queued");
});

for (const simple of [false, true]) {
  test(`tab closed: the ${simple ? "beacon (simple mode)" : "keepalive fetch"} arrives`, async () => {
    // The receiver is down (a 503 would not do: in simple mode the response is opaque, so any
    // answer counts as delivered); it comes back just before the tab closes.
    const port = receiver.port;
    const cfg = hookConfig({ retryBaseMs: 60_000, retryMaxMs: 60_000 }, { simple });
    const page = await openEmitter(context, pages.url, cfg);
    await receiver.stop();
    const ids = await emitN(page, 5);
    await sleep(500);
    assert.equal(await page.evaluate(() => window.em.pending()), 5);
    await receiver.start(port);
    const before = receiver.requests.length;
    await page.close({ runBeforeUnload: false });
    await waitFor(() => receiver.requests.slice(before).filter((r) => r.ok).length >= 5, 10_000, "unload sends");
    const late = receiver.requests.slice(before);
    assert.deepEqual(new Set(late.map((r) => r.id)), new Set(ids));
    if (simple) {
      assert.match(late[0].headers["content-type"], /^text\/plain/);
      assert.ok(late[0].query["webhook-timestamp"]);
      assert.equal(late[0].query.event, "message_created");
    } else {
      assert.equal(late[0].headers["x-evolvy-event"], "message_created");
    }
    audit(receiver, 5, assert, `tab closed (${simple ? "sendBeacon" : "fetch keepalive"})`);
  });
}

test("offline then online", async () => {
  const page = await openEmitter(context, pages.url, hookConfig());
  await context.setOffline(true);
  await emitN(page, 5);
  await sleep(1500);
  assert.equal(receiver.requests.length, 0, "nothing leaves while offline");
  assert.equal(await page.evaluate(() => window.em.pending()), 5);
  const t = Date.now();
  await context.setOffline(false);
  await waitFor(allArrived(5), 10_000, "all 5 after going online");
  assert.ok(Date.now() - t < 5_000, "resumed on the online event, not on a backoff timer");
  audit(receiver, 5, assert, "offline 1.5 s, then online");
});

test("two tabs: each flushes its own queue; a closed tab's queue is adopted with its ids", async () => {
  let up = false;
  answer(() => (up ? { status: 200 } : { status: 503 }));
  const cfg = hookConfig({ retryBaseMs: 60_000, retryMaxMs: 60_000 });
  const a = await openEmitter(context, pages.url, cfg);
  const b = await openEmitter(context, pages.url, cfg);
  const idsA = await emitN(a, 5, 0);
  const idsB = await emitN(b, 5, 5);
  await waitFor(() => receiver.requests.length >= 10, 5_000, "first attempts");
  // Tab A goes away without any chance to send (503 at its unload), tab B adopts its queue.
  await a.close({ runBeforeUnload: false });
  await sleep(300);
  up = true;
  await b.evaluate(() => window.em.flush());
  await waitFor(allArrived(10), 15_000, "all 10 events via tab B");
  const okIds = new Set(receiver.requests.filter((r) => r.ok).map((r) => r.id));
  for (const id of [...idsA, ...idsB]) assert.ok(okIds.has(id));
  audit(receiver, 10, assert, "two tabs, one closed while failing");
});

test("two tabs open at once never send one event under two ids", async () => {
  const seen = new Map();
  answer((rec) => {
    const k = (seen.get(rec.id) || 0) + 1;
    seen.set(rec.id, k);
    return k <= 2 ? { status: 503 } : { status: 200 };
  });
  const cfg = hookConfig();
  const a = await openEmitter(context, pages.url, cfg);
  const b = await openEmitter(context, pages.url, cfg);
  await Promise.all([emitN(a, 10, 0), emitN(b, 10, 10)]);
  await waitFor(allArrived(20), 20_000, "all 20 events");
  audit(receiver, 20, assert, "two tabs, 503 ×2 each");
});

test("CORS-simple mode: text/plain, ids in the query, no preflight", async () => {
  const page = await openEmitter(context, pages.url, hookConfig({ simple: true }));
  await emitN(page, 3);
  await waitFor(allArrived(3), 10_000, "3 events");
  assert.equal(receiver.preflights, 0);
  for (const r of receiver.requests) {
    assert.match(r.headers["content-type"], /^text\/plain/);
    assert.match(r.query["webhook-id"], /^[0-9a-f-]{36}$/);
    assert.equal(r.headers["webhook-id"], undefined);
  }
  audit(receiver, 3, assert, "none (simple mode)");
});

test("configuration errors are reported, valid entries keep working, no target throws", async () => {
  const page = await openEmitter(context, pages.url, null);
  const err = await page.evaluate(() => window.start({ webhooks: [{ url: "http://example.com/h", events: ["message_created"] }] }));
  assert.match(err, /https/);
  const res = await page.evaluate((url) => {
    const e = window.start({
      webhooks: [
        { url: "http://example.com/h", events: ["message_created"] },
        { url, events: ["message_created", "nope"] },
        { url, events: ["message_created"] },
      ],
    });
    return { e, errors: window.em.configErrors(), log: window.log.filter((l) => l.type === "evolvy:error") };
  }, `${receiver.url}/hook`);
  assert.equal(res.e, null);
  assert.deepEqual(res.errors.map((e) => e.path), ["webhooks[0].url", "webhooks[1].events[1]"]);
  assert.ok(res.log.length >= 2);
  await page.evaluate(() => window.em.emit("message_created", window.message(0)));
  await waitFor(allArrived(1), 10_000, "event via the valid entry");
  await assert.rejects(page.evaluate(() => window.em.emit("no_such_event", {})), /unknown event/);
  await assert.rejects(page.evaluate(() => window.em.subscribe("ftp://x", ["message_created"])), /http/);
});

test("a full queue drops the oldest with an evolvy:error; flush() resolves with what is left", async () => {
  const port = receiver.port;
  const page = await openEmitter(context, pages.url, hookConfig({ maxQueue: 3, retryBaseMs: 60_000, retryMaxMs: 60_000 }));
  await receiver.stop();
  await emitN(page, 5);
  const { pending, errors } = await page.evaluate(() => ({
    pending: window.em.pending(),
    errors: window.log.filter((l) => l.type === "evolvy:error").map((l) => l.detail),
  }));
  assert.equal(pending, 3);
  assert.equal(errors.length, 2);
  assert.match(errors[0].message, /queue full/);
  assert.equal(await page.evaluate(() => window.em.flush()), 3, "still down: all 3 remain");
  await receiver.start(port);
  assert.equal(await page.evaluate(() => window.em.flush()), 0);
  const got = [...receiver.byMarker().keys()].sort();
  assert.deepEqual(got, [2, 3, 4], "the 3 newest were kept and delivered");
});
