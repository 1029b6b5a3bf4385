// Generated from the Rust model (src/model) by src/model/ts.rs — do not edit.
// Regenerate: UPDATE_TYPES=1 cargo test -p evolvy-widget --lib model::ts

// ---- Payloads: what buildEvent returns and webhooks receive (every key present). ----

/** An account `{id, name}`. */
export interface Account {
  /** Account id. */
  id: number;
  /**
   * Account name.
   * @defaultValue `""`
   */
  name: string;
}

/** What a card button does. */
export type ActionType = "link" | "postback";

/**
 * The visitor's browser as the platform stores it (`event_info.browser` of webwidget_triggered
 * and `additional_attributes.browser` of a conversation).
 */
export interface BrowserInfo {
  /** Browser family, e.g. `"Chrome"`. */
  browser_name: string;
  /** Browser version, e.g. `"126.0.6478"`. */
  browser_version: string;
  /** Device family, e.g. `"iPhone"`; `"Unknown"` on desktops. */
  device_name: string;
  /** Operating system family, e.g. `"Mac OS X"`. */
  platform_name: string;
  /** Operating system version, e.g. `"10.15.7"`. */
  platform_version: string;
}

/** A card button `{type, text, uri, payload}`. */
export interface CardAction {
  /** Link or postback. */
  type: ActionType;
  /**
   * Button text.
   * @defaultValue `""`
   */
  text: string;
  /** Target URL (links). */
  uri?: string | null;
  /** Value sent back (postbacks). */
  payload?: string | null;
}

/** One changed attribute, keyed by the platform's column name (`status`, `assignee_id`, `label_list`, …). */
export type ChangedAttribute = { [key: string]: ChangedValues };

/** The two values of one changed attribute. */
export interface ChangedValues {
  /**
   * The value now.
   * @defaultValue `null`
   */
  current_value: unknown;
  /**
   * The value before.
   * @defaultValue `null`
   */
  previous_value: unknown;
}

/**
 * A contact (the visitor): `{id, name, avatar, type: "contact", account, email, phone_number,
 * identifier, custom_attributes, additional_attributes}`, plus `thumbnail` and `blocked` when
 * the platform sends them (webwidget_triggered does).
 */
export interface Contact {
  /** Contact id. */
  id: number;
  /**
   * Display name (the platform invents one, e.g. `"quiet-river-123"`, for anonymous visitors).
   * @defaultValue `""`
   */
  name: string;
  /**
   * Avatar URL; `""` when there is none.
   * @defaultValue `""`
   */
  avatar: string;
  /**
   * Always `"contact"`; optional on input.
   * @defaultValue `"contact"`
   */
  type: ContactTag;
  /**
   * The account the contact belongs to (absent where the platform omits it, e.g. in
   * `conversation.meta.sender`).
   */
  account?: Account | null;
  /**
   * Email address, or null.
   * @defaultValue `null`
   */
  email: string | null;
  /**
   * Phone number (E.164), or null.
   * @defaultValue `null`
   */
  phone_number: string | null;
  /**
   * The customer's own identifier for the contact (`setUser`), or null.
   * @defaultValue `null`
   */
  identifier: string | null;
  /**
   * Custom attributes set by the customer.
   * @defaultValue `{}`
   */
  custom_attributes: { [key: string]: unknown };
  /**
   * Additional attributes (city, company, social profiles, ...).
   * @defaultValue `{}`
   */
  additional_attributes: { [key: string]: unknown };
  /** Thumbnail URL (same as `avatar` on the platform). */
  thumbnail?: string | null;
  /** Whether the contact is blocked. */
  blocked?: boolean | null;
}

/** The link between a contact and an inbox. */
export interface ContactInbox {
  /** contact_inbox id (the `id` of webwidget_triggered). */
  id: number;
  /** Contact id. */
  contact_id: number;
  /** Inbox id. */
  inbox_id: number;
  /**
   * The contact's id in the inbox (a UUID for web widgets).
   * @defaultValue `""`
   */
  source_id: string;
  /**
   * ISO-8601 datetime, e.g. `"2023-01-05T22:24:12.345Z"`.
   * @defaultValue `""`
   */
  created_at: string;
  /**
   * ISO-8601 datetime.
   * @defaultValue `""`
   */
  updated_at: string;
  /**
   * Whether the contact's identity was verified with an HMAC (`setUser` identifier_hash).
   * @defaultValue `false`
   */
  hmac_verified: boolean;
}

/** The `type` tag of a `Contact`: always `"contact"` on the wire. */
export type ContactTag = "contact";

/** A message's content attributes: the known keys are typed, any other key is kept. */
export interface ContentAttributes {
  /** Options, cards, form fields or articles. */
  items?: ContentItem[] | null;
  /** The visitor's answer to an interactive message. */
  submitted_values?: SubmittedValues | null;
  /** Id of the message this one replies to. */
  in_reply_to?: number | null;
  /** External id of the message this one replies to. */
  in_reply_to_external_id?: string | null;
  /** Set when the message was deleted. */
  deleted?: boolean | null;
  /** Any other attribute. */
  [key: string]: unknown;
}

