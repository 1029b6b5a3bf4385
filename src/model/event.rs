//! Events: every webhook payload, serialized with `"event"` as the first key.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::parse::{check_depth, into_object, kind, parse, take};
use super::{
    changed_attributes, contact_changed_attributes, Account, ChangedAttribute, Contact,
    Conversation, EventInfo, EventName, Inbox, MessageEvent, ModelError, Sender,
};

/// The payload of webwidget_triggered: the visitor opened the widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebwidgetTriggered {
    /// The contact_inbox id.
    pub id: u64,
    /// The visitor.
    pub contact: Contact,
    /// The web-widget inbox.
    pub inbox: Inbox,
    /// The account.
    pub account: Account,
    /// The visitor's open conversation; null until the first message.
    #[serde(default)]
    pub current_conversation: Option<Conversation>,
    /// The contact's source id in the inbox.
    #[serde(default)]
    pub source_id: String,
    /// What the browser and the platform know about the visit.
    pub event_info: EventInfo,
}

/// The payload of conversation_typing_on / conversation_typing_off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingEvent {
    /// Who is typing: the contact or an agent (tagged by `type`).
    pub user: Sender,
    /// The conversation.
    pub conversation: Conversation,
    /// Whether an agent is typing a private note.
    #[serde(default)]
    pub is_private: bool,
}

/// The payload of conversation_updated / conversation_status_changed: what changed, then the
/// conversation as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationUpdate {
    /// The changed tracked attributes.
    pub changed_attributes: Vec<ChangedAttribute>,
    /// The conversation after the change.
    pub conversation: Conversation,
}

/// The payload of contact_updated: what changed, then the contact as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactUpdate {
    /// The changed attributes.
    pub changed_attributes: Vec<ChangedAttribute>,
    /// The contact after the change.
    pub contact: Contact,
}

/// A webhook event: one variant per [`EventName`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The visitor opened the widget.
    WebwidgetTriggered(WebwidgetTriggered),
    /// A conversation was created.
    ConversationCreated(Conversation),
    /// Tracked conversation attributes changed.
    ConversationUpdated(ConversationUpdate),
    /// The conversation's status changed.
    ConversationStatusChanged(ConversationUpdate),
    /// A message was created.
    MessageCreated(MessageEvent),
    /// A message was updated.
    MessageUpdated(MessageEvent),
    /// Someone started typing.
    ConversationTypingOn(TypingEvent),
    /// Someone stopped typing.
    ConversationTypingOff(TypingEvent),
    /// A contact was created.
    ContactCreated(Contact),
    /// A contact was updated.
    ContactUpdated(ContactUpdate),
}

/// Serializes a model value to a JSON object. Model types are maps with string keys, so this
/// cannot fail; an empty map stands in for the impossible case.
fn object<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn changes_value(changes: &[ChangedAttribute]) -> Value {
    Value::Array(changes.iter().map(|c| Value::Object(object(c))).collect())
}

impl Event {
    /// The event's name.
    pub fn name(&self) -> EventName {
        match self {
            Event::WebwidgetTriggered(_) => EventName::WebwidgetTriggered,
            Event::ConversationCreated(_) => EventName::ConversationCreated,
            Event::ConversationUpdated(_) => EventName::ConversationUpdated,
            Event::ConversationStatusChanged(_) => EventName::ConversationStatusChanged,
            Event::MessageCreated(_) => EventName::MessageCreated,
            Event::MessageUpdated(_) => EventName::MessageUpdated,
            Event::ConversationTypingOn(_) => EventName::ConversationTypingOn,
            Event::ConversationTypingOff(_) => EventName::ConversationTypingOff,
            Event::ContactCreated(_) => EventName::ContactCreated,
            Event::ContactUpdated(_) => EventName::ContactUpdated,
        }
    }

    /// The wire payload: `"event"` first, then (for updates) `changed_attributes`, then the
    /// event's attributes.
    pub fn to_value(&self) -> Value {
        let mut out = Map::new();
        out.insert("event".into(), self.name().as_str().into());
        let rest = match self {
            Event::WebwidgetTriggered(p) => object(p),
            Event::ConversationCreated(c) => object(c),
            Event::ConversationUpdated(u) | Event::ConversationStatusChanged(u) => {
                out.insert(
                    "changed_attributes".into(),
                    changes_value(&u.changed_attributes),
                );
                object(&u.conversation)
            }
            Event::MessageCreated(m) | Event::MessageUpdated(m) => object(m),
            Event::ConversationTypingOn(t) | Event::ConversationTypingOff(t) => object(t),
            Event::ContactCreated(c) => object(c),
            Event::ContactUpdated(u) => {
                out.insert(
                    "changed_attributes".into(),
                    changes_value(&u.changed_attributes),
                );
                object(&u.contact)
            }
        };
        out.extend(rest);
        Value::Object(out)
    }

    /// Reads a full wire payload (including `"event"`). Errors name the offending field.
    pub fn from_value(value: Value) -> Result<Event, ModelError> {
        let mut map = into_object(check_depth(value, "")?, "")?;
        let name = match take(&mut map, "event", "")? {
            Value::String(s) => s.parse::<EventName>()?,
            other => {
                return Err(ModelError::new(
                    "event",
                    format!("invalid type: {}, expected an event name", kind(&other)),
                ))
            }
        };
        from_attributes(name, map)
    }
}

