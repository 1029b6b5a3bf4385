//! `changed_attributes`: what differs between two states of a conversation or a contact.

use std::fmt;

use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{Contact, Conversation};

/// One changed attribute; serializes as `{"<attribute>": {"current_value": …, "previous_value": …}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedAttribute {
    /// The platform's column name, e.g. `"status"`, `"assignee_id"`, `"label_list"`.
    pub attribute: String,
    /// The value now.
    pub current_value: Value,
    /// The value before.
    pub previous_value: Value,
}

impl ChangedAttribute {
    /// A change of `attribute` from `previous_value` to `current_value`.
    pub fn new(attribute: impl Into<String>, previous_value: Value, current_value: Value) -> Self {
        Self {
            attribute: attribute.into(),
            current_value,
            previous_value,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Values {
    #[serde(default)]
    current_value: Value,
    #[serde(default)]
    previous_value: Value,
}

#[derive(Serialize)]
struct ValuesRef<'a> {
    current_value: &'a Value,
    previous_value: &'a Value,
}

impl Serialize for ChangedAttribute {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(1))?;
        m.serialize_entry(
            &self.attribute,
            &ValuesRef {
                current_value: &self.current_value,
                previous_value: &self.previous_value,
            },
        )?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for ChangedAttribute {
    /// Reads an object with exactly one key.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChangedAttribute;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"an object with one key: {"<attribute>": {"current_value", "previous_value"}}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let Some(attribute) = map.next_key::<String>()? else {
                    return Err(A::Error::custom(
                        "a changed attribute needs one key, found none",
                    ));
                };
                let values: Values = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(A::Error::custom(format!(
                        "a changed attribute has one key, found `{attribute}` and `{extra}`"
                    )));
                }
                Ok(ChangedAttribute {
                    attribute,
                    current_value: values.current_value,
                    previous_value: values.previous_value,
                })
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// The conversation attributes conversation_updated tracks, by the platform's column names,
/// in the order they are reported.
pub const CONVERSATION_TRACKED: [&str; 9] = [
    "assignee_id",
    "team_id",
    "status",
    "snoozed_until",
    "custom_attributes",
    "label_list",
    "waiting_since",
    "first_reply_created_at",
    "priority",
];

fn conversation_attribute(c: &Conversation, attribute: &str) -> Value {
    match attribute {
        "assignee_id" => c
            .meta
            .assignee
            .as_ref()
            .map_or(Value::Null, |u| u.id.into()),
        "team_id" => c.meta.team.as_ref().map_or(Value::Null, |t| t.id.into()),
        "status" => c.status.as_str().into(),
        "snoozed_until" => c.snoozed_until.clone().into(),
        "custom_attributes" => Value::Object(c.custom_attributes.clone()),
        "label_list" => c.labels.clone().into(),
        "waiting_since" => c.waiting_since.into(),
        "first_reply_created_at" => c.first_reply_created_at.clone().into(),
        "priority" => c.priority.map(|p| p.as_str()).into(),
        _ => Value::Null,
    }
}

/// The tracked attributes that differ from `previous` to `current` (see
/// [`CONVERSATION_TRACKED`] for names and order); empty when nothing tracked changed.
pub fn changed_attributes(
    previous: &Conversation,
    current: &Conversation,
) -> Vec<ChangedAttribute> {
    diff(
        &CONVERSATION_TRACKED,
        |a| conversation_attribute(previous, a),
        |a| conversation_attribute(current, a),
    )
}

/// The contact attributes contact_updated reports, in order.
pub const CONTACT_TRACKED: [&str; 8] = [
    "name",
    "email",
    "phone_number",
    "identifier",
    "avatar",
    "custom_attributes",
    "additional_attributes",
    "blocked",
];

fn contact_attribute(c: &Contact, attribute: &str) -> Value {
    match attribute {
        "name" => c.name.clone().into(),
        "email" => c.email.clone().into(),
        "phone_number" => c.phone_number.clone().into(),
        "identifier" => c.identifier.clone().into(),
        "avatar" => c.avatar.clone().into(),
        "custom_attributes" => Value::Object(c.custom_attributes.clone()),
        "additional_attributes" => Value::Object(c.additional_attributes.clone()),
        "blocked" => c.blocked.into(),
        _ => Value::Null,
    }
}

/// The contact attributes that differ from `previous` to `current` (see [`CONTACT_TRACKED`]).
pub fn contact_changed_attributes(previous: &Contact, current: &Contact) -> Vec<ChangedAttribute> {
    diff(
        &CONTACT_TRACKED,
        |a| contact_attribute(previous, a),
        |a| contact_attribute(current, a),
    )
}

fn diff(
    attributes: &[&str],
    previous: impl Fn(&str) -> Value,
    current: impl Fn(&str) -> Value,
) -> Vec<ChangedAttribute> {
    attributes
        .iter()
        .filter_map(|a| {
            let (p, c) = (previous(a), current(a));
            (p != c).then(|| ChangedAttribute::new(*a, p, c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConversationStatus, Priority, Team, User};
    use serde_json::json;

    fn names(v: &[ChangedAttribute]) -> Vec<&str> {
        v.iter().map(|c| c.attribute.as_str()).collect()
    }

    #[test]
    fn unchanged_is_empty() {
        let c = Conversation {
            id: 1,
            inbox_id: 1,
            ..Default::default()
        };
        assert!(changed_attributes(&c, &c.clone()).is_empty());
    }

    #[test]
    fn untracked_changes_are_ignored() {
        let p = Conversation {
            id: 1,
            unread_count: 0,
            timestamp: 1,
            ..Default::default()
        };
        let c = Conversation {
            unread_count: 4,
            timestamp: 9,
            contact_last_seen_at: 5,
            ..p.clone()
        };
        assert!(changed_attributes(&p, &c).is_empty());
    }

    #[test]
    fn each_tracked_attribute_is_reported_alone() {
        let base = Conversation {
            id: 1,
            inbox_id: 1,
            ..Default::default()
        };
        let agent = User {
            id: 7,
            name: "Ana".into(),
            ..Default::default()
        };
        let cases: Vec<(&str, Conversation, Value, Value)> = vec![
            (
                "assignee_id",
                {
                    let mut c = base.clone();
                    c.meta.assignee = Some(agent.clone());
                    c
                },
                json!(null),
                json!(7),
            ),
            (
                "team_id",
                {
                    let mut c = base.clone();
                    c.meta.team = Some(Team {
                        id: 3,
                        name: "Sales".into(),
                    });
                    c
                },
                json!(null),
                json!(3),
            ),
            (
                "status",
                Conversation {
                    status: ConversationStatus::Resolved,
                    ..base.clone()
                },
                json!("open"),
                json!("resolved"),
            ),
            (
                "snoozed_until",
                Conversation {
                    snoozed_until: Some("2026-11-26T09:00:00.000Z".into()),
                    ..base.clone()
                },
                json!(null),
                json!("2026-11-26T09:00:00.000Z"),
            ),
            (
                "custom_attributes",
                {
                    let mut c = base.clone();
                    c.custom_attributes.insert("plan".into(), json!("pro"));
                    c
                },
                json!({}),
                json!({"plan": "pro"}),
            ),
            (
                "label_list",
                Conversation {
                    labels: vec!["vip".into()],
                    ..base.clone()
                },
                json!([]),
                json!(["vip"]),
            ),
            (
                "waiting_since",
                Conversation {
                    waiting_since: 1_764_000_000,
                    ..base.clone()
                },
                json!(0),
                json!(1_764_000_000),
            ),
            (
                "first_reply_created_at",
                Conversation {
                    first_reply_created_at: Some("2026-11-25T15:00:00.000Z".into()),
                    ..base.clone()
                },
                json!(null),
                json!("2026-11-25T15:00:00.000Z"),
            ),
            (
                "priority",
                Conversation {
                    priority: Some(Priority::High),
                    ..base.clone()
                },
                json!(null),
                json!("high"),
            ),
        ];
        assert_eq!(cases.len(), CONVERSATION_TRACKED.len());
        for (name, current, prev, cur) in cases {
            let d = changed_attributes(&base, &current);
            assert_eq!(
                d,
                vec![ChangedAttribute::new(name, prev.clone(), cur.clone())],
                "{name}"
            );
            // And back again.
            let back = changed_attributes(&current, &base);
            assert_eq!(
                back,
                vec![ChangedAttribute::new(name, cur, prev)],
                "{name} reversed"
            );
        }
    }

    #[test]
    fn several_changes_come_in_platform_order() {
        let p = Conversation {
            id: 1,
            ..Default::default()
        };
        let mut c = Conversation {
            priority: Some(Priority::Urgent),
            status: ConversationStatus::Snoozed,
            labels: vec!["a".into()],
            ..p.clone()
        };
        c.meta.assignee = Some(User {
            id: 2,
            ..Default::default()
        });
        assert_eq!(
            names(&changed_attributes(&p, &c)),
            ["assignee_id", "status", "label_list", "priority"]
        );
    }

    #[test]
    fn assignee_changes_by_id_only() {
        let mut p = Conversation::default();
        p.meta.assignee = Some(User {
            id: 2,
            name: "A".into(),
            ..Default::default()
        });
        let mut c = p.clone();
        c.meta.assignee.as_mut().unwrap().name = "B".into();
        assert!(changed_attributes(&p, &c).is_empty());
    }

    #[test]
    fn serializes_as_a_single_key_object() {
        let a = ChangedAttribute::new("status", json!("open"), json!("resolved"));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"status":{"current_value":"resolved","previous_value":"open"}}"#
        );
        let back: ChangedAttribute =
            serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        assert!(serde_json::from_str::<ChangedAttribute>(r#"{"a":{},"b":{}}"#).is_err());
        assert!(serde_json::from_str::<ChangedAttribute>("{}").is_err());
    }

    #[test]
    fn contact_diff() {
        let p = Contact {
            id: 1,
            name: "quiet-river".into(),
            ..Default::default()
        };
        let c = Contact {
            name: "Maria".into(),
            email: Some("maria@x.io".into()),
            ..p.clone()
        };
        assert_eq!(
            names(&contact_changed_attributes(&p, &c)),
            ["name", "email"]
        );
        assert!(contact_changed_attributes(&p, &p).is_empty());
    }
}