/**
 * One entry of `content_attributes.items`. Its shape depends on the message's content type:
 * - input_select: `{title, value}`
 * - cards: `{title, description, media_url, actions}`
 * - form: `{type, placeholder, label, name, options, default, required, pattern, title, pattern_error}`
 * - article: `{title, description, link}`
 *
 * One struct holds them all (absent fields are omitted), so any item reads without loss and
 * every field is still type-checked with its exact path.
 */
export interface ContentItem {
  /** Option, card, article or field title. */
  title?: string | null;
  /** Option value (input_select). */
  value?: string | null;
  /** Card or article description. */
  description?: string | null;
  /** Card image URL. */
  media_url?: string | null;
  /** Article URL. */
  link?: string | null;
  /** Card buttons. */
  actions?: CardAction[] | null;
  /** Form field type: `text`, `text_area`, `email`, `select`, ... */
  type?: string | null;
  /** Form field placeholder. */
  placeholder?: string | null;
  /** Form field label. */
  label?: string | null;
  /** Form field name (the key of its submitted value). */
  name?: string | null;
  /** Options of a `select` form field. */
  options?: FormOption[] | null;
  /** Default value of a form field. */
  default?: string | null;
  /** Whether the form field is required. */
  required?: boolean | null;
  /** Validation regular expression of a form field. */
  pattern?: string | null;
  /** Message shown when `pattern` does not match. */
  pattern_error?: string | null;
}

/** What a message's content is; interactive types carry their data in `ContentAttributes`. */
export type ContentType = "text" | "input_text" | "input_textarea" | "input_email" | "input_select" | "cards" | "form" | "article" | "incoming_email" | "input_csat";

/**
 * A conversation. Only `id` and `inbox_id` are required on input; everything else has the
 * platform's default (`can_reply` true, channel `"Channel::WebWidget"`, status `open`, ...).
 * `id` is the display id (the number agents see). The seed's `can_replay` and `acount_id` are
 * typos for `can_reply` and `account_id`.
 */
export interface Conversation {
  /**
   * Browser, referer, initiated_at and browser_language captured by the widget.
   * @defaultValue `{}`
   */
  additional_attributes: ConversationAdditionalAttributes;
  /**
   * Whether agents can still reply (messaging windows of some channels close).
   * @defaultValue `true`
   */
  can_reply: boolean;
  /**
   * The inbox's channel type, e.g. `"Channel::WebWidget"`.
   * @defaultValue `"Channel::WebWidget"`
   */
  channel: string;
  /** Display id. */
  id: number;
  /** Inbox id. */
  inbox_id: number;
  /**
   * The contact's link to the inbox.
   * @defaultValue `null`
   */
  contact_inbox: ContactInbox | null;
  /**
   * Messages (the platform sends the latest one); `message_type` and `created_at` are integers here.
   * @defaultValue `[]`
   */
  messages: Message[];
  /**
   * Labels (the `label_list` of changed_attributes).
   * @defaultValue `[]`
   */
  labels: string[];
  /**
   * Contact, assignee and team.
   * @defaultValue `{"sender":null,"assignee":null,"team":null}`
   */
  meta: ConversationMeta;
  /**
   * Status.
   * @defaultValue `"open"`
   */
  status: ConversationStatus;
  /**
   * Conversation custom attributes.
   * @defaultValue `{}`
   */
  custom_attributes: { [key: string]: unknown };
  /**
   * ISO-8601 datetime the snooze ends, or null.
   * @defaultValue `null`
   */
  snoozed_until: string | null;
  /**
   * Incoming messages the agents have not seen.
   * @defaultValue `0`
   */
  unread_count: number;
  /**
   * ISO-8601 datetime of the first agent reply, or null.
   * @defaultValue `null`
   */
  first_reply_created_at: string | null;
  /**
   * Priority, or null.
   * @defaultValue `null`
   */
  priority: Priority | null;
  /**
   * Unix seconds since the contact has been waiting for a reply (0: not waiting).
   * @defaultValue `0`
   */
  waiting_since: number;
  /**
   * Unix seconds an agent last saw it.
   * @defaultValue `0`
   */
  agent_last_seen_at: number;
  /**
   * Unix seconds the contact last saw it.
   * @defaultValue `0`
   */
  contact_last_seen_at: number;
  /**
   * Unix seconds of the last activity.
   * @defaultValue `0`
   */
  timestamp: number;
  /**
   * Account id.
   * @defaultValue `0`
   */
  account_id: number;
}

/**
 * `additional_attributes` of a web-widget conversation. Every key is optional (other channels
 * omit them) and omitted when absent.
 */
