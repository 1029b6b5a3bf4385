// The typed JavaScript API of evolvy-widget. scripts/package.sh puts these declarations, the
// generated model types (model.d.ts) and wasm-bindgen's init declarations together into the
// package's evolvy_widget.d.ts, and fails when the exports here and the module's differ.
// @@API-START (everything below this line is copied into the package)

import type {
  BrowserInfo,
  ClientHintsInput,
  EventInputs,
  EventName,
  EventPayloads,
  InitiatedAt,
} from "./model.js";

export * from "./model.js";

/** An `Error` thrown for bad input: `message` names the field, `field` holds its path. */
export interface EvolvyError extends Error {
  /** Path of the offending field, e.g. `"contact.id"`, `"current.messages[0].sender.type"`, `"event"`. */
  field?: string;
}

/** The crate version, e.g. `"0.1.0"`. */
export function version(): string;

/** Every event name `buildEvent` accepts. */
export function eventNames(): EventName[];

/**
 * Builds the webhook payload of event `name` from `input`, validating it and filling defaults
 * (type tags, optional fields, a null `current_conversation`). The result has `event` first.
 *
 * For `conversation_updated` and `conversation_status_changed` (and optionally `contact_updated`)
 * `input` is `{ previous, current }` and `changed_attributes` is computed.
 *
 * @throws {EvolvyError} naming the offending field (`error.field`).
 */
export function buildEvent<N extends EventName>(name: N, input: EventInputs[N]): EventPayloads[N];

/**
 * Derives `{browser_name, browser_version, device_name, platform_name, platform_version}` from a
 * User-Agent string, corrected by the object
 * `navigator.userAgentData.getHighEntropyValues(...)` resolved to, when given.
 *
 * @throws {Error} naming the malformed hints field.
 */
export function deriveBrowser(userAgent: string, clientHints?: ClientHintsInput | null): BrowserInfo;

/** Options of {@link collectContext}; all optional. */
export interface CollectOptions {
  /** The widget's locale, reported as `widget_language`. Default `"en"`. */
  locale?: string;
  /** How long to wait for Client Hints before falling back to the UA string (ms, default 250, at most 5000). */
  hintsTimeoutMs?: number;
  /** Drop the referer's query string and fragment (privacy option). */
  dropQuery?: boolean;
  /** The host page URL when it is not this document's. */
  referer?: string;
  /** Use and fill the derivation cache in localStorage. Default `true`. */
  cache?: boolean;
}

/** Everything {@link collectContext} learns about the visitor. */
export interface VisitorContext {
  /** Browser, platform and device. */
  browser: BrowserInfo;
  /** The host page's URL: http(s) only, at most 1500 characters; `""` otherwise. */
  referer: string;
  /** The widget's locale. */
  widget_language: string;
  /** Primary language subtag of `navigator.language`, e.g. `"pt"`. */
  browser_language: string;
  /** The full `navigator.language` tag, e.g. `"pt-BR"`. */
  browser_language_tag: string;
  /** `navigator.languages`. */
  languages: string[];
  /** Now, in the JS `Date.toString()` form. */
  initiated_at: InitiatedAt;
  /** IANA timezone, e.g. `"America/Sao_Paulo"`. */
  timezone: string;
  /** `navigator.userAgent`. */
  user_agent: string;
  /** The raw high-entropy Client Hints, when the browser gave them. */
  client_hints: Record<string, unknown> | null;
  /** Whether Client Hints were read. */
  client_hints_status: "ok" | "unavailable" | "timeout" | "error";
  /** Whether the browser fields came from the localStorage cache. */
  derived_from_cache: boolean;
  /** Milliseconds spent deriving the browser fields (cache lookup included). */
  derive_ms: number;
}

/**
 * Reads the visitor's context from the live browser (User-Agent and Client Hints, referer,
 * languages, timezone, now).
 *
 * @throws {EvolvyError} for bad options.
 */
export function collectContext(options?: CollectOptions | null): Promise<VisitorContext>;

/**
 * Stores a browser derived elsewhere (e.g. `deriveBrowser` in a Worker, off the main thread) for
 * {@link collectContext} to find; `clientHints` must be what `getHighEntropyValues` resolved to.
 * Throws an `Error` naming the field when `browser` is not a {@link BrowserInfo}.
 */
export function primeContextCache(userAgent: string, clientHints: ClientHintsInput | null, browser: BrowserInfo): void;

/** A webhook receiver of {@link EvolvyEmitter}. */
export interface WebhookConfig {
  /** Receiver URL (https, or http on a loopback host). */
  url: string;
  /** The events it receives. */
  events: EventName[];
  /** CORS-simple mode: `text/plain` body, ids in the query string. */
  simple?: boolean;
}

