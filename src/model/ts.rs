//! The npm package's TypeScript types (`npm/model.d.ts`), generated from this model.
//!
//! Every model type derives `schemars::JsonSchema` under `cfg(test)` (the release build never
//! sees it). Two schemas are taken of each type — serde's *serialize* contract (the payload as
//! built and sent: `Contact`, `Conversation`, …) and its *deserialize* contract (what
//! `buildEvent` accepts: `ContactInput`, where fields with a default are optional) — and turned
//! into TypeScript declarations. A type whose two contracts agree gets no `…Input` twin.
//!
//! The test [`model_d_ts_is_up_to_date`] regenerates the file and fails when the checked-in copy
//! differs; `UPDATE_TYPES=1 cargo test -p evolvy-widget --lib model::ts` rewrites it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use schemars::generate::{Contract, SchemaSettings};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    BrowserInfo, ChangedAttribute, Contact, ContentAttributes, ContentItem, Conversation,
    EventInfo, EventName, MessageEvent, MessageType, Sender, SubmittedValues, TypingEvent, User,
    WebwidgetTriggered,
};
use crate::context::hints::ClientHints;

/// Where the generated declarations live, relative to the crate root.
const OUT: &str = "npm/model.d.ts";

// ---------------------------------------------------------------------------------------------
// Schemas of the types whose serde impls are written by hand.

/// The name form of [`MessageType`], used at the top level of message events.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(crate) enum MessageTypeName {
    Incoming,
    Outgoing,
    Activity,
    Template,
}

impl JsonSchema for MessageType {
    fn schema_name() -> Cow<'static, str> {
        "MessageTypeCode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<u8> = MessageType::ALL.iter().map(|t| t.as_int()).collect();
        json_schema!({
            "description": "The integer message type inside objects: 0 incoming, 1 outgoing, 2 activity, 3 template.",
            "type": "integer",
            "enum": codes,
        })
    }
}

/// Mirrors [`ContentAttributes`]' hand-written serde impls: known keys typed, any other kept.
#[derive(JsonSchema, Serialize, Deserialize)]
#[allow(dead_code)]
struct ContentAttributesSchema {
    /// Options, cards, form fields or articles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    items: Option<Vec<ContentItem>>,
    /// The visitor's answer to an interactive message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    submitted_values: Option<SubmittedValues>,
    /// Id of the message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<u64>,
    /// External id of the message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_reply_to_external_id: Option<String>,
    /// Set when the message was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted: Option<bool>,
    /// Every other attribute.
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl JsonSchema for ContentAttributes {
    fn schema_name() -> Cow<'static, str> {
        "ContentAttributes".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = ContentAttributesSchema::json_schema(generator);
        schema.insert(
            "description".into(),
            "A message's content attributes: the known keys are typed, any other key is kept."
                .into(),
        );
        schema
    }
}

/// The two values of one changed attribute.
#[derive(JsonSchema, Serialize, Deserialize)]
#[allow(dead_code)]
struct ChangedValues {
    /// The value now.
    #[serde(default)]
    current_value: Value,
    /// The value before.
    #[serde(default)]
    previous_value: Value,
}

impl JsonSchema for ChangedAttribute {
    fn schema_name() -> Cow<'static, str> {
        "ChangedAttribute".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let values = generator.subschema_for::<ChangedValues>();
        json_schema!({
            "description": "One changed attribute, keyed by the platform's column name (`status`, `assignee_id`, `label_list`, …).",
            "type": "object",
            "additionalProperties": values,
            "minProperties": 1,
            "maxProperties": 1,
        })
    }
}