export interface ConversationAdditionalAttributes {
  /** The visitor's browser. */
  browser?: BrowserInfo | null;
  /** The host page's URL (http(s) only, at most 1500 characters). */
  referer?: string | null;
  /** When the chat was initiated (`{timestamp}`, the browser's `Date.toString()`). */
  initiated_at?: InitiatedAt | null;
  /** The browser's primary language subtag, e.g. `"pt"`. */
  browser_language?: string | null;
}

/** `meta` of a conversation: who it is with and who handles it. */
export interface ConversationMeta {
  /**
   * The contact (null only in hand-built payloads).
   * @defaultValue `null`
   */
  sender: Contact | null;
  /**
   * The assigned agent, or null.
   * @defaultValue `null`
   */
  assignee: User | null;
  /**
   * The assigned team, or null.
   * @defaultValue `null`
   */
  team: Team | null;
}

/** A conversation's status. */
export type ConversationStatus = "open" | "resolved" | "pending" | "snoozed";

/** `{csat_survey_response: {...}}`. */
export interface CsatSubmission {
  /** The answer. */
  csat_survey_response: CsatSurveyResponse;
}

/** A satisfaction-survey answer. */
export interface CsatSurveyResponse {
  /** 1 to 5. */
  rating: number;
  /**
   * Optional comment.
   * @defaultValue `null`
   */
  feedback_message: string | null;
}

/** The `event_info` of webwidget_triggered. */
export interface EventInfo {
  /** When the widget was opened. */
  initiated_at: InitiatedAt;
  /** The host page's URL (http(s) only, at most 1500 characters). */
  referer: string;
  /**
   * The widget's configured locale, e.g. `"pt_BR"`.
   * @defaultValue `""`
   */
  widget_language: string;
  /**
   * The browser's primary language subtag, e.g. `"pt"`.
   * @defaultValue `""`
   */
  browser_language: string;
  /**
   * The visitor's browser.
   * @defaultValue `{"browser_name":"","browser_version":"","device_name":"","platform_name":"","platform_version":""}`
   */
  browser: BrowserInfo;
}

/** An option of a `select` form field. */
export interface FormOption {
  /** Text shown. */
  label: string;
  /** Value submitted. */
  value: string;
}

/** An inbox `{id, name}`. */
export interface Inbox {
  /** Inbox id. */
  id: number;
  /**
   * Inbox name.
   * @defaultValue `""`
   */
  name: string;
}

/**
 * When the chat was initiated: `timestamp` is the browser's `Date.toString()` text,
 * e.g. `"Wed Jan 05 2023 19:24:12 GMT-0300 (Brasilia Standard Time)"`.
 */
export interface InitiatedAt {
  /** The JS `Date.toString()` form. */
  timestamp: string;
}

/**
 * A message as it appears inside objects (`conversation.messages[]`): `message_type` and
 * `created_at` (unix seconds) are integers, and the conversation, account and inbox are given
 * by id rather than embedded.
 */
export interface Message {
  /** Message id. */
  id: number;
  /**
   * Text content (null for attachments-only messages).
   * @defaultValue `null`
   */
  content: string | null;
  /** Integer message type. */
  message_type: MessageTypeCode;
  /** Unix seconds. */
  created_at: number;
  /**
   * Private notes are visible to agents only.
   * @defaultValue `false`
   */
  private: boolean;
  /**
   * External id for channel integrations, or null.
   * @defaultValue `null`
   */
  source_id: string | null;
  /**
   * Content type (default `text`).
   * @defaultValue `"text"`
   */
  content_type: ContentType;
  /**
   * Content attributes (the seed's `content_ attributes` is a typo).
   * @defaultValue `{}`
   */
  content_attributes: ContentAttributes;
  /**
   * The contact or agent who sent it; null for activity messages.
   * @defaultValue `null`
   */
  sender: Sender | null;
  /** Account id. */
  account_id?: number | null;
  /** Inbox id. */
  inbox_id?: number | null;
  /** Conversation display id. */
  conversation_id?: number | null;
}

/**
 * The payload of message_created / message_updated (without `event`): `message_type` is the
 * name and `created_at` the platform's datetime string (`"2023-01-01 18:12:45 UTC"`); the
 * account, conversation and inbox are embedded objects.
 */
export interface MessageEvent {
  /** Message id. */
  id: number;
  /**
   * Text content.
   * @defaultValue `null`
   */
  content: string | null;
  /** The message type's name. */
  message_type: MessageTypeName;
  /** Datetime string, e.g. `"2023-01-01 18:12:45 UTC"`. */
  created_at: string;
  /**
   * Private note?
   * @defaultValue `false`
   */
  private: boolean;
  /**
   * External id, or null.
   * @defaultValue `null`
   */
  source_id: string | null;
  /**
   * Content type.
   * @defaultValue `"text"`
   */
  content_type: ContentType;
  /**
   * Content attributes.
   * @defaultValue `{}`
   */
  content_attributes: ContentAttributes;
  /**
   * The contact or agent who sent it (null for bots without a sender).
   * @defaultValue `null`
   */
  sender: Sender | null;
  /** The account. */
  account: Account;
  /** The conversation, in full. */
  conversation: Conversation;
  /** The inbox. */
  inbox: Inbox;
}

