// Widget benchmark (not a test): the demo page served by the real backend, in headless Chromium.
// Prints one table: transfer sizes (brotli, as a CDN would serve them), loader bytes (gzip),
// click → window visible and click → POST leaving (median over fresh pages), and long tasks on the
// host page's main thread while the widget loads and opens. Two hosts: the demo page (served by
// the backend itself: the widget's iframe is same-origin and shares the page's main thread, the
// worst case) and a customer page on another site (localhost → 127.0.0.1, as deployed: Chromium
// runs the cross-site iframe in its own process).
//
//   make pkg && cargo build -p evolvy-server && node bench/widget.mjs [runs]
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import http from "node:http";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
// The e2e suite's harness starts the backend and Chromium the same way the tests do
// (run `npm ci` in tests/e2e first; `make bench-widget` does).
process.env.EVOLVY_PKG_DIR ||= path.join(repo, "pkg");
const { startBackend } = await import(path.join(repo, "tests/e2e/backend.mjs"));
const { launch } = await import(path.join(repo, "tests/e2e/harness.mjs"));

const runs = Number(process.argv[2] || 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const br = (f) => zlib.brotliCompressSync(fs.readFileSync(f), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const gz = (f) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;

const pkg = process.env.EVOLVY_PKG_DIR;
const files = {
  "pkg/sdk.min.js (loader, on the host page)": path.join(pkg, "sdk.min.js"),
  "pkg/widget/evolvy_widget_bg.wasm": path.join(pkg, "widget/evolvy_widget_bg.wasm"),
  "pkg/widget/evolvy_widget.js": path.join(pkg, "widget/evolvy_widget.js"),
  "www/widget.html": path.join(repo, "www/widget.html"),
  "www/widget.js": path.join(repo, "www/widget.js"),
  "www/widget.css": path.join(repo, "www/widget.css"),
  "www/ua-worker.js": path.join(repo, "www/ua-worker.js"),
};
const sizes = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, br(f)]));
const total = Object.values(sizes).reduce((a, b) => a + b, 0);

const backend = await startBackend();
// The customer's page: the snippet as a site owner pastes it, baseUrl on another site.
const customer = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><meta charset="utf-8"><title>A customer's shop</title>
<h1>A customer's shop</h1><p>Products, prices and a chat bubble.</p>
<script>
(function (d, t) {
  var BASE_URL = ${JSON.stringify(backend.url)};
  var g = d.createElement(t), s = d.getElementsByTagName(t)[0];
  g.src = BASE_URL + "/pkg/sdk.min.js";
  g.async = true;
  s.parentNode.insertBefore(g, s);
  g.onload = function () { window.evolvySDK.run({ websiteToken: "demo-website-token", baseUrl: BASE_URL }); };
})(document, "script");
</script>`);
});
await new Promise((ok) => customer.listen(0, "127.0.0.1", ok));
const hosts = {
  "demo page (same origin)": backend.url + "/",
  "customer page (cross-site)": `http://localhost:${customer.address().port}/`,
};
const browser = await launch();
const results = {};
try {
  for (const [host, url] of Object.entries(hosts)) {
    const rows = (results[host] = []);
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__longtasks = [];
        new PerformanceObserver((l) => window.__longtasks.push(...l.getEntries().map((e) => ({
          duration: e.duration, start: e.startTime, culprit: e.name, container: e.attribution?.[0]?.containerType || "",
        })))).observe({ type: "longtask", buffered: true });
      });
      await page.goto(url);
      const frame = page.frameLocator("iframe[src*='widget.html']");
      await frame.locator("#evolvy-launcher").waitFor();
      const iframe = page.frames().find((f) => f.url().includes("widget.html"));
      // Let the page go idle so the widget loads ahead of need, as it does for a visitor.
      await page.waitForTimeout(2500);
      await iframe.evaluate(() => {
        window.__t = {};
        document.getElementById("evolvy-launcher").addEventListener("click", () => {
          window.__t.click = performance.now();
          const seen = () => {
            const win = document.getElementById("evolvy-window");
            if (win && !win.hidden) window.__t.visible = performance.now();
            else requestAnimationFrame(seen);
          };
          seen();
        }, { capture: true, once: true });
      });
      await frame.locator("#evolvy-launcher").click();
      await frame.locator("#evolvy-window").waitFor({ state: "visible" });
      const post = await iframe.evaluate(async () => {
        for (let k = 0; k < 200; k++) {
          const e = performance.getEntriesByType("resource").find((r) => r.name.includes("/api/v1/widget/events"));
          if (e) return { start: e.startTime, click: window.__t.click, visible: window.__t.visible };
          await new Promise((ok) => setTimeout(ok, 25));
        }
        return { start: NaN, click: window.__t.click, visible: window.__t.visible };
      });
      const longtasks = await page.evaluate(() => window.__longtasks);
      rows.push({
        visibleMs: post.visible - post.click,
        postMs: post.start - post.click,
        maxLongTask: longtasks.length ? Math.max(...longtasks.map((t) => t.duration)) : 0,
        longTasks: longtasks.length,
        longTaskList: longtasks.map((t) => `page ${i + 1}: ${t.duration.toFixed(0)} ms at ${t.start.toFixed(0)} ms (${t.culprit}${t.container ? ", " + t.container : ""})`),
      });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await backend.stop();
  customer.close();
}

console.log("\nWidget benchmark (headless Chromium, local backend, %d fresh pages per host)\n", runs);
console.log("| measure | value |\n|---|---|");
console.log(`| loader sdk.min.js (gzip) | ${gz(path.join(pkg, "sdk.min.js"))} B |`);
for (const [k, v] of Object.entries(sizes)) console.log(`| ${k} (brotli) | ${v} B |`);
console.log(`| whole widget transfer (brotli) | ${total} B |`);
for (const [host, rows] of Object.entries(results)) {
  console.log(`| **${host}** | |`);
  console.log(`| click → window visible, median | ${median(rows.map((r) => r.visibleMs)).toFixed(1)} ms |`);
  console.log(`| click → POST /events leaving, median (first open: includes /config) | ${median(rows.map((r) => r.postMs)).toFixed(1)} ms |`);
  console.log(`| long tasks on the host page (count, max) | ${rows.reduce((a, r) => a + r.longTasks, 0)} over ${runs} pages, max ${Math.max(...rows.map((r) => r.maxLongTask)).toFixed(0)} ms |`);
  for (const line of rows.flatMap((r) => r.longTaskList)) console.log(`|   ${line} | |`);
}
