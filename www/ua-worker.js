// Off every main thread: compiles the widget's wasm module and hands it to the widget's iframe
// (which then only instantiates it: no streaming compilation on the host page's thread, and the
// code compiled here while deriving is shared with it), then derives the visitor's browser; the
// iframe finds the result in its storage cache (primeContextCache) instead of running the UA
// rules itself.
//
// The widget's build (pkg/widget/) leaves the regex crate out and applies the uap-core rules as
// the programs build.rs compiled, exact for ASCII user agents (all real ones). A user agent with other characters is
// derived by the full build (pkg/), whose uaparser handles Unicode exactly as plain uaparser.
const HINTS = ["platformVersion", "model", "fullVersionList", "architecture", "bitness"];

self.onmessage = async () => {
  try {
    // The first Intl.DateTimeFormat of a renderer process loads ICU's time zone data (30-45 ms
    // in Chromium); ICU is per process, so doing it here spares the page's main thread, where the
    // widget reads the time zone and formats message times.
    new Intl.DateTimeFormat().resolvedOptions();
    const widgetWasm = new URL("./pkg/widget/evolvy_widget_bg.wasm", import.meta.url);
    let compiled = null;
    try {
      compiled = await WebAssembly.compileStreaming(fetch(widgetWasm)).catch(async () =>
        // A server that does not label it application/wasm.
        WebAssembly.compile(await (await fetch(widgetWasm)).arrayBuffer()),
      );
    } catch {
      compiled = null;
    }
    self.postMessage({ module: compiled });
    const ua = navigator.userAgent;
    // eslint-disable-next-line no-control-regex
    const ascii = /^[\x00-\x7f]*$/.test(ua);
    const base = ascii ? "./pkg/widget/" : "./pkg/";
    const mod = await import(new URL(base + "evolvy_widget.js", import.meta.url).href);
    await mod.default({
      module_or_path: ascii && compiled ? compiled : new URL(base + "evolvy_widget_bg.wasm", import.meta.url),
    });
    let hints = null;
    try {
      hints = navigator.userAgentData ? await navigator.userAgentData.getHighEntropyValues(HINTS) : null;
    } catch {
      hints = null;
    }
    self.postMessage({ ua, hints, browser: mod.deriveBrowser(ua, hints) });
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