/** The integer message type inside objects: 0 incoming, 1 outgoing, 2 activity, 3 template. */
export type MessageTypeCode = 0 | 1 | 2 | 3;

/** The name form of `MessageType`, used at the top level of message events. */
export type MessageTypeName = "incoming" | "outgoing" | "activity" | "template";

/** A conversation's priority. */
export type Priority = "low" | "medium" | "high" | "urgent";

/** Who sent a message or is typing: the contact or an agent, told apart by `type`. */
export type Sender = (Contact & {
  type: "contact";
}) | (User & {
  type: "user";
});

/** One submitted value: `{title, value}` (input_select) or `{name, value}` (form). */
export interface SubmittedValue {
  /** The chosen option's title (input_select). */
  title?: string | null;
  /** The form field's name (form). */
  name?: string | null;
  /**
   * The value.
   * @defaultValue `""`
   */
  value: string;
}

/**
 * The visitor's answer: a list (`input_select` `[{title, value}]`, `form` `[{name, value}]`)
 * or, for `input_csat`, `{csat_survey_response: {rating, feedback_message}}`.
 */
export type SubmittedValues = SubmittedValue[] | CsatSubmission;

/** A team `{id, name}` (a conversation's `meta.team`). */
export interface Team {
  /** Team id. */
  id: number;
  /**
   * Team name.
   * @defaultValue `""`
   */
  name: string;
}

/** The payload of conversation_typing_on / conversation_typing_off. */
export interface TypingEvent {
  /** Who is typing: the contact or an agent (tagged by `type`). */
  user: Sender;
  /** The conversation. */
  conversation: Conversation;
  /**
   * Whether an agent is typing a private note.
   * @defaultValue `false`
   */
  is_private: boolean;
}

/**
 * An agent or administrator: `{id, name, email, type: "user"}`; typing events carry the
 * platform's push form with `available_name`, `avatar_url` and `thumbnail` instead of `email`.
 */
export interface User {
  /** User id. */
  id: number;
  /**
   * Full name.
   * @defaultValue `""`
   */
  name: string;
  /** Email address. */
  email?: string | null;
  /**
   * Always `"user"`; optional on input.
   * @defaultValue `"user"`
   */
  type: UserTag;
  /** The name shown to visitors. */
  available_name?: string | null;
  /** Avatar URL. */
  avatar_url?: string | null;
  /** Thumbnail URL. */
  thumbnail?: string | null;
}

/** The `type` tag of a `User`: always `"user"` on the wire. */
export type UserTag = "user";

/** The payload of webwidget_triggered: the visitor opened the widget. */
export interface WebwidgetTriggered {
  /** The contact_inbox id. */
  id: number;
  /** The visitor. */
  contact: Contact;
  /** The web-widget inbox. */
  inbox: Inbox;
  /** The account. */
  account: Account;
  /**
   * The visitor's open conversation; null until the first message.
   * @defaultValue `null`
   */
  current_conversation: Conversation | null;
  /**
   * The contact's source id in the inbox.
   * @defaultValue `""`
   */
  source_id: string;
  /** What the browser and the platform know about the visit. */
  event_info: EventInfo;
}

// ---- Inputs: what buildEvent accepts (keys with a default may be left out). ----

/** An account `{id, name}`. */
export interface AccountInput {
  /** Account id. */
  id: number;
  /**
   * Account name.
   * @defaultValue `""`
   */
  name?: string;
}

/** One `{brand, version}` entry of `brands` or `fullVersionList`. */
export interface BrandVersionInput {
  /**
   * Brand name, e.g. `"Google Chrome"`, or a GREASE brand like `"Not/A)Brand"`.
   * @defaultValue `""`
   */
  brand?: string;
  /**
   * Version: the major in `brands`, the full version in `fullVersionList`.
   * @defaultValue `""`
   */
  version?: string;
}

/** A card button `{type, text, uri, payload}`. */
export interface CardActionInput {
  /** Link or postback. */
  type: ActionType;
  /**
   * Button text.
   * @defaultValue `""`
   */
  text?: string;
  /** Target URL (links). */
  uri?: string | null;
  /** Value sent back (postbacks). */
  payload?: string | null;
}

/** One changed attribute, keyed by the platform's column name (`status`, `assignee_id`, `label_list`, …). */
export type ChangedAttributeInput = { [key: string]: ChangedValuesInput };

/** The two values of one changed attribute. */
export interface ChangedValuesInput {
  /**
   * The value now.
   * @defaultValue `null`
   */
  current_value?: unknown;
  /**
   * The value before.
   * @defaultValue `null`
   */
  previous_value?: unknown;
}

/**
 * High-entropy Client Hints as resolved by `navigator.userAgentData.getHighEntropyValues(
 * ["platformVersion", "model", "fullVersionList", "architecture", "bitness"])`. Every field is
 * optional; unknown keys are ignored.
 */