/** Configuration of {@link EvolvyEmitter}; at least one valid target (platform or webhook). */
export interface EmitterConfig {
  /** The platform backend's base URL, e.g. `"https://chat.example.com"`. */
  baseUrl?: string;
  /** The inbox's website token. */
  websiteToken?: string;
  /** The contact token sent as `X-Auth-Token`. */
  authToken?: string;
  /** The widget locale, e.g. `"pt_BR"`. */
  locale?: string;
  /** Webhook receivers. */
  webhooks?: WebhookConfig[];
  /** Default of `simple` for webhooks that do not say. */
  simple?: boolean;
  /** localStorage key prefix of the delivery queue. */
  storageKey?: string;
  /** Queue bound; past it the oldest delivery is dropped (and reported). */
  maxQueue?: number;
  /** First retry delay (ms). */
  retryBaseMs?: number;
  /** Longest retry delay (ms). */
  retryMaxMs?: number;
  /** Give a delivery up after this long (ms). */
  giveUpAfterMs?: number;
  /** Cap on a receiver's `Retry-After` (ms). */
  maxRetryAfterMs?: number;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
}

/** Detail of a `"delivered"` notice (and of the `evolvy:delivered` DOM event). */
export interface DeliveredDetail {
  /** Delivery id, as returned by `emit`. */
  id: string;
  /** Event name. */
  event: EventName;
  /** The receiver URL (or the platform). */
  target: string;
  /** HTTP status. */
  status: number;
  /** Attempts it took. */
  attempts: number;
}

/** Detail of a `"failed"` notice (and of the `evolvy:error` DOM event of kind `delivery`). */
export interface FailedDetail {
  kind: "delivery";
  /** Delivery id, as returned by `emit`. */
  id: string;
  /** Event name. */
  event: EventName;
  /** The receiver URL (or the platform). */
  target: string;
  /** HTTP status, when there was a response. */
  status: number | null;
  /** Response body, when there was one. */
  body: string | null;
  /** Why it was given up. */
  message: string;
}

/** A configuration problem reported by {@link EvolvyEmitter.configErrors}. */
export interface ConfigError {
  /** Path of the offending setting, e.g. `"webhooks[0].url"`. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** Delivers platform events to webhooks and to the platform's widget API, at least once. */
export class EvolvyEmitter {
  /** Releases the Rust side now rather than when garbage-collected (also `using` where `Symbol.dispose` exists). */
  free(): void;
  /**
   * Validates `config` and starts delivering (including what an earlier page left queued).
   * Throws when no target is valid; other invalid entries are reported in `configErrors()`.
   */
  constructor(config: EmitterConfig);
  /** Adds a webhook. Throws on an invalid URL or event. */
  subscribe(url: string, events: EventName[], simple?: boolean | null): void;
  /** Queues event `name` built from `input`; returns the delivery ids (one per target). */
  emit<N extends EventName>(name: N, input: EventInputs[N]): string[];
  /** Sends everything queued now; resolves with the number still queued afterwards. */
  flush(): Promise<number>;
  /** Deliveries queued (including those in flight). */
  pending(): number;
  /** Registers a callback for delivered or failed deliveries. */
  on(kind: "delivered", cb: (detail: DeliveredDetail) => void): void;
  on(kind: "failed", cb: (detail: FailedDetail) => void): void;
  /** Configuration errors so far. */
  configErrors(): ConfigError[];
}

/**
 * The chat widget inside its iframe page (driven by the loader, `sdk.js`). Not meant for
 * direct use.
 * @internal
 */
export class Widget {
  /** Releases the Rust side now rather than when garbage-collected (also `using` where `Symbol.dispose` exists). */
  free(): void;
  constructor(config: {
    baseUrl: string;
    websiteToken: string;
    settings?: Record<string, unknown> | null;
    hostHref?: string;
    fire: (name: string, detail: unknown) => void;
  });
  /** Opens (`true`), closes (`false`) or toggles (no argument) the chat window. */
  toggle(open?: boolean | null): void;
  /** The host page navigated: later payloads carry `href` as the referer. */
  navigate(href: string): void;
  /** Runs a `$evolvy` method. */
  call(method: string, args: unknown[]): Promise<unknown>;
}

/**
 * @internal Checks `window.evolvySettings` as `new Widget` reads them: throws the `Error` the
 * widget would report (it then runs with the defaults). The iframe calls it one task before
 * building the widget.
 */
export function checkWidgetSettings(settings: Record<string, unknown> | null | undefined): void;

/** @internal Runs once when the module is instantiated (`init` calls it): routes panics to the console. */
export function start(): void;
/**
 * Panics on purpose when given exactly `"panic"` (anything else throws without panicking): a
 * devtools and test hook for the failure path. The module then disables itself: every later call
 * throws "evolvy-widget is disabled after an internal error…", and `evolvy:error` with
 * `{kind: "panic", message}` is dispatched on `window`.
 */
export function evolvyDebugPanic(confirm: string): void;
/** @internal Counters of the User-Agent parser's caches (benchmarks). */
export function uaCacheStats(): Record<string, number>;
/** @internal Empties the per-string result cache (benchmarks). */
export function uaClearResultCache(): void;
/** @internal The key of the embedded uap-core rules. */
export function uaRulesVersion(): string;
/** Compiles the code and rules the most common user agents need; call it when the page is idle so a later `deriveBrowser` is fast. */
export function uaWarmUp(): void;
