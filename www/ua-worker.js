// Derives the visitor's browser in a Worker, off every main thread: the widget's iframe then finds
// the result in its storage cache (primeContextCache) instead of running the UA rules itself.
import init, { deriveBrowser } from "./pkg/evolvy_widget.js";

const HINTS = ["platformVersion", "model", "fullVersionList", "architecture", "bitness"];

self.onmessage = async () => {
  try {
    await init({ module_or_path: new URL("./pkg/evolvy_widget_bg.wasm", import.meta.url) });
    const ua = navigator.userAgent;
    let hints = null;
    try {
      hints = navigator.userAgentData ? await navigator.userAgentData.getHighEntropyValues(HINTS) : null;
    } catch {
      hints = null;
    }
    self.postMessage({ ua, hints, browser: deriveBrowser(ua, hints) });
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