export interface ClientHintsInput {
  /**
   * Low-entropy brands with major versions.
   * @defaultValue `null`
   */
  brands?: BrandVersionInput[] | null;
  /**
   * Brands with full versions.
   * @defaultValue `null`
   */
  fullVersionList?: BrandVersionInput[] | null;
  /**
   * Platform, e.g. `"Windows"`, `"macOS"`, `"Android"`.
   * @defaultValue `null`
   */
  platform?: string | null;
  /**
   * Platform version, e.g. `"15.0.0"` (Windows 11), `"14.5.0"` (macOS).
   * @defaultValue `null`
   */
  platformVersion?: string | null;
  /**
   * Device model (Android), e.g. `"Pixel 8"`; empty on desktops.
   * @defaultValue `null`
   */
  model?: string | null;
  /**
   * Whether the browser prefers a mobile experience.
   * @defaultValue `null`
   */
  mobile?: boolean | null;
  /**
   * CPU architecture, e.g. `"x86"`, `"arm"`.
   * @defaultValue `null`
   */
  architecture?: string | null;
  /**
   * CPU bitness, e.g. `"64"`.
   * @defaultValue `null`
   */
  bitness?: string | null;
}

/**
 * A contact (the visitor): `{id, name, avatar, type: "contact", account, email, phone_number,
 * identifier, custom_attributes, additional_attributes}`, plus `thumbnail` and `blocked` when
 * the platform sends them (webwidget_triggered does).
 */
export interface ContactInput {
  /** Contact id. */
  id: number;
  /**
   * Display name (the platform invents one, e.g. `"quiet-river-123"`, for anonymous visitors).
   * @defaultValue `""`
   */
  name?: string;
  /**
   * Avatar URL; `""` when there is none.
   * @defaultValue `""`
   */
  avatar?: string;
  /**
   * Always `"contact"`; optional on input.
   * @defaultValue `"contact"`
   */
  type?: ContactTag;
  /**
   * The account the contact belongs to (absent where the platform omits it, e.g. in
   * `conversation.meta.sender`).
   */
  account?: AccountInput | null;
  /**
   * Email address, or null.
   * @defaultValue `null`
   */
  email?: string | null;
  /**
   * Phone number (E.164), or null.
   * @defaultValue `null`
   */
  phone_number?: string | null;
  /**
   * The customer's own identifier for the contact (`setUser`), or null.
   * @defaultValue `null`
   */
  identifier?: string | null;
  /**
   * Custom attributes set by the customer.
   * @defaultValue `{}`
   */
  custom_attributes?: { [key: string]: unknown };
  /**
   * Additional attributes (city, company, social profiles, ...).
   * @defaultValue `{}`
   */
  additional_attributes?: { [key: string]: unknown };
  /** Thumbnail URL (same as `avatar` on the platform). */
  thumbnail?: string | null;
  /** Whether the contact is blocked. */
  blocked?: boolean | null;
}

/** The link between a contact and an inbox. */
export interface ContactInboxInput {
  /** contact_inbox id (the `id` of webwidget_triggered). */
  id: number;
  /** Contact id. */
  contact_id: number;
  /** Inbox id. */
  inbox_id: number;
  /**
   * The contact's id in the inbox (a UUID for web widgets).
   * @defaultValue `""`
   */
  source_id?: string;
  /**
   * ISO-8601 datetime, e.g. `"2023-01-05T22:24:12.345Z"`.
   * @defaultValue `""`
   */
  created_at?: string;
  /**
   * ISO-8601 datetime.
   * @defaultValue `""`
   */
  updated_at?: string;
  /**
   * Whether the contact's identity was verified with an HMAC (`setUser` identifier_hash).
   * @defaultValue `false`
   */
  hmac_verified?: boolean;
}

/** A message's content attributes: the known keys are typed, any other key is kept. */
export interface ContentAttributesInput {
  /** Options, cards, form fields or articles. */
  items?: ContentItemInput[] | null;
  /** The visitor's answer to an interactive message. */
  submitted_values?: SubmittedValuesInput | null;
  /** Id of the message this one replies to. */
  in_reply_to?: number | null;
  /** External id of the message this one replies to. */
  in_reply_to_external_id?: string | null;
  /** Set when the message was deleted. */
  deleted?: boolean | null;
  /** Any other attribute. */
  [key: string]: unknown;
}

/**
 * One entry of `content_attributes.items`. Its shape depends on the message's content type:
 * - input_select: `{title, value}`
 * - cards: `{title, description, media_url, actions}`
 * - form: `{type, placeholder, label, name, options, default, required, pattern, title, pattern_error}`
 * - article: `{title, description, link}`
 *
 * One struct holds them all (absent fields are omitted), so any item reads without loss and
 * every field is still type-checked with its exact path.
 */
