// The playground: the wasm module's JS API used directly, as from the npm package or the console.
import init, * as evolvy from "./pkg/evolvy_widget.js";

const $ = (id) => document.getElementById(id);
const show = (id, value) => ($(id).textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2));

const samples = {
  webwidget_triggered: (ctx) => ({
    id: 1,
    contact: { id: 1, name: "Visitante" },
    inbox: { id: 1, name: "Site" },
    account: { id: 1, name: "Evolvy" },
    source_id: "demo-source",
    event_info: {
      initiated_at: ctx.initiated_at,
      referer: ctx.referer,
      widget_language: ctx.widget_language,
      browser_language: ctx.browser_language,
      browser: ctx.browser,
    },
  }),
};

await init();
show("version", evolvy.version());
show("events", evolvy.eventNames().join(", "));
for (const name of evolvy.eventNames()) $("event-name").append(new Option(name, name));
$("ua").value = navigator.userAgent;

let context = null;
async function collect() {
  const t0 = performance.now();
  context = await evolvy.collectContext({ locale: "pt_BR" });
  show("collect-time", `${(performance.now() - t0).toFixed(1)} ms (derive ${context.derive_ms.toFixed(2)} ms${context.derived_from_cache ? ", cached" : ""})`);
  show("context", context);
  $("input").value = JSON.stringify(samples.webwidget_triggered(context), null, 2);
}
$("collect").onclick = collect;
$("derive").onclick = () => {
  try {
    show("derived", evolvy.deriveBrowser($("ua").value));
  } catch (e) {
    show("derived", `Error: ${e.message}`);
  }
};
$("build").onclick = () => {
  try {
    show("payload", evolvy.buildEvent($("event-name").value, JSON.parse($("input").value)));
  } catch (e) {
    show("payload", `Error: ${e.message}${e.field ? ` (field: ${e.field})` : ""}`);
  }
};
await collect();
