// Test harness: a recording receiver (node http on 127.0.0.1), a static server for the page and
// the wasm package, and headless Chromium driven by playwright-core.
//
// EVOLVY_PKG_DIR: the wasm-bindgen `--target web` output to test (default: <repo>/pkg).
// CHROMIUM: the browser binary (default /usr/bin/chromium). Nothing is downloaded.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "..", "..");
export const pkgDir = path.resolve(process.env.EVOLVY_PKG_DIR || path.join(repoRoot, "pkg"));
const pagesDir = path.join(here, "pages");

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST",
  "access-control-allow-headers": "content-type, webhook-id, webhook-timestamp, x-evolvy-event, x-auth-token",
  "access-control-max-age": "600",
  // Without this the browser hides Retry-After from a cross-origin caller.
  "access-control-expose-headers": "retry-after",
};

/**
 * A receiver that records every request and answers as `script(req, rec)` says
 * (default 200): `{status, headers, body, delayMs}`; `rec` is the receiver itself.
 * Requests are capped (`maxRequests`) so a runaway loop cannot hang a test.
 */
export class Receiver {
  constructor({ maxRequests = 5000 } = {}) {
    this.requests = [];
    this.preflights = 0;
    this.maxRequests = maxRequests;
    this.script = () => ({ status: 200 });
    this.port = 0;
    this.server = null;
    this.sockets = new Set();
  }

  async start(port = this.port) {
    this.server = http.createServer((req, res) => this.#handle(req, res));
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise((ok, fail) => {
      this.server.once("error", fail);
      this.server.listen(port, "127.0.0.1", ok);
    });
    this.port = this.server.address().port;
    return this;
  }

  /** Stops listening and cuts open connections (the receiver is "down"). */
  async stop() {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    await new Promise((ok) => s.close(() => ok()));
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  #handle(req, res) {
    let chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      if (req.method === "OPTIONS") {
        this.preflights++;
        res.writeHead(204, CORS).end();
        return;
      }
      const u = new URL(req.url, "http://x");
      const rec = {
        t: Date.now(),
        method: req.method,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      rec.id = rec.headers["webhook-id"] || rec.query["webhook-id"] || null;
      try {
        rec.json = JSON.parse(rec.body);
      } catch {
        rec.json = null;
      }
      if (this.requests.length >= this.maxRequests) {
        res.writeHead(503, CORS).end("request cap reached");
        return;
      }
      this.requests.push(rec);
      let a;
      try {
        a = (await this.script(rec, this)) || { status: 200 };
      } catch (e) {
        a = { status: 500, body: String(e) };
      }
      if (a.delayMs) await new Promise((ok) => setTimeout(ok, a.delayMs));
      if (res.destroyed) return;
      const headers = { ...CORS, ...(a.headers || {}) };
      let body = a.body ?? "";
      if (typeof body !== "string") {
        body = JSON.stringify(body);
        headers["content-type"] = "application/json";
      }
      res.writeHead(a.status ?? 200, headers).end(body);
    });
  }

  /** Requests grouped by the event marker in their body (the message id), per marker. */
  byMarker(key = "id") {
    const m = new Map();
    for (const r of this.requests) {
      const n = r.json?.[key];
      if (n === undefined) continue;
      if (!m.has(n)) m.set(n, []);
      m.get(n).push(r);
    }
    return m;
  }
}

/** Serves pages/ at / and the wasm package at /pkg/. */
export async function startPageServer() {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, "http://x");
    let file;
    if (u.pathname.startsWith("/pkg/")) file = path.join(pkgDir, u.pathname.slice(5));
    else file = path.join(pagesDir, u.pathname === "/" ? "emitter.html" : u.pathname.slice(1));
    const root = u.pathname.startsWith("/pkg/") ? pkgDir : pagesDir;
    if (!path.resolve(file).startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launch() {
  if (!fs.existsSync(path.join(pkgDir, "evolvy_widget.js"))) {
    throw new Error(`no wasm package in ${pkgDir}: build it (see tests/e2e/README.md) or set EVOLVY_PKG_DIR`);
  }
  // playwright gives every launch a fresh, empty --user-data-dir.
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Opens the test page in `context` and constructs an emitter with `config`. */
export async function openEmitter(context, pageUrl, config) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (process.env.E2E_DEBUG) console.log(`[page] ${m.type()} ${m.text()}`);
  });
  page.on("pageerror", (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.evolvyReady === true, null, { timeout: 15_000 });
  if (config) await page.evaluate((c) => window.start(c), config);
  return page;
}

/** Polls `cond` every 50 ms until true, failing after `ms`. */
export async function waitFor(cond, ms, what = "condition") {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Checks the delivery guarantees for markers 0..sent-1 and returns a fault-table row:
 * every event arrived at least once, and all copies of one event share one webhook-id.
 */
export function audit(receiver, sent, assert, fault) {
  const by = receiver.byMarker();
  let received = 0;
  let duplicates = 0;
  let attempts = 0;
  for (let n = 0; n < sent; n++) {
    const copies = by.get(n) || [];
    assert.ok(copies.length > 0, `${fault}: event ${n} never arrived`);
    const ids = new Set(copies.map((r) => r.id));
    assert.equal(ids.size, 1, `${fault}: event ${n} arrived under ${ids.size} ids`);
    assert.ok([...ids][0], `${fault}: event ${n} has no webhook-id`);
    received++;
    attempts += copies.length;
    // A duplicate is a copy the receiver accepted (2xx) beyond the first; refused attempts
    // (500, 503, a timed-out answer) are counted in `attempts` only.
    duplicates += Math.max(0, copies.filter((r) => r.ok !== false).length - 1);
  }
  const row = { fault, sent, received, attempts, duplicates };
  const out = process.env.EVOLVY_E2E_REPORT || path.join(here, "out", "faults.jsonl");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.appendFileSync(out, JSON.stringify(row) + "\n");
  return row;
}