export interface ContentItemInput {
  /** Option, card, article or field title. */
  title?: string | null;
  /** Option value (input_select). */
  value?: string | null;
  /** Card or article description. */
  description?: string | null;
  /** Card image URL. */
  media_url?: string | null;
  /** Article URL. */
  link?: string | null;
  /** Card buttons. */
  actions?: CardActionInput[] | null;
  /** Form field type: `text`, `text_area`, `email`, `select`, ... */
  type?: string | null;
  /** Form field placeholder. */
  placeholder?: string | null;
  /** Form field label. */
  label?: string | null;
  /** Form field name (the key of its submitted value). */
  name?: string | null;
  /** Options of a `select` form field. */
  options?: FormOption[] | null;
  /** Default value of a form field. */
  default?: string | null;
  /** Whether the form field is required. */
  required?: boolean | null;
  /** Validation regular expression of a form field. */
  pattern?: string | null;
  /** Message shown when `pattern` does not match. */
  pattern_error?: string | null;
}

/**
 * A conversation. Only `id` and `inbox_id` are required on input; everything else has the
 * platform's default (`can_reply` true, channel `"Channel::WebWidget"`, status `open`, ...).
 * `id` is the display id (the number agents see). The seed's `can_replay` and `acount_id` are
 * typos for `can_reply` and `account_id`.
 */
export interface ConversationInput {
  /**
   * Browser, referer, initiated_at and browser_language captured by the widget.
   * @defaultValue `{}`
   */
  additional_attributes?: ConversationAdditionalAttributes;
  /**
   * Whether agents can still reply (messaging windows of some channels close).
   * @defaultValue `true`
   */
  can_reply?: boolean;
  /**
   * The inbox's channel type, e.g. `"Channel::WebWidget"`.
   * @defaultValue `"Channel::WebWidget"`
   */
  channel?: string;
  /** Display id. */
  id: number;
  /** Inbox id. */
  inbox_id: number;
  /**
   * The contact's link to the inbox.
   * @defaultValue `null`
   */
  contact_inbox?: ContactInboxInput | null;
  /**
   * Messages (the platform sends the latest one); `message_type` and `created_at` are integers here.
   * @defaultValue `[]`
   */
  messages?: MessageInput[];
  /**
   * Labels (the `label_list` of changed_attributes).
   * @defaultValue `[]`
   */
  labels?: string[];
  /**
   * Contact, assignee and team.
   * @defaultValue `{"sender":null,"assignee":null,"team":null}`
   */
  meta?: ConversationMetaInput;
  /**
   * Status.
   * @defaultValue `"open"`
   */
  status?: ConversationStatus;
  /**
   * Conversation custom attributes.
   * @defaultValue `{}`
   */
  custom_attributes?: { [key: string]: unknown };
  /**
   * ISO-8601 datetime the snooze ends, or null.
   * @defaultValue `null`
   */
  snoozed_until?: string | null;
  /**
   * Incoming messages the agents have not seen.
   * @defaultValue `0`
   */
  unread_count?: number;
  /**
   * ISO-8601 datetime of the first agent reply, or null.
   * @defaultValue `null`
   */
  first_reply_created_at?: string | null;
  /**
   * Priority, or null.
   * @defaultValue `null`
   */
  priority?: Priority | null;
  /**
   * Unix seconds since the contact has been waiting for a reply (0: not waiting).
   * @defaultValue `0`
   */
  waiting_since?: number;
  /**
   * Unix seconds an agent last saw it.
   * @defaultValue `0`
   */
  agent_last_seen_at?: number;
  /**
   * Unix seconds the contact last saw it.
   * @defaultValue `0`
   */
  contact_last_seen_at?: number;
  /**
   * Unix seconds of the last activity.
   * @defaultValue `0`
   */
  timestamp?: number;
  /**
   * Account id.
   * @defaultValue `0`
   */
  account_id?: number;
}

/** `meta` of a conversation: who it is with and who handles it. */
export interface ConversationMetaInput {
  /**
   * The contact (null only in hand-built payloads).
   * @defaultValue `null`
   */
  sender?: ContactInput | null;
  /**
   * The assigned agent, or null.
   * @defaultValue `null`
   */
  assignee?: UserInput | null;
  /**
   * The assigned team, or null.
   * @defaultValue `null`
   */
  team?: TeamInput | null;
}

/** `{csat_survey_response: {...}}`. */
export interface CsatSubmissionInput {
  /** The answer. */
  csat_survey_response: CsatSurveyResponseInput;
}

/** A satisfaction-survey answer. */
export interface CsatSurveyResponseInput {
  /** 1 to 5. */
  rating: number;
  /**
   * Optional comment.
   * @defaultValue `null`
   */
  feedback_message?: string | null;
}

