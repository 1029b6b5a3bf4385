// A front-end app as a customer would write it: installed from the packed tarball, bundled by
// Vite, type-checked with strict tsc. It derives the visitor context, builds a
// webwidget_triggered payload and posts it to the test server, which checks it.
import init, {
  buildEvent,
  collectContext,
  deriveBrowser,
  eventNames,
  version,
  type BrowserInfo,
  type EventName,
  type EvolvyError,
  type VisitorContext,
  type WebwidgetTriggeredEvent,
} from "evolvy-widget";

declare global {
  interface Window {
    /** Read by the test runner. */
    __result?: { ok: boolean; problems?: string[]; error?: string };
  }
}

const status = document.getElementById("status");
const say = (text: string) => {
  if (status) status.textContent = text;
};

async function main(): Promise<void> {
  await init();

  const context: VisitorContext = await collectContext({ locale: "pt_BR", hintsTimeoutMs: 2000 });

  const payload: WebwidgetTriggeredEvent = buildEvent("webwidget_triggered", {
    id: 7,
    contact: { id: 42, name: "quiet-river-123" },
    inbox: { id: 3, name: "Site" },
    account: { id: 1, name: "Evolvy" },
    source_id: "2f3c9f2e-61e4-4d2b-9a1a-8d7e1c0b5a11",
    event_info: {
      initiated_at: context.initiated_at,
      referer: context.referer,
      widget_language: context.widget_language,
      browser_language: context.browser_language,
      browser: context.browser,
    },
  });
  // The result is typed: these reads compile only because the payload type has them.
  const event: "webwidget_triggered" = payload.event;
  const browser: BrowserInfo = payload.event_info.browser;
  const conversationId: number | undefined = payload.current_conversation?.id;

  // Bad input at run time (as from untyped JSON) throws an Error naming the field.
  let errorField: string | undefined;
  let errorMessage = "";
  try {
    buildEvent("webwidget_triggered", JSON.parse('{"id": 7, "contact": {"id": "42"}}'));
  } catch (e) {
    errorField = (e as EvolvyError).field;
    errorMessage = (e as Error).message;
  }

  const names: EventName[] = eventNames();
  const response = await fetch("/collect", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      payload,
      event,
      browser,
      conversationId: conversationId ?? null,
      context,
      derived: deriveBrowser(context.user_agent),
      version: version(),
      names,
      errorField,
      errorMessage,
      pageUrl: location.href,
    }),
  });
  window.__result = await response.json();
  say(window.__result?.ok ? "ok" : "checks failed");
}

main().catch((e: unknown) => {
  window.__result = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  say("error");
});
