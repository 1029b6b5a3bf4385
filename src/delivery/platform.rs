//! Mapping events onto the platform's widget API, and the ids it hands back.
//!
//! `webwidget_triggered` → `POST /api/v1/widget/events`; the first visitor `message_created` of a
//! conversation → `POST /api/v1/widget/conversations`; later ones → `POST /api/v1/widget/messages`.
//! The route of a message is decided when it is sent (not when it is queued), so a message queued
//! before the conversation existed still goes to `/messages` once it does.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::config::PlatformConfig;
use crate::model::widget_api::{
    ConversationCreateResponse, CreateConversationRequest, CreateMessageRequest,
    WidgetContactInput, WidgetEventInfo, WidgetEventRequest, WidgetMessage, WidgetMessageInput,
    WIDGET_TRIGGERED,
};

/// Ids the platform returned, adopted into later requests and payloads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformIds {
    /// The conversation's display id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<u64>,
    /// The id of the last message the platform accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<u64>,
}

impl PlatformIds {
    /// Combines ids known to two queues (used when a tab adopts another's queue).
    pub fn merge(&mut self, other: &PlatformIds) {
        if self.conversation_id.is_none() {
            self.conversation_id = other.conversation_id;
        }
        self.last_message_id = self.last_message_id.max(other.last_message_id);
    }

    /// Fills `conversation.id` of a webhook payload when it is not known yet (absent, null or 0:
    /// a message queued before the platform created its conversation).
    pub fn adopt_into(&self, payload: &mut Value) {
        let Some(cid) = self.conversation_id else {
            return;
        };
        if let Some(Value::Object(conv)) = payload.get_mut("conversation") {
            if conv
                .get("id")
                .is_none_or(|id| id.is_null() || id.as_u64() == Some(0))
            {
                conv.insert("id".into(), cid.into());
            }
        }
    }
}

/// Which widget API endpoint a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformRoute {
    /// `/api/v1/widget/events`.
    Event,
    /// `/api/v1/widget/conversations`.
    Conversation,
    /// `/api/v1/widget/messages`.
    Message,
}

/// Whether the platform receives this event at all (the widget opening, and visitor messages).
pub fn routes(event: &str, payload: &Value) -> bool {
    match event {
        "webwidget_triggered" => true,
        "message_created" => match payload.get("message_type") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s == "incoming",
            Some(Value::Number(n)) => n.as_u64() == Some(0),
            Some(_) => false,
        },
        _ => false,
    }
}

/// The route, path-with-query and JSON body of an event for the platform.
pub fn request(
    cfg: &PlatformConfig,
    ids: &PlatformIds,
    event: &str,
    payload: &Value,
) -> Result<(PlatformRoute, String, String), String> {
    match event {
        "webwidget_triggered" => {
            let info = payload.get("event_info").cloned().unwrap_or(Value::Null);
            let event_info: WidgetEventInfo = serde_json::from_value(info)
                .map_err(|e| format!("`event_info` does not fit the widget API: {e}"))?;
            let body = WidgetEventRequest {
                name: WIDGET_TRIGGERED.into(),
                event_info,
            };
            let url = format!(
                "{}/api/v1/widget/events?website_token={}&locale={}",
                cfg.base_url,
                encode(&cfg.website_token),
                encode(&cfg.locale)
            );
            Ok((PlatformRoute::Event, url, to_json(&body)?))
        }
        "message_created" => {
            let message = message_input(payload)?;
            let q = format!(
                "?website_token={}&locale={}",
                encode(&cfg.website_token),
                encode(&cfg.locale)
            );
            if ids.conversation_id.is_none() {
                let body = CreateConversationRequest {
                    contact: contact_input(payload),
                    message,
                    custom_attributes: custom_attributes(payload),
                };
                let url = format!("{}/api/v1/widget/conversations{q}", cfg.base_url);
                Ok((PlatformRoute::Conversation, url, to_json(&body)?))
            } else {
                let url = format!("{}/api/v1/widget/messages{q}", cfg.base_url);
                let body = CreateMessageRequest { message };
                Ok((PlatformRoute::Message, url, to_json(&body)?))
            }
        }
        other => Err(format!("the platform has no route for `{other}`")),
    }
}

