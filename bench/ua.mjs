// Chromium benchmark of `deriveBrowser` (uaparser behind the build-time prefilter) against
// ua-parser-js 1.x (MIT) in the same page runs. See bench/README.md.
//
//   cd bench && npm install && node ua.mjs            # builds the release wasm first
//   node ua.mjs --no-build                            # reuse bench/.out/pkg
//   node ua.mjs --rounds 3                            # every UA in 3 fresh pages (less noise)
//
// For each of the ~20 user agents in uas.json: a FRESH browser context and page (no shared HTTP
// or code cache), wasm fetched and instantiated, that user agent derived once (cold), then a
// first pass over the whole list, then timed warm passes; WebAssembly.Memory growth; ua-parser-js
// timed the same way in the same page. One table is printed at the end.

import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const out = join(here, '.out', 'pkg');
const uas = JSON.parse(readFileSync(join(here, 'uas.json'), 'utf8'));
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Math.max(1, Number(args[roundsAt + 1]) || 1) : 1;

if (!args.includes('--no-build') || !existsSync(join(out, 'evolvy_widget_bg.wasm'))) {
  console.error('building release wasm…');
  execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '-p', 'evolvy-widget'], { cwd: root, stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  execFileSync('wasm-bindgen', ['--target', 'web', '--remove-name-section', '--out-dir', out,
    join(root, 'target/wasm32-unknown-unknown/release/evolvy_widget.wasm')], { stdio: 'inherit' });
}

