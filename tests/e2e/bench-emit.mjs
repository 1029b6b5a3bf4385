// Benchmark (not a test): emit → request leaving, bytes per event, queue persistence cost.
// Usage: node tests/e2e/bench-emit.mjs   (EVOLVY_PKG_DIR as for the tests; prints JSON)
import { Receiver, startPageServer, launch, openEmitter, waitFor } from "./harness.mjs";

const N = Number(process.env.BENCH_N || 200);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const p95 = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length * 0.95)];

const receiver = await new Receiver({ maxRequests: 100_000 }).start();
const pages = await startPageServer();
const browser = await launch();
const result = {};
try {
  for (const simple of [false, true]) {
    const context = await browser.newContext();
    const page = await openEmitter(context, pages.url, {
      webhooks: [{ url: `${receiver.url}/hook`, events: ["message_created"], simple }],
    });
    const before = receiver.requests.length;
    const preflightsBefore = receiver.preflights;
    const lat = await page.evaluate(async (N) => {
      const out = [];
      const input = { content: "Olá, preciso de ajuda com o meu pedido #1234", sender: { type: "contact", id: 1, name: "Ana", email: "ana@example.com" } };
      for (let i = 0; i < N; i++) {
        performance.clearResourceTimings();
        const t0 = performance.now();
        window.em.emit("message_created", window.message(i, input));
        for (let k = 0; k < 2000; k++) {
          const e = performance.getEntriesByType("resource").find((r) => r.name.includes("/hook"));
          if (e) {
            out.push((e.startTime - t0) * 1000);
            break;
          }
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      return out;
    }, N);
    await waitFor(() => receiver.requests.length - before >= N, 30_000, "bench requests");
    const reqs = receiver.requests.slice(before, before + N);
    const hdr = (r) => Object.entries(r.headers).reduce((s, [k, v]) => s + k.length + String(v).length + 4, 0);
    result[simple ? "simple" : "headers"] = {
      samples: lat.length,
      emit_to_request_start_us: { median: Math.round(median(lat)), p95: Math.round(p95(lat)) },
      body_bytes: median(reqs.map((r) => Buffer.byteLength(r.body))),
      header_bytes: median(reqs.map(hdr)),
      url_bytes: median(reqs.map((r) => r.path.length + new URLSearchParams(r.query).toString().length)),
      preflights: receiver.preflights - preflightsBefore,
    };
    await context.close();
  }

  // Persistence: emit() cost (build + enqueue + localStorage write of the whole queue) by queue size.
  await receiver.stop();
  const context = await browser.newContext();
  const page = await openEmitter(context, pages.url, {
    webhooks: [{ url: `${receiver.url}/hook`, events: ["message_created"] }],
    retryBaseMs: 600_000, retryMaxMs: 600_000, maxQueue: 1000,
  });
  result.persistence = await page.evaluate(async () => {
    const rows = [];
    const input = { content: "Olá, preciso de ajuda com o meu pedido #1234", sender: { type: "contact", id: 1, name: "Ana" } };
    let n = 0;
    for (const size of [0, 100, 500, 900]) {
      while (window.em.pending() < size) window.em.emit("message_created", window.message(n++, input));
      const ts = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        window.em.emit("message_created", window.message(n++, input));
        await Promise.resolve(); // the snapshot write runs in the microtask queued by emit
        ts.push((performance.now() - t0) * 1000);
      }
      // A burst of 50 emits in one task: one snapshot write.
      const tb = performance.now();
      for (let i = 0; i < 50; i++) window.em.emit("message_created", window.message(n++, input));
      await Promise.resolve();
      const burst_us_per_emit = Math.round(((performance.now() - tb) * 1000) / 50);
      const key = Object.keys(localStorage).find((k) => k.startsWith("evolvy:queue:q:"));
      rows.push({ queued: window.em.pending(), burst_us_per_emit, emit_us_median: Math.round(ts.sort((a, b) => a - b)[5]), stored_bytes: localStorage.getItem(key).length });
    }
    return rows;
  });
  await context.close();
} finally {
  await browser.close();
  await pages.close();
  await receiver.stop();
}
console.log(JSON.stringify(result, null, 2));