/** The `event_info` of webwidget_triggered. */
export interface EventInfoInput {
  /** When the widget was opened. */
  initiated_at: InitiatedAt;
  /** The host page's URL (http(s) only, at most 1500 characters). */
  referer: string;
  /**
   * The widget's configured locale, e.g. `"pt_BR"`.
   * @defaultValue `""`
   */
  widget_language?: string;
  /**
   * The browser's primary language subtag, e.g. `"pt"`.
   * @defaultValue `""`
   */
  browser_language?: string;
  /**
   * The visitor's browser.
   * @defaultValue `{"browser_name":"","browser_version":"","device_name":"","platform_name":"","platform_version":""}`
   */
  browser?: BrowserInfo;
}

/** An inbox `{id, name}`. */
export interface InboxInput {
  /** Inbox id. */
  id: number;
  /**
   * Inbox name.
   * @defaultValue `""`
   */
  name?: string;
}

/**
 * A message as it appears inside objects (`conversation.messages[]`): `message_type` and
 * `created_at` (unix seconds) are integers, and the conversation, account and inbox are given
 * by id rather than embedded.
 */
export interface MessageInput {
  /** Message id. */
  id: number;
  /**
   * Text content (null for attachments-only messages).
   * @defaultValue `null`
   */
  content?: string | null;
  /** Integer message type. */
  message_type: MessageTypeCode;
  /** Unix seconds. */
  created_at: number;
  /**
   * Private notes are visible to agents only.
   * @defaultValue `false`
   */
  private?: boolean;
  /**
   * External id for channel integrations, or null.
   * @defaultValue `null`
   */
  source_id?: string | null;
  /**
   * Content type (default `text`).
   * @defaultValue `"text"`
   */
  content_type?: ContentType;
  /**
   * Content attributes (the seed's `content_ attributes` is a typo).
   * @defaultValue `{}`
   */
  content_attributes?: ContentAttributesInput;
  /**
   * The contact or agent who sent it; null for activity messages.
   * @defaultValue `null`
   */
  sender?: SenderInput | null;
  /** Account id. */
  account_id?: number | null;
  /** Inbox id. */
  inbox_id?: number | null;
  /** Conversation display id. */
  conversation_id?: number | null;
}

/**
 * The payload of message_created / message_updated (without `event`): `message_type` is the
 * name and `created_at` the platform's datetime string (`"2023-01-01 18:12:45 UTC"`); the
 * account, conversation and inbox are embedded objects.
 */
export interface MessageEventInput {
  /** Message id. */
  id: number;
  /**
   * Text content.
   * @defaultValue `null`
   */
  content?: string | null;
  /** The message type's name. */
  message_type: MessageTypeName;
  /** Datetime string, e.g. `"2023-01-01 18:12:45 UTC"`. */
  created_at: string;
  /**
   * Private note?
   * @defaultValue `false`
   */
  private?: boolean;
  /**
   * External id, or null.
   * @defaultValue `null`
   */
  source_id?: string | null;
  /**
   * Content type.
   * @defaultValue `"text"`
   */
  content_type?: ContentType;
  /**
   * Content attributes.
   * @defaultValue `{}`
   */
  content_attributes?: ContentAttributesInput;
  /**
   * The contact or agent who sent it (null for bots without a sender).
   * @defaultValue `null`
   */
  sender?: SenderInput | null;
  /** The account. */
  account: AccountInput;
  /** The conversation, in full. */
  conversation: ConversationInput;
  /** The inbox. */
  inbox: InboxInput;
}

/** Who sent a message or is typing: the contact or an agent, told apart by `type`. */
export type SenderInput = (ContactInput & {
  type: "contact";
}) | (UserInput & {
  type: "user";
});

/** One submitted value: `{title, value}` (input_select) or `{name, value}` (form). */
export interface SubmittedValueInput {
  /** The chosen option's title (input_select). */
  title?: string | null;
  /** The form field's name (form). */
  name?: string | null;
  /**
   * The value.
   * @defaultValue `""`
   */
  value?: string;
}

/**
 * The visitor's answer: a list (`input_select` `[{title, value}]`, `form` `[{name, value}]`)
 * or, for `input_csat`, `{csat_survey_response: {rating, feedback_message}}`.
 */
export type SubmittedValuesInput = SubmittedValueInput[] | CsatSubmissionInput;

/** A team `{id, name}` (a conversation's `meta.team`). */
export interface TeamInput {
  /** Team id. */
  id: number;
  /**
   * Team name.
   * @defaultValue `""`
   */
  name?: string;
}

/** The payload of conversation_typing_on / conversation_typing_off. */
export interface TypingEventInput {
  /** Who is typing: the contact or an agent (tagged by `type`). */
  user: SenderInput;
  /** The conversation. */
  conversation: ConversationInput;
  /**
   * Whether an agent is typing a private note.
   * @defaultValue `false`
   */
  is_private?: boolean;
}

/**
 * An agent or administrator: `{id, name, email, type: "user"}`; typing events carry the
 * platform's push form with `available_name`, `avatar_url` and `thumbnail` instead of `email`.
 */
