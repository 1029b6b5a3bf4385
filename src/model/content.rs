//! A message's `content_type` and typed `content_attributes`.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// What a message's content is; interactive types carry their data in [`ContentAttributes`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    /// Plain text (the default).
    #[default]
    Text,
    /// Asks the visitor for a line of text.
    InputText,
    /// Asks the visitor for a paragraph.
    InputTextarea,
    /// Asks the visitor for an email address.
    InputEmail,
    /// Offers options (`items: [{title, value}]`). The seed's `imput_select` is a typo.
    InputSelect,
    /// Cards with actions.
    Cards,
    /// A form.
    Form,
    /// Help-center articles.
    Article,
    /// An email received by an email inbox.
    IncomingEmail,
    /// A satisfaction survey.
    InputCsat,
}

/// A message's `content_attributes`. The known keys are typed; any other key is kept in
/// `other` and written back after them, so unknown attributes survive a round trip.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContentAttributes {
    /// Options, cards, form fields or articles (see [`ContentItem`]).
    pub items: Option<Vec<ContentItem>>,
    /// The visitor's answer to an interactive message.
    pub submitted_values: Option<SubmittedValues>,
    /// Id of the message this one replies to.
    pub in_reply_to: Option<u64>,
    /// External id of the message this one replies to.
    pub in_reply_to_external_id: Option<String>,
    /// Set when the message was deleted.
    pub deleted: Option<bool>,
    /// Every other attribute, in input order.
    pub other: Map<String, Value>,
}

impl ContentAttributes {
    /// Whether no attribute is set (serializes as `{}`).
    pub fn is_empty(&self) -> bool {
        self.items.is_none()
            && self.submitted_values.is_none()
            && self.in_reply_to.is_none()
            && self.in_reply_to_external_id.is_none()
            && self.deleted.is_none()
            && self.other.is_empty()
    }
}

impl Serialize for ContentAttributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        if let Some(v) = &self.items {
            m.serialize_entry("items", v)?;
        }
        if let Some(v) = &self.submitted_values {
            m.serialize_entry("submitted_values", v)?;
        }
        if let Some(v) = &self.in_reply_to {
            m.serialize_entry("in_reply_to", v)?;
        }
        if let Some(v) = &self.in_reply_to_external_id {
            m.serialize_entry("in_reply_to_external_id", v)?;
        }
        if let Some(v) = &self.deleted {
            m.serialize_entry("deleted", v)?;
        }
        for (k, v) in &self.other {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for ContentAttributes {
    /// Reads the map key by key (no buffering, so error paths stay exact); `null` reads as empty.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ContentAttributes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of content attributes")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ContentAttributes::default())
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ContentAttributes::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = ContentAttributes::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "items" => out.items = map.next_value()?,
                        "submitted_values" => out.submitted_values = map.next_value()?,
                        "in_reply_to" => out.in_reply_to = map.next_value()?,
                        "in_reply_to_external_id" => {
                            out.in_reply_to_external_id = map.next_value()?
                        }
                        "deleted" => out.deleted = map.next_value()?,
                        _ => {
                            let v: Value = map.next_value()?;
                            out.other.insert(key, v);
                        }
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One entry of `content_attributes.items`. Its shape depends on the message's content type:
/// - input_select: `{title, value}`
/// - cards: `{title, description, media_url, actions}`
/// - form: `{type, placeholder, label, name, options, default, required, pattern, title, pattern_error}`
/// - article: `{title, description, link}`
///
/// One struct holds them all (absent fields are omitted), so any item reads without loss and
/// every field is still type-checked with its exact path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentItem {
    /// Option, card, article or field title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Option value (input_select).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Card or article description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Card image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Article URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Card buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<CardAction>>,
    /// Form field type: `text`, `text_area`, `email`, `select`, ...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub field_type: Option<String>,
    /// Form field placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Form field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Form field name (the key of its submitted value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Options of a `select` form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<FormOption>>,
    /// Default value of a form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the form field is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Validation regular expression of a form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Message shown when `pattern` does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_error: Option<String>,
}

/// What a card button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    /// Opens `uri`.
    Link,
    /// Sends `payload` back as the visitor's reply.
    Postback,
}