impl JsonSchema for Sender {
    fn schema_name() -> Cow<'static, str> {
        "Sender".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // `type` tells the two apart and is required on input even where the object itself
        // makes it optional.
        let contact = generator.subschema_for::<Contact>();
        let user = generator.subschema_for::<User>();
        json_schema!({
            "description": "Who sent a message or is typing: the contact or an agent, told apart by `type`.",
            "anyOf": [
                {"allOf": [contact, {"type": "object", "properties": {"type": {"const": "contact"}}, "required": ["type"]}]},
                {"allOf": [user, {"type": "object", "properties": {"type": {"const": "user"}}, "required": ["type"]}]},
            ],
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Events: which object each one carries (exhaustive over `EventName`).

/// The attributes an event carries beside `event`.
enum Shape {
    /// A plain object, e.g. `WebwidgetTriggered`.
    Object(&'static str),
    /// `changed_attributes` plus the object as it is now.
    Update(&'static str),
}

fn shape(name: EventName) -> Shape {
    match name {
        EventName::WebwidgetTriggered => Shape::Object("WebwidgetTriggered"),
        EventName::ConversationCreated => Shape::Object("Conversation"),
        EventName::ConversationUpdated | EventName::ConversationStatusChanged => {
            Shape::Update("Conversation")
        }
        EventName::MessageCreated | EventName::MessageUpdated => Shape::Object("MessageEvent"),
        EventName::ConversationTypingOn | EventName::ConversationTypingOff => {
            Shape::Object("TypingEvent")
        }
        EventName::ContactCreated => Shape::Object("Contact"),
        EventName::ContactUpdated => Shape::Update("Contact"),
    }
}

/// The input form `buildEvent` takes for an update (see `model::build_event`).
fn update_input(name: EventName, object: &str) -> String {
    let input = format!("{object}Input");
    match name {
        EventName::ContactUpdated => format!(
            "({input} & {{ changed_attributes?: ChangedAttributeInput[] }}) | {{ previous: {input}; current: {input} }}"
        ),
        _ => format!("{{ previous: {input}; current: {input} }}"),
    }
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON Schema → TypeScript, for the subset schemars emits.

fn definitions(contract: Contract) -> Map<String, Value> {
    let deserialize = contract.is_deserialize();
    let mut settings = SchemaSettings::draft2020_12();
    settings.contract = contract;
    let mut generator = settings.into_generator();
    generator.subschema_for::<WebwidgetTriggered>();
    generator.subschema_for::<Conversation>();
    generator.subschema_for::<MessageEvent>();
    generator.subschema_for::<TypingEvent>();
    generator.subschema_for::<Contact>();
    generator.subschema_for::<ChangedAttribute>();
    generator.subschema_for::<BrowserInfo>();
    generator.subschema_for::<EventInfo>();
    if deserialize {
        // Only ever an argument (`deriveBrowser`).
        generator.subschema_for::<ClientHints>();
    }
    generator.take_definitions(true)
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix("#/$defs/")
}

fn refs(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(m) => {
            if let Some(name) = ref_name(schema) {
                out.insert(name.to_string());
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Turns schemas into TypeScript; `suffix` renames the definitions in `renamed`.
struct Writer<'a> {
    suffix: &'a str,
    renamed: &'a BTreeSet<String>,
}

impl Writer<'_> {
    fn name(&self, def: &str) -> String {
        if self.renamed.contains(def) {
            format!("{def}{}", self.suffix)
        } else {
            def.to_string()
        }
    }

    fn ty(&self, s: &Value, indent: usize) -> String {
        let Value::Object(m) = s else {
            return if s == &Value::Bool(false) {
                "never"
            } else {
                "unknown"
            }
            .into();
        };
        if let Some(def) = ref_name(s) {
            return self.name(def);
        }
        if let Some(c) = m.get("const") {
            return c.to_string();
        }
        if let Some(Value::Array(values)) = m.get("enum") {
            return values
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(" | ");
        }
        for (key, sep) in [("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")] {
            if let Some(Value::Array(parts)) = m.get(key) {
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| {
                        let t = self.ty(p, indent);
                        if t.contains(" | ") || (sep == " | " && t.contains(" & ")) {
                            format!("({t})")
                        } else {
                            t
                        }
                    })
                    .collect();
                return parts.join(sep);
            }
        }
        let types: Vec<&str> = match m.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return "unknown".into(),
        };
        types
            .iter()
            .map(|t| match *t {
                "string" => "string".to_string(),
                "integer" | "number" => "number".to_string(),
                "boolean" => "boolean".to_string(),
                "null" => "null".to_string(),
                "array" => {
                    let item = m
                        .get("items")
                        .map_or("unknown".into(), |i| self.ty(i, indent));
                    if item.contains(' ') {
                        format!("Array<{item}>")
                    } else {
                        format!("{item}[]")
                    }
                }
                _ => self.object(m, indent),
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn object(&self, m: &Map<String, Value>, indent: usize) -> String {
        let props = m.get("properties").and_then(Value::as_object);
        let extra = match m.get("additionalProperties") {
            None if props.is_none() => Some("unknown".to_string()),
            None | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some("unknown".to_string()),
            Some(s) => Some(self.ty(s, indent + 1)),
        };
        let Some(props) = props.filter(|p| !p.is_empty()) else {
            return format!("{{ [key: string]: {} }}", extra.unwrap_or("never".into()));
        };
        let required: BTreeSet<&str> = m
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let pad = "  ".repeat(indent + 1);
        let mut out = String::from("{\n");
        for (key, schema) in props {
            doc(&mut out, &pad, schema);
            let optional = if required.contains(key.as_str()) {
                ""
            } else {
                "?"
            };
            let _ = writeln!(
                out,
                "{pad}{key}{optional}: {};",
                self.ty(schema, indent + 1)
            );
        }
        if let Some(extra) = extra {
            let _ = writeln!(out, "{pad}/** Any other attribute. */");
            let _ = writeln!(out, "{pad}[key: string]: {extra};");
        }
        out.push_str(&"  ".repeat(indent));
        out.push('}');
        out
    }

    fn declaration(&self, out: &mut String, def: &str, schema: &Value) {
        doc(out, "", schema);
        let name = self.name(def);
        let body = self.ty(schema, 0);
        if body.starts_with("{\n") {
            let _ = writeln!(out, "export interface {name} {body}\n");
        } else {
            let _ = writeln!(out, "export type {name} = {body};\n");
        }
    }
}

/// Writes `schema`'s description (and input default) as a JSDoc comment.
fn doc(out: &mut String, pad: &str, schema: &Value) {
    // Rustdoc links (`[`Contact`]`) read as plain code in TypeScript.
    let mut lines: Vec<String> = schema
        .get("description")
        .and_then(Value::as_str)
        .map(|d| {
            d.lines()
                .map(|l| {
                    l.replace("[`", "`")
                        .replace("`]", "`")
                        .replace("*/", "*\\/")
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(default) = schema.get("default") {
        lines.push(format!("@defaultValue `{default}`"));
    }
    match lines.len() {
        0 => {}
        1 => {
            let _ = writeln!(out, "{pad}/** {} */", lines[0]);
        }
        _ => {
            let _ = writeln!(out, "{pad}/**");
            for l in lines {
                let _ = writeln!(out, "{}", format!("{pad} * {l}").trim_end());
            }
            let _ = writeln!(out, "{pad} */");
        }
    }
}

/// The whole of `npm/model.d.ts`.
pub(crate) fn generate() -> String {
    let output = definitions(Contract::Serialize);
    let input = definitions(Contract::Deserialize);

    // An input type needs its own declaration when its schema differs or it refers to one that does.
    let mut differs: BTreeSet<String> = input
        .iter()
        .filter(|(k, v)| output.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    loop {
        let more: Vec<String> = input
            .iter()
            .filter(|(k, _)| !differs.contains(*k))
            .filter(|(_, v)| {
                let mut r = BTreeSet::new();
                refs(v, &mut r);
                r.iter().any(|d| differs.contains(d))
            })
            .map(|(k, _)| k.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        differs.extend(more);
    }

    let mut out = String::from(
        "// Generated from the Rust model (src/model) by src/model/ts.rs — do not edit.\n\
         // Regenerate: UPDATE_TYPES=1 cargo test -p evolvy-widget --lib model::ts\n\n",
    );
    out.push_str(
        "// ---- Payloads: what buildEvent returns and webhooks receive (every key present). ----\n\n",
    );
    let plain = BTreeSet::new();
    let out_writer = Writer {
        suffix: "",
        renamed: &plain,
    };
    let sorted: BTreeMap<&String, &Value> = output.iter().collect();
    for (def, schema) in &sorted {
        out_writer.declaration(&mut out, def, schema);
    }

    out.push_str(
        "// ---- Inputs: what buildEvent accepts (keys with a default may be left out). ----\n\n",
    );
    let in_writer = Writer {
        suffix: "Input",
        renamed: &differs,
    };
    let sorted: BTreeMap<&String, &Value> = input.iter().collect();
    for (def, schema) in sorted {
        if differs.contains(def) {
            in_writer.declaration(&mut out, def, schema);
        }
    }
    for def in [
        "WebwidgetTriggered",
        "Conversation",
        "MessageEvent",
        "TypingEvent",
        "Contact",
        "ChangedAttribute",
    ] {
        if !differs.contains(def) {
            let _ = writeln!(out, "export type {def}Input = {def};\n");
        }
    }

    out.push_str("// ---- Events ----\n\n");
    let names: Vec<String> = EventName::ALL
        .iter()
        .map(|n| format!("\"{}\"", n.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "/** Every event name, as `eventNames()` returns them. */\nexport type EventName =\n  | {};\n",
        names.join("\n  | ")
    );
    for name in EventName::ALL {
        let iface = format!("{}Event", pascal(name.as_str()));
        let _ = writeln!(out, "/** The `{}` webhook payload. */", name.as_str());
        match shape(name) {
            Shape::Object(object) => {
                let _ = writeln!(out, "export interface {iface} extends {object} {{");
            }
            Shape::Update(object) => {
                let _ = writeln!(out, "export interface {iface} extends {object} {{");
                let _ = writeln!(out, "  /** The tracked attributes that changed. */");
                let _ = writeln!(out, "  changed_attributes: ChangedAttribute[];");
            }
        }
        let _ = writeln!(out, "  event: \"{}\";\n}}\n", name.as_str());
    }
    out.push_str("/** The payload of each event, by name. */\nexport interface EventPayloads {\n");
    for name in EventName::ALL {
        let _ = writeln!(out, "  {}: {}Event;", name.as_str(), pascal(name.as_str()));
    }
    out.push_str("}\n\n");
    out.push_str(
        "/** Any webhook payload; `switch (payload.event)` narrows it. */\n\
         export type AnyEventPayload = EventPayloads[EventName];\n\n",
    );
    out.push_str(
        "/**\n * What `buildEvent(name, input)` takes for each event: the attributes without `event` (if\n \
         * given it must equal `name`); for conversation_updated and conversation_status_changed\n \
         * (and optionally contact_updated) the two states `{ previous, current }`.\n */\n\
         export interface EventInputs {\n",
    );
    for name in EventName::ALL {
        let event = format!("{{ event?: \"{}\" }}", name.as_str());
        let ty = match shape(name) {
            Shape::Object(object) => format!("{object}Input & {event}"),
            Shape::Update(object) => format!("({}) & {event}", update_input(name, object)),
        };
        let _ = writeln!(out, "  {}: {ty};", name.as_str());
    }
    out.push_str("}\n");
    out
}

#[test]
fn model_d_ts_is_up_to_date() {
    let generated = generate();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(OUT);
    if std::env::var_os("UPDATE_TYPES").is_some() {
        std::fs::write(&path, &generated).expect("writing npm/model.d.ts");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{OUT} is out of date with the Rust model: run \
         `UPDATE_TYPES=1 cargo test -p evolvy-widget --lib model::ts` and commit the result"
    );
}

#[test]
fn input_and_payload_types_differ_where_serde_defaults_apply() {
    let ts = generate();
    // A contact's `type` is written on every payload but optional on input.
    assert!(ts.contains("export interface Contact {"));
    assert!(ts.contains("export interface ContactInput {"));
    let contact = &ts[ts.find("export interface Contact {").unwrap_or(0)..];
    let contact = &contact[..contact.find("\n}").unwrap_or(0)];
    assert!(contact.contains("\n  type: ContactTag;"), "{contact}");
    let input = &ts[ts.find("export interface ContactInput {").unwrap_or(0)..];
    let input = &input[..input.find("\n}").unwrap_or(0)];
    assert!(input.contains("\n  type?: ContactTag;"), "{input}");
    assert!(input.contains("\n  id: number;"), "{input}");
    // Both forms of message_type.
    assert!(ts.contains("export type MessageTypeCode = 0 | 1 | 2 | 3;"));
    assert!(ts.contains("message_type: MessageTypeName;"));
    // BrowserInfo has no defaults: one type serves both.
    assert!(!ts.contains("BrowserInfoInput"));
    // Every event is in both maps.
    for name in EventName::ALL {
        assert_eq!(
            ts.matches(&format!("  {}: ", name.as_str())).count(),
            2,
            "{name}"
        );
    }
}