/// Adopts the ids of a 2xx response body. Errors name what could not be read.
pub fn adopt_response(
    ids: &mut PlatformIds,
    route: PlatformRoute,
    body: &str,
) -> Result<(), String> {
    match route {
        PlatformRoute::Event => Ok(()),
        PlatformRoute::Conversation => {
            let r: ConversationCreateResponse = serde_json::from_str(body)
                .map_err(|e| format!("unreadable conversation response: {e}"))?;
            ids.conversation_id = Some(r.id);
            if let Some(m) = r.messages.iter().map(|m| m.id).max() {
                ids.last_message_id = Some(m);
            }
            Ok(())
        }
        PlatformRoute::Message => {
            let m: WidgetMessage = serde_json::from_str(body)
                .map_err(|e| format!("unreadable message response: {e}"))?;
            ids.last_message_id = Some(m.id);
            if ids.conversation_id.is_none() {
                ids.conversation_id = Some(m.conversation_id);
            }
            Ok(())
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| e.to_string())
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn message_input(p: &Value) -> Result<WidgetMessageInput, String> {
    let content =
        str_at(p, &["content"]).ok_or("`content` is required to send a message to the platform")?;
    Ok(WidgetMessageInput {
        content: content.to_string(),
        reply_to: p.get("reply_to").and_then(Value::as_u64).or_else(|| {
            p.pointer("/content_attributes/in_reply_to")
                .and_then(Value::as_u64)
        }),
        timestamp: str_at(p, &["timestamp"]).unwrap_or_default().to_string(),
        referer_url: str_at(p, &["referer_url"])
            .or_else(|| str_at(p, &["conversation", "additional_attributes", "referer"]))
            .unwrap_or_default()
            .to_string(),
    })
}

fn contact_input(p: &Value) -> WidgetContactInput {
    let c = p
        .get("contact")
        .or_else(|| p.get("sender"))
        .cloned()
        .unwrap_or(Value::Null);
    let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
    WidgetContactInput {
        name: s("name"),
        email: s("email"),
        phone_number: s("phone_number"),
    }
}

fn custom_attributes(p: &Value) -> Map<String, Value> {
    p.get("custom_attributes")
        .or_else(|| p.pointer("/conversation/custom_attributes"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg() -> PlatformConfig {
        PlatformConfig {
            base_url: "https://chat.example".into(),
            website_token: "tok en".into(),
            auth_token: "jwt".into(),
            locale: "pt_BR".into(),
        }
    }

    #[test]
    fn widget_open_goes_to_events_with_the_dotted_name() {
        let p = json!({"event": "webwidget_triggered", "event_info": {
            "initiated_at": {"timestamp": "Wed Jan 05 2023"}, "referer": "https://shop.example/"}});
        let (route, url, body) =
            request(&cfg(), &PlatformIds::default(), "webwidget_triggered", &p).unwrap();
        assert_eq!(route, PlatformRoute::Event);
        assert_eq!(
            url,
            "https://chat.example/api/v1/widget/events?website_token=tok%20en&locale=pt_BR"
        );
        let b: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(b["name"], "webwidget.triggered");
        assert_eq!(b["event_info"]["referer"], "https://shop.example/");
        let bad = json!({"event_info": {"referer": 5}});
        assert!(
            request(&cfg(), &PlatformIds::default(), "webwidget_triggered", &bad)
                .unwrap_err()
                .contains("event_info")
        );
    }

    #[test]
    fn first_message_creates_the_conversation_later_ones_post_messages() {
        let mut ids = PlatformIds::default();
        let p = json!({"content": "hi", "timestamp": "T", "referer_url": "https://r/",
            "sender": {"name": "Ana", "email": "a@x"}, "custom_attributes": {"plan": "pro"}});
        let (route, url, body) = request(&cfg(), &ids, "message_created", &p).unwrap();
        assert_eq!(route, PlatformRoute::Conversation);
        assert!(url.starts_with("https://chat.example/api/v1/widget/conversations?"));
        let b: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(b["contact"]["name"], "Ana");
        assert_eq!(b["message"]["content"], "hi");
        assert_eq!(b["custom_attributes"]["plan"], "pro");

        adopt_response(
            &mut ids,
            route,
            r#"{"id": 42, "inbox_id": 1, "status": "open",
            "messages": [{"id": 7, "message_type": 0, "created_at": 1, "conversation_id": 42}]}"#,
        )
        .unwrap();
        assert_eq!(ids.conversation_id, Some(42));
        assert_eq!(ids.last_message_id, Some(7));
        let (route, _, body) = request(&cfg(), &ids, "message_created", &p).unwrap();
        assert_eq!(route, PlatformRoute::Message);
        let b: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            b,
            json!({"message": {"content": "hi", "timestamp": "T", "referer_url": "https://r/"}})
        );
        adopt_response(
            &mut ids,
            route,
            r#"{"id": 8, "message_type": 0, "created_at": 1, "conversation_id": 42}"#,
        )
        .unwrap();
        assert_eq!(ids.last_message_id, Some(8));
        assert!(adopt_response(&mut ids, PlatformRoute::Conversation, "{}").is_err());
        assert!(request(&cfg(), &ids, "message_created", &json!({})).is_err());
    }

    #[test]
    fn only_visitor_messages_and_widget_opens_reach_the_platform() {
        assert!(routes("webwidget_triggered", &json!({})));
        assert!(routes(
            "message_created",
            &json!({"message_type": "incoming"})
        ));
        assert!(routes("message_created", &json!({"message_type": 0})));
        assert!(!routes(
            "message_created",
            &json!({"message_type": "outgoing"})
        ));
        assert!(!routes("contact_created", &json!({})));
    }

    #[test]
    fn ids_are_adopted_into_payloads_without_overwriting() {
        let ids = PlatformIds {
            conversation_id: Some(9),
            last_message_id: None,
        };
        let mut p = json!({"conversation": {"id": null}});
        ids.adopt_into(&mut p);
        assert_eq!(p["conversation"]["id"], 9);
        let mut p = json!({"conversation": {"id": 3}});
        ids.adopt_into(&mut p);
        assert_eq!(p["conversation"]["id"], 3);
    }
}