/// A card button `{type, text, uri, payload}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAction {
    /// Link or postback.
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// Button text.
    #[serde(default)]
    pub text: String,
    /// Target URL (links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Value sent back (postbacks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
}

/// An option of a `select` form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOption {
    /// Text shown.
    pub label: String,
    /// Value submitted.
    pub value: String,
}

/// The visitor's answer: a list (`input_select` `[{title, value}]`, `form` `[{name, value}]`)
/// or, for `input_csat`, `{csat_survey_response: {rating, feedback_message}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SubmittedValues {
    /// Chosen options or filled form fields.
    List(Vec<SubmittedValue>),
    /// A satisfaction-survey answer.
    Csat(CsatSubmission),
}

impl<'de> Deserialize<'de> for SubmittedValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SubmittedValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of submitted values or a csat_survey_response object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(SubmittedValues::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                CsatSubmission::deserialize(MapAccessDeserializer::new(map))
                    .map(SubmittedValues::Csat)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One submitted value: `{title, value}` (input_select) or `{name, value}` (form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedValue {
    /// The chosen option's title (input_select).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The form field's name (form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The value.
    #[serde(default)]
    pub value: String,
}

/// `{csat_survey_response: {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatSubmission {
    /// The answer.
    pub csat_survey_response: CsatSurveyResponse,
}

/// A satisfaction-survey answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatSurveyResponse {
    /// 1 to 5.
    pub rating: u8,
    /// Optional comment.
    #[serde(default)]
    pub feedback_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse::parse;
    use serde_json::json;

    #[test]
    fn unknown_attributes_survive_a_round_trip() {
        let v = json!({"items": [{"title": "Yes", "value": "yes"}], "in_reply_to": 7,
                       "x_custom": {"deep": [1, 2]}, "email": {"subject": "Hi"}});
        let a: ContentAttributes = parse(v.clone(), "").unwrap();
        assert_eq!(a.in_reply_to, Some(7));
        assert_eq!(a.other.len(), 2);
        assert_eq!(serde_json::to_string(&a).unwrap(), v.to_string());
    }

    #[test]
    fn submitted_values_read_every_shape() {
        let a: ContentAttributes = parse(
            json!({"submitted_values": [{"name": "email", "value": "a@b.c"}]}),
            "",
        )
        .unwrap();
        assert!(
            matches!(a.submitted_values, Some(SubmittedValues::List(ref l)) if l[0].name.as_deref() == Some("email"))
        );
        let csat = json!({"submitted_values": {"csat_survey_response": {"rating": 5, "feedback_message": "Great"}}});
        let a: ContentAttributes = parse(csat.clone(), "").unwrap();
        assert!(
            matches!(a.submitted_values, Some(SubmittedValues::Csat(ref c)) if c.csat_survey_response.rating == 5)
        );
        assert_eq!(serde_json::to_value(&a).unwrap(), csat);
        assert!(parse::<ContentAttributes>(Value::Null, "")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn errors_inside_attributes_keep_their_path() {
        let e = parse::<ContentAttributes>(
            json!({"items": [{"title": "a", "actions": [{"type": "jump"}]}]}),
            "content_attributes",
        )
        .unwrap_err();
        assert_eq!(e.path, "content_attributes.items[0].actions[0].type");
        let e = parse::<ContentAttributes>(
            json!({"submitted_values": {"csat_survey_response": {"rating": "five"}}}),
            "m",
        )
        .unwrap_err();
        assert_eq!(e.path, "m.submitted_values.csat_survey_response.rating");
        let e = parse::<ContentAttributes>(json!({"submitted_values": [{"value": 3}]}), "m")
            .unwrap_err();
        assert_eq!(e.path, "m.submitted_values[0].value");
        let e = parse::<ContentType>(json!("imput_select"), "content_type").unwrap_err();
        assert_eq!(e.path, "content_type");
    }
}