export interface UserInput {
  /** User id. */
  id: number;
  /**
   * Full name.
   * @defaultValue `""`
   */
  name?: string;
  /** Email address. */
  email?: string | null;
  /**
   * Always `"user"`; optional on input.
   * @defaultValue `"user"`
   */
  type?: UserTag;
  /** The name shown to visitors. */
  available_name?: string | null;
  /** Avatar URL. */
  avatar_url?: string | null;
  /** Thumbnail URL. */
  thumbnail?: string | null;
}

/** The payload of webwidget_triggered: the visitor opened the widget. */
export interface WebwidgetTriggeredInput {
  /** The contact_inbox id. */
  id: number;
  /** The visitor. */
  contact: ContactInput;
  /** The web-widget inbox. */
  inbox: InboxInput;
  /** The account. */
  account: AccountInput;
  /**
   * The visitor's open conversation; null until the first message.
   * @defaultValue `null`
   */
  current_conversation?: ConversationInput | null;
  /**
   * The contact's source id in the inbox.
   * @defaultValue `""`
   */
  source_id?: string;
  /** What the browser and the platform know about the visit. */
  event_info: EventInfoInput;
}

// ---- Events ----

/** Every event name, as `eventNames()` returns them. */
export type EventName =
  | "webwidget_triggered"
  | "conversation_created"
  | "conversation_updated"
  | "conversation_status_changed"
  | "message_created"
  | "message_updated"
  | "conversation_typing_on"
  | "conversation_typing_off"
  | "contact_created"
  | "contact_updated";

/** The `webwidget_triggered` webhook payload. */
export interface WebwidgetTriggeredEvent extends WebwidgetTriggered {
  event: "webwidget_triggered";
}

/** The `conversation_created` webhook payload. */
export interface ConversationCreatedEvent extends Conversation {
  event: "conversation_created";
}

/** The `conversation_updated` webhook payload. */
export interface ConversationUpdatedEvent extends Conversation {
  /** The tracked attributes that changed. */
  changed_attributes: ChangedAttribute[];
  event: "conversation_updated";
}

/** The `conversation_status_changed` webhook payload. */
export interface ConversationStatusChangedEvent extends Conversation {
  /** The tracked attributes that changed. */
  changed_attributes: ChangedAttribute[];
  event: "conversation_status_changed";
}

/** The `message_created` webhook payload. */
export interface MessageCreatedEvent extends MessageEvent {
  event: "message_created";
}

/** The `message_updated` webhook payload. */
export interface MessageUpdatedEvent extends MessageEvent {
  event: "message_updated";
}

/** The `conversation_typing_on` webhook payload. */
export interface ConversationTypingOnEvent extends TypingEvent {
  event: "conversation_typing_on";
}

/** The `conversation_typing_off` webhook payload. */
export interface ConversationTypingOffEvent extends TypingEvent {
  event: "conversation_typing_off";
}

/** The `contact_created` webhook payload. */
export interface ContactCreatedEvent extends Contact {
  event: "contact_created";
}

/** The `contact_updated` webhook payload. */
export interface ContactUpdatedEvent extends Contact {
  /** The tracked attributes that changed. */
  changed_attributes: ChangedAttribute[];
  event: "contact_updated";
}

/** The payload of each event, by name. */
export interface EventPayloads {
  webwidget_triggered: WebwidgetTriggeredEvent;
  conversation_created: ConversationCreatedEvent;
  conversation_updated: ConversationUpdatedEvent;
  conversation_status_changed: ConversationStatusChangedEvent;
  message_created: MessageCreatedEvent;
  message_updated: MessageUpdatedEvent;
  conversation_typing_on: ConversationTypingOnEvent;
  conversation_typing_off: ConversationTypingOffEvent;
  contact_created: ContactCreatedEvent;
  contact_updated: ContactUpdatedEvent;
}

/** Any webhook payload; `switch (payload.event)` narrows it. */
export type AnyEventPayload = EventPayloads[EventName];

/**
 * What `buildEvent(name, input)` takes for each event: the attributes without `event` (if
 * given it must equal `name`); for conversation_updated and conversation_status_changed
 * (and optionally contact_updated) the two states `{ previous, current }`.
 */
export interface EventInputs {
  webwidget_triggered: WebwidgetTriggeredInput & { event?: "webwidget_triggered" };
  conversation_created: ConversationInput & { event?: "conversation_created" };
  conversation_updated: ({ previous: ConversationInput; current: ConversationInput }) & { event?: "conversation_updated" };
  conversation_status_changed: ({ previous: ConversationInput; current: ConversationInput }) & { event?: "conversation_status_changed" };
  message_created: MessageEventInput & { event?: "message_created" };
  message_updated: MessageEventInput & { event?: "message_updated" };
  conversation_typing_on: TypingEventInput & { event?: "conversation_typing_on" };
  conversation_typing_off: TypingEventInput & { event?: "conversation_typing_off" };
  contact_created: ContactInput & { event?: "contact_created" };
  contact_updated: ((ContactInput & { changed_attributes?: ChangedAttributeInput[] }) | { previous: ContactInput; current: ContactInput }) & { event?: "contact_updated" };
}
