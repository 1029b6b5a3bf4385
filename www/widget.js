// The widget iframe's bootstrap (www/widget.js): the message bridge to the host page's loader, and
// the lazy start of the wasm widget (first interaction with the launcher, or idle time after load).
//
// Trust: the loader names the host page's origin in the URL fragment (#o=<origin>). Where the
// browser exposes location.ancestorOrigins, the claim must match it. Messages are accepted only
// from window.parent at exactly that origin, and sent only to that origin — never to '*'.

const claimed = new URLSearchParams(location.hash.slice(1)).get("o");
const ancestors = location.ancestorOrigins;
const embedded = window.parent !== window;
const hostOrigin =
  embedded && claimed && (!ancestors || ancestors.length === 0 || ancestors[0] === claimed) ? claimed : null;

let widget = null;
let starting = null;
// Set when a panic disabled the wasm module (src/api/mod.rs): the module is never called again.
let broken = null;
let onBroken;
const brokenSignal = new Promise((_, reject) => (onBroken = reject));
brokenSignal.catch(() => {});
let init = null; // {settings, token, href} from the loader
let initArrived;
const initReady = new Promise((resolve) => (initArrived = resolve));
if (!embedded) {
  // Opened on its own (popout or tests): settings come from the query string.
  const q = new URLSearchParams(location.search);
  init = { settings: { locale: q.get("locale") || undefined }, token: q.get("website_token") || "", href: location.href };
  initArrived();
}

function toHost(message) {
  if (hostOrigin) window.parent.postMessage(message, hostOrigin);
}

function fire(name, detail) {
  if (name === "opened" || name === "closed") toHost({ t: "size", open: name === "opened" });
  toHost({ t: "fire", n: name, v: detail });
}

// A Worker compiles the wasm module (the page then only instantiates it) and derives the visitor's
// browser; the result primes the widget's storage cache. `module` resolves to null when the Worker
// cannot help (blocked, failed, or no module within 15 s) and the page compiles it itself;
// `derived` to null when no result came within 3 s (the widget then derives when it needs to).
function startWorker() {
  let onModule;
  let onDerived;
  const module = new Promise((resolve) => (onModule = resolve));
  const derived = new Promise((resolve) => (onDerived = resolve));
  let worker;
  const finish = () => {
    onModule(null);
    onDerived(null);
    worker?.terminate();
  };
  try {
    worker = new Worker(new URL("./ua-worker.js", import.meta.url), { type: "module" });
  } catch {
    finish();
    return { module, derived };
  }
  worker.onmessage = (event) => {
    const data = event.data || {};
    if ("module" in data) {
      onModule(data.module instanceof WebAssembly.Module ? data.module : null);
      return;
    }
    onDerived(data.error ? null : data);
    finish();
  };
  worker.onerror = finish;
  setTimeout(() => onDerived(null), 3000);
  setTimeout(finish, 15000);
  worker.postMessage("derive");
  return { module, derived };
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

async function start() {
  if (broken) throw broken;
  if (!starting) {
    starting = (async () => {
      const worker = startWorker();
      const mod = await import("./pkg/widget/evolvy_widget.js");
      const compiled = await worker.module;
      await mod.default({ module_or_path: compiled || new URL("./pkg/widget/evolvy_widget_bg.wasm", import.meta.url) });
      const result = await worker.derived;
      // Separate tasks for priming the cache and building the widget: no long task on the page.
      await nextTask();
      if (result) {
        try {
          mod.primeContextCache(result.ua, result.hints, result.browser);
        } catch (error) {
          console.warn("evolvy-widget: could not cache the derived browser", error);
        }
      }
      await initReady;
      await nextTask();
      // The settings in a task of their own (the browser compiles that code on first use), then
      // the widget in the next: each stays short on the page's main thread. A bad setting is
      // reported by the widget itself.
      try {
        mod.checkWidgetSettings(init.settings || {});
      } catch {
        // reported below
      }
      await nextTask();
      widget = new mod.Widget({
        baseUrl: location.origin,
        websiteToken: init.token || "",
        settings: init.settings || {},
        hostHref: init.href || location.href,
        fire,
      });
      return widget;
    })().catch((error) => {
      console.error("evolvy-widget: could not start", error);
      fire("error", { kind: "start", message: String(error && error.message || error) });
      document.getElementById("evolvy-launcher")?.setAttribute("disabled", "");
      throw error;
    });
  }
  return starting;
}

async function handle(message) {
  if (!message || typeof message !== "object") return;
  if (message.t === "init" && !init) {
    init = { settings: message.settings || {}, token: String(message.token || ""), href: String(message.href || "") };
    initArrived();
  } else if (message.t === "nav" && typeof message.href === "string") {
    if (widget) widget.navigate(message.href);
    else if (init) init.href = message.href;
  } else if (message.t === "call" && typeof message.m === "string") {
    try {
      const w = await start();
      // A call the panic interrupted never settles on its own: the panic rejects it.
      const value = await Promise.race([w.call(message.m, Array.isArray(message.a) ? message.a : []), brokenSignal]);
      if (message.id) toHost({ t: "reply", id: message.id, v: value });
    } catch (error) {
      if (message.id) toHost({ t: "reply", id: message.id, e: String(error && error.message || error) });
    }
  }
}

window.addEventListener("message", (event) => {
  if (!hostOrigin || event.origin !== hostOrigin || event.source !== window.parent) return;
  handle(event.data);
});

const launcher = document.getElementById("evolvy-launcher");
// Until the wasm widget owns the launcher, a click starts it and opens the window.
launcher.addEventListener("click", () => {
  if (!widget && !broken) start().then((w) => w.toggle(), () => {});
});

// The module's panic hook dispatches evolvy:error {kind: "panic"} on this window, from inside the
// panicking call. Out of that call: hide the chat, leave an inert launcher, tell the host page once.
window.addEventListener("evolvy:error", (event) => {
  const detail = event.detail || {};
  if (detail.kind !== "panic" || broken) return;
  const message = String(detail.message || "internal error");
  broken = new Error(`evolvy-widget is disabled after an internal error: ${message}`);
  onBroken(broken);
  setTimeout(() => {
    document.getElementById("evolvy-window")?.setAttribute("hidden", "");
    document.body.classList.remove("open");
    launcher.disabled = true;
    launcher.style.opacity = "0.5";
    launcher.style.cursor = "default";
    launcher.setAttribute("aria-expanded", "false");
    launcher.title = "Chat unavailable";
    fire("closed", null);
    fire("error", { kind: "panic", message });
  }, 0);
});
const warm = () => start().catch(() => {}); // failures are reported by start()
launcher.addEventListener("pointerenter", warm, { once: true });
launcher.addEventListener("focus", warm, { once: true });
(window.requestIdleCallback || ((f) => setTimeout(f, 1500)))(warm, { timeout: 4000 });

toHost({ t: "hello" });