const page = `<!doctype html><meta charset="utf-8"><title>ua bench</title>
<script src="/ua-parser.js"></script>
<script type="module">
const uas = ${JSON.stringify(uas)};
const i = Number(new URLSearchParams(location.search).get('i'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
function warm(fn, rounds) {
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (const u of uas) fn(u);
    per.push((performance.now() - t) / uas.length);
  }
  return median(per);
}
const r = {};
try {
  let t = performance.now();
  const mod = await import('/pkg/evolvy_widget.js');
  const wasm = await mod.default({ module_or_path: '/pkg/evolvy_widget_bg.wasm' });
  r.init_ms = performance.now() - t;
  if (new URLSearchParams(location.search).has('later')) {
    // A later page load of the same visitor: the derivation comes from the localStorage cache
    // the first page filled (derive_ms covers the lookup). The browser loads the origin's
    // storage on its first use in a page (1-2 ms here), which the widget has done before this
    // point; it is timed apart.
    let t0 = performance.now();
    localStorage.getItem('evolvy:ua-cache');
    r.storage_open_ms = performance.now() - t0;
    const c = await mod.collectContext({ hintsTimeoutMs: 1000 });
    r.later_ms = c.derive_ms;
    r.later_cached = c.derived_from_cache;
  } else {
  const mem0 = wasm.memory.buffer.byteLength;
  t = performance.now();
  r.result = mod.deriveBrowser(uas[i], undefined);
  r.cold_ms = performance.now() - t;
  r.mem_cold = wasm.memory.buffer.byteLength - mem0;
  t = performance.now();
  r.second = mod.deriveBrowser(uas[(i + 1) % uas.length], undefined);
  r.second_ms = performance.now() - t;
  for (const u of uas) mod.deriveBrowser(u, undefined);            // first pass over the list
  r.warm_us = warm((u) => mod.deriveBrowser(u, undefined), 50) * 1000;
  r.warm_rules_us = warm((u) => { mod.uaClearResultCache(); mod.deriveBrowser(u, undefined); }, 20) * 1000;
  r.mem_total = wasm.memory.buffer.byteLength - mem0;
  r.stats = mod.uaCacheStats();
  t = performance.now();
  const js = new UAParser(uas[i]).getResult();
  r.js_cold_ms = performance.now() - t;
  r.js_result = { browser: js.browser.name + ' ' + (js.browser.version || ''), os: js.os.name + ' ' + (js.os.version || ''), device: js.device.model || '' };
  r.js_warm_us = warm((u) => new UAParser(u).getResult(), 50) * 1000;
  await mod.collectContext({ hintsTimeoutMs: 1000 }); // fills the cache for the later page
  }
} catch (e) { r.error = String(e && e.stack || e); }
window.__result = r;
</script>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  let body; let type;
  if (url.pathname === '/' || url.pathname === '/bench.html') { body = page; type = types['.html']; }
  else if (url.pathname === '/ua-parser.js') { body = readFileSync(join(here, 'node_modules/ua-parser-js/src/ua-parser.js')); type = types['.js']; }
  else if (url.pathname.startsWith('/pkg/') && !url.pathname.includes('..')) {
    const file = join(out, url.pathname.slice(5));
    if (existsSync(file)) { body = readFileSync(file); type = types[extname(file)] || 'application/octet-stream'; }
  }
  if (body === undefined) { res.writeHead(404); res.end(); return; }
  // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
  res.end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', ...(process.env.BENCH_CHROME_ARGS ? process.env.BENCH_CHROME_ARGS.split(' ') : [])],
});
const rows = [];
try {
  for (let round = 0; round < rounds; round++) for (let i = 0; i < uas.length; i++) {
    // The context's navigator.userAgent is the list's UA, for collectContext's cache.
    const context = await browser.newContext({ userAgent: uas[i] });
    const p = await context.newPage();
    await p.goto(`${base}/bench.html?i=${i}`);
    const r = await p.waitForFunction(() => window.__result, null, { timeout: 60_000 }).then((h) => h.jsonValue());
    if (r.error) throw new Error(`UA ${i}: ${r.error}`);
    const later = await context.newPage();
    await later.goto(`${base}/bench.html?i=${i}&later=1`);
    const l = await later.waitForFunction(() => window.__result, null, { timeout: 60_000 }).then((h) => h.jsonValue());
    await context.close();
    if (l.error) throw new Error(`UA ${i}, later page: ${l.error}`);
    rows.push({ round, i, ...r, later_ms: l.later_ms, later_cached: l.later_cached, storage_open_ms: l.storage_open_ms });
  }
} finally {
  await browser.close();
  server.close();
}

const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]; };
const f = (x, d = 2) => x.toFixed(d);
const mb = (x) => (x / 1048576).toFixed(2);
console.log(`\nderiveBrowser (wasm, uaparser + prefilter) vs ua-parser-js ${JSON.parse(readFileSync(join(here, 'node_modules/ua-parser-js/package.json'))).version}, headless ${browser.version?.() ?? 'Chromium'}, ${rows.length} fresh pages (${uas.length} UAs × ${rounds} round${rounds > 1 ? 's' : ''}; the first round below)\n`);
console.log('| # | browser / platform / device (deriveBrowser) | init ms | cold derive ms | 2nd derive ms | mem growth MB | ua-parser-js cold ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows.filter((row) => row.round === 0)) {
  const d = r.result;
  console.log(`| ${r.i} | ${d.browser_name} ${d.browser_version} / ${d.platform_name} ${d.platform_version} / ${d.device_name} | ${f(r.init_ms, 1)} | ${f(r.cold_ms)} | ${f(r.second_ms)} | ${mb(r.mem_total)} | ${f(r.js_cold_ms)} |`);
}
console.log('\n| measure | deriveBrowser | ua-parser-js | target |');
console.log('|---|---|---|---|');
console.log(`| wasm fetch + instantiate, median | ${f(med(rows.map((r) => r.init_ms)), 1)} ms | — | — |`);
console.log(`| cold: first derive in a fresh page, median (p95) | ${f(med(rows.map((r) => r.cold_ms)))} ms (${f(p95(rows.map((r) => r.cold_ms)))}) | ${f(med(rows.map((r) => r.js_cold_ms)))} ms | ≤ 15 ms |`);
console.log(`| same UA on a later page load (localStorage cache), median (max); cache hits | ${f(med(rows.map((r) => r.later_ms)), 3)} ms (${f(Math.max(...rows.map((r) => r.later_ms)), 3)}); ${rows.filter((r) => r.later_cached).length}/${rows.length} | — | ≤ 0.5 ms |`);
console.log(`| (the browser opening localStorage on a page's first use, median) | ${f(med(rows.map((r) => r.storage_open_ms)), 2)} ms | — | — |`);
console.log(`| second UA in the same page, median | ${f(med(rows.map((r) => r.second_ms)))} ms | — | — |`);
console.log(`| warm per parse (result cache), median | ${f(med(rows.map((r) => r.warm_us)), 1)} µs | ${f(med(rows.map((r) => r.js_warm_us)), 1)} µs | ≤ 50 µs |`);
console.log(`| warm per parse, rules re-run (result cache cleared), median | ${f(med(rows.map((r) => r.warm_rules_us)), 1)} µs | — | — |`);
console.log(`| wasm memory growth after cold derive / after all passes, max | ${mb(Math.max(...rows.map((r) => r.mem_cold)))} / ${mb(Math.max(...rows.map((r) => r.mem_total)))} MB | — | ≤ 1 MB |`);
console.log(`| one-rule uaparser parsers built per page (all ${uas.length} UAs), median | ${med(rows.map((r) => r.stats.parsers_built))} | — | — |`);