/// Reads the attributes of event `name` (everything but `"event"`).
fn from_attributes(name: EventName, mut map: Map<String, Value>) -> Result<Event, ModelError> {
    // Updates carry `changed_attributes` beside the object's own keys.
    let changed_attributes: Vec<ChangedAttribute> = match name {
        EventName::ConversationUpdated
        | EventName::ConversationStatusChanged
        | EventName::ContactUpdated => parse(
            take(&mut map, "changed_attributes", "")?,
            "changed_attributes",
        )?,
        _ => Vec::new(),
    };
    let rest = Value::Object(map);
    Ok(match name {
        EventName::WebwidgetTriggered => Event::WebwidgetTriggered(parse(rest, "")?),
        EventName::ConversationCreated => Event::ConversationCreated(parse(rest, "")?),
        EventName::ConversationUpdated => Event::ConversationUpdated(ConversationUpdate {
            changed_attributes,
            conversation: parse(rest, "")?,
        }),
        EventName::ConversationStatusChanged => {
            Event::ConversationStatusChanged(ConversationUpdate {
                changed_attributes,
                conversation: parse(rest, "")?,
            })
        }
        EventName::MessageCreated => Event::MessageCreated(parse(rest, "")?),
        EventName::MessageUpdated => Event::MessageUpdated(parse(rest, "")?),
        EventName::ConversationTypingOn => Event::ConversationTypingOn(parse(rest, "")?),
        EventName::ConversationTypingOff => Event::ConversationTypingOff(parse(rest, "")?),
        EventName::ContactCreated => Event::ContactCreated(parse(rest, "")?),
        EventName::ContactUpdated => Event::ContactUpdated(ContactUpdate {
            changed_attributes,
            contact: parse(rest, "")?,
        }),
    })
}

/// Builds event `name` from its attributes (`input`, without `"event"`; if present it must
/// equal `name`), filling defaults (type tags, optional fields, a null `current_conversation`).
///
/// For conversation_updated and conversation_status_changed — and, optionally, contact_updated —
/// the input is `{previous, current}`: the event carries `current` and the computed
/// `changed_attributes` (status_changed reports only `status`, which must differ). An update
/// with nothing to report is an error at `current` (`current.status` for status_changed).
pub fn build_event(name: &str, input: Value) -> Result<Event, ModelError> {
    let event_name: EventName = name.parse()?;
    let mut map = into_object(check_depth(input, "")?, "")?;
    if let Some(given) = map.shift_remove("event") {
        if given.as_str() != Some(name) {
            return Err(ModelError::new(
                "event",
                format!("`event` is {given} but the event being built is `{name}`"),
            ));
        }
    }
    match event_name {
        EventName::ConversationUpdated | EventName::ConversationStatusChanged => {
            let previous: Conversation = parse(take(&mut map, "previous", "")?, "previous")?;
            let current: Conversation = parse(take(&mut map, "current", "")?, "current")?;
            reject_extra_keys(&map, event_name)?;
            let mut changes = changed_attributes(&previous, &current);
            if event_name == EventName::ConversationStatusChanged {
                changes.retain(|c| c.attribute == "status");
                if changes.is_empty() {
                    return Err(ModelError::new(
                        "current.status",
                        format!("the status is `{}` in both states", current.status.as_str()),
                    ));
                }
                return Ok(Event::ConversationStatusChanged(ConversationUpdate {
                    changed_attributes: changes,
                    conversation: current,
                }));
            }
            if changes.is_empty() {
                return Err(ModelError::new(
                    "current",
                    "no tracked attribute differs from `previous`",
                ));
            }
            Ok(Event::ConversationUpdated(ConversationUpdate {
                changed_attributes: changes,
                conversation: current,
            }))
        }
        EventName::ContactUpdated
            if map.contains_key("previous") && map.contains_key("current") =>
        {
            let previous: Contact = parse(take(&mut map, "previous", "")?, "previous")?;
            let current: Contact = parse(take(&mut map, "current", "")?, "current")?;
            reject_extra_keys(&map, event_name)?;
            let changes = contact_changed_attributes(&previous, &current);
            if changes.is_empty() {
                return Err(ModelError::new(
                    "current",
                    "no attribute differs from `previous`",
                ));
            }
            Ok(Event::ContactUpdated(ContactUpdate {
                changed_attributes: changes,
                contact: current,
            }))
        }
        EventName::ContactUpdated if !map.contains_key("changed_attributes") => {
            map.insert("changed_attributes".into(), Value::Array(Vec::new()));
            from_attributes(event_name, map)
        }
        _ => from_attributes(event_name, map),
    }
}

/// A `{previous, current}` input takes nothing else (a stray `changed_attributes` would
/// otherwise be silently replaced by the computed one).
fn reject_extra_keys(map: &Map<String, Value>, name: EventName) -> Result<(), ModelError> {
    match map.keys().next() {
        None => Ok(()),
        Some(key) => Err(ModelError::new(
            key.as_str(),
            format!("unexpected attribute; {name} is built from {{previous, current}} only"),
        )),
    }
}

/// Serializes as [`Event::to_value`].
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// Reads as [`Event::from_value`]; the error message starts with the offending path.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Event::from_value(value).map_err(serde::de::Error::custom)
    }
}
