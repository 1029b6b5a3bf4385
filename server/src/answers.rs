//! The visitor's answers to interactive messages (`PATCH /api/v1/widget/messages/{id}`),
//! checked against the message they answer. Shapes are read with the model
//! (`SubmittedValues`); every error names the offending field below `submitted_values`.

use evolvy_widget::model::{
    ContentAttributes, ContentItem, ContentType, SubmittedValue, SubmittedValues,
};
use serde_json::Value;

use crate::error::ApiError;
use crate::payload::typed;
use crate::store::MessageRow;

/// Longest accepted answer text (a form value or a CSAT comment).
pub const MAX_ANSWER: usize = 10_000;

fn invalid(path: impl Into<String>, msg: impl Into<String>) -> ApiError {
    ApiError::invalid(path, msg)
}

/// Checks `submitted` against message `m` and returns the value to store in
/// `content_attributes.submitted_values` (titles filled in for input_select).
pub fn check(m: &MessageRow, submitted: &Value) -> Result<Value, ApiError> {
    const AT: &str = "submitted_values";
    let content_type: ContentType =
        serde_json::from_value(Value::String(m.content_type.clone()))
            .map_err(|_| invalid("id", "this message does not take answers"))?;
    if m.message_type != 1 && m.message_type != 3 {
        return Err(invalid("id", "only agent messages take answers"));
    }
    let attrs: ContentAttributes = typed(&m.content_attributes, "content_attributes")
        .map_err(|_| ApiError::internal("stored content_attributes do not parse"))?;
    let items = attrs.items.unwrap_or_default();
    let values: SubmittedValues = typed(submitted, AT)?;
    let out = match (content_type, values) {
        (ContentType::InputSelect, SubmittedValues::List(list)) => {
            SubmittedValues::List(check_select(&items, list)?)
        }
        (ContentType::Form, SubmittedValues::List(list)) => {
            SubmittedValues::List(check_form(&items, list)?)
        }
        (ContentType::InputCsat, SubmittedValues::Csat(c)) => {
            let r = &c.csat_survey_response;
            if !(1..=5).contains(&r.rating) {
                return Err(invalid(
                    "submitted_values.csat_survey_response.rating",
                    format!("must be 1 to 5, got {}", r.rating),
                ));
            }
            if r.feedback_message
                .as_ref()
                .is_some_and(|f| f.chars().count() > MAX_ANSWER)
            {
                return Err(invalid(
                    "submitted_values.csat_survey_response.feedback_message",
                    format!("longer than {MAX_ANSWER} characters"),
                ));
            }
            SubmittedValues::Csat(c)
        }
        (ContentType::InputSelect | ContentType::Form, SubmittedValues::Csat(_)) => {
            return Err(invalid(
                AT,
                format!(
                    "a {} answer is an array ({})",
                    m.content_type,
                    if content_type == ContentType::Form {
                        "[{name, value}]"
                    } else {
                        "[{title, value}]"
                    }
                ),
            ))
        }
        (ContentType::InputCsat, SubmittedValues::List(_)) => {
            return Err(invalid(
                AT,
                "an input_csat answer is {csat_survey_response: {rating, feedback_message}}",
            ))
        }
        _ => {
            return Err(invalid(
                "id",
                format!("a {} message does not take answers", m.content_type),
            ))
        }
    };
    Ok(serde_json::to_value(out).unwrap_or(Value::Null))
}

fn check_select(
    items: &[ContentItem],
    list: Vec<SubmittedValue>,
) -> Result<Vec<SubmittedValue>, ApiError> {
    if list.is_empty() {
        return Err(invalid("submitted_values", "choose one of the options"));
    }
    let mut out: Vec<SubmittedValue> = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let at = |f: &str| format!("submitted_values[{i}].{f}");
        if v.name.is_some() {
            return Err(invalid(
                at("name"),
                "an input_select answer is {title, value}",
            ));
        }
        let item = items
            .iter()
            .find(|it| it.value.as_deref() == Some(v.value.as_str()))
            .ok_or_else(|| {
                invalid(
                    at("value"),
                    format!("`{}` is not one of the offered options", v.value),
                )
            })?;
        if let (Some(given), Some(title)) = (&v.title, &item.title) {
            if given != title {
                return Err(invalid(
                    at("title"),
                    format!("the option `{}` is titled `{title}`", v.value),
                ));
            }
        }
        if out.iter().any(|o| o.value == v.value) {
            return Err(invalid(at("value"), "chosen twice"));
        }
        out.push(SubmittedValue {
            title: item.title.clone().or(v.title),
            name: None,
            value: v.value,
        });
    }
    Ok(out)
}

fn check_form(
    items: &[ContentItem],
    list: Vec<SubmittedValue>,
) -> Result<Vec<SubmittedValue>, ApiError> {
    let mut out: Vec<SubmittedValue> = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let at = |f: &str| format!("submitted_values[{i}].{f}");
        let name = v
            .name
            .clone()
            .ok_or_else(|| invalid(at("name"), "a form answer is {name, value}"))?;
        let field = items
            .iter()
            .find(|it| it.name.as_deref() == Some(name.as_str()))
            .ok_or_else(|| invalid(at("name"), format!("the form has no field `{name}`")))?;
        if out.iter().any(|o| o.name.as_deref() == Some(name.as_str())) {
            return Err(invalid(at("name"), format!("`{name}` answered twice")));
        }
        if v.value.chars().count() > MAX_ANSWER {
            return Err(invalid(
                at("value"),
                format!("longer than {MAX_ANSWER} characters"),
            ));
        }
        let filled = !v.value.trim().is_empty();
        if filled {
            match field.field_type.as_deref() {
                Some("email") if !looks_like_email(&v.value) => {
                    return Err(invalid(
                        at("value"),
                        format!("`{name}` must be an email address"),
                    ))
                }
                Some("select") => {
                    let ok = field
                        .options
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .any(|o| o.value == v.value);
                    if !ok {
                        return Err(invalid(
                            at("value"),
                            format!("`{}` is not an option of `{name}`", v.value),
                        ));
                    }
                }
                _ => {}
            }
            if let Some(p) = field.pattern.as_deref().filter(|p| !p.is_empty()) {
                // Patterns are written for the browser (JS RegExp); one the server cannot compile
                // is left to the browser.
                if let Ok(re) = regex_lite::Regex::new(&format!("^(?:{p})$")) {
                    if !re.is_match(&v.value) {
                        let msg = field.pattern_error.clone().unwrap_or_else(|| {
                            format!("`{name}` does not match the field's pattern")
                        });
                        return Err(invalid(at("value"), msg));
                    }
                }
            }
        }
        out.push(SubmittedValue {
            title: None,
            name: Some(name),
            value: v.value,
        });
    }
    for field in items.iter().filter(|f| f.required == Some(true)) {
        let name = field.name.as_deref().unwrap_or_default();
        let answered = out
            .iter()
            .any(|o| o.name.as_deref() == Some(name) && !o.value.trim().is_empty());
        if !answered {
            return Err(invalid(
                "submitted_values",
                format!("the required field `{name}` is missing"),
            ));
        }
    }
    Ok(out)
}

fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(content_type: &str, attrs: Value) -> MessageRow {
        MessageRow {
            id: 1,
            conversation_id: 1,
            content: Some("?".into()),
            message_type: 1,
            content_type: content_type.into(),
            content_attributes: attrs,
            reply_to: None,
            created_at: 0,
            sender_id: Some(1),
            private: false,
            updated_at: 0,
        }
    }

    #[test]
    fn answers_are_checked_against_the_message() {
        let select = msg(
            "input_select",
            json!({"items": [{"title": "Yes", "value": "y"}, {"title": "No", "value": "n"}]}),
        );
        let form = msg(
            "form",
            json!({"items": [
            {"type": "email", "name": "email", "label": "Email", "required": true},
            {"type": "select", "name": "plan", "options": [{"label": "Pro", "value": "pro"}]},
            {"type": "text", "name": "code", "pattern": "[0-9]{3}", "pattern_error": "three digits"}]}),
        );
        let csat = msg("input_csat", json!({}));
        let text = msg("text", json!({}));
        let ok: Vec<(&MessageRow, Value)> = vec![
            (&select, json!([{"value": "y"}])),
            (&select, json!([{"title": "No", "value": "n"}])),
            (
                &form,
                json!([{"name": "email", "value": "a@b.co"}, {"name": "plan", "value": "pro"}]),
            ),
            (
                &form,
                json!([{"name": "email", "value": "a@b.co"}, {"name": "code", "value": "123"}]),
            ),
            (
                &csat,
                json!({"csat_survey_response": {"rating": 5, "feedback_message": "great"}}),
            ),
            (&csat, json!({"csat_survey_response": {"rating": 1}})),
        ];
        for (m, v) in ok {
            assert!(check(m, &v).is_ok(), "{v}: {:?}", check(m, &v));
        }
        assert_eq!(
            check(&select, &json!([{"value": "y"}])).unwrap(),
            json!([{"title": "Yes", "value": "y"}])
        );
        let bad: Vec<(&MessageRow, Value, &str)> = vec![
            (
                &select,
                json!([{"value": "maybe"}]),
                "submitted_values[0].value",
            ),
            (
                &select,
                json!([{"title": "No", "value": "y"}]),
                "submitted_values[0].title",
            ),
            (&select, json!([]), "submitted_values"),
            (
                &select,
                json!({"csat_survey_response": {"rating": 3}}),
                "submitted_values",
            ),
            (&select, json!("y"), "submitted_values"),
            (&select, json!([{"value": 1}]), "submitted_values[0].value"),
            (
                &form,
                json!([{"name": "plan", "value": "pro"}]),
                "submitted_values",
            ),
            (
                &form,
                json!([{"name": "email", "value": "nope"}]),
                "submitted_values[0].value",
            ),
            (
                &form,
                json!([{"name": "email", "value": "a@b.co"}, {"name": "x", "value": "1"}]),
                "submitted_values[1].name",
            ),
            (
                &form,
                json!([{"name": "email", "value": "a@b.co"}, {"name": "plan", "value": "free"}]),
                "submitted_values[1].value",
            ),
            (
                &form,
                json!([{"name": "email", "value": "a@b.co"}, {"name": "code", "value": "12a"}]),
                "submitted_values[1].value",
            ),
            (
                &form,
                json!([{"value": "a@b.co"}]),
                "submitted_values[0].name",
            ),
            (
                &csat,
                json!({"csat_survey_response": {"rating": 6}}),
                "submitted_values.csat_survey_response.rating",
            ),
            (
                &csat,
                json!({"csat_survey_response": {"rating": 0}}),
                "submitted_values.csat_survey_response.rating",
            ),
            (
                &csat,
                json!({"csat_survey_response": {"rating": "5"}}),
                "submitted_values.csat_survey_response.rating",
            ),
            (&csat, json!([{"value": "5"}]), "submitted_values"),
            (&text, json!([{"value": "y"}]), "id"),
        ];
        for (m, v, path) in bad {
            let e = check(m, &v).unwrap_err();
            assert_eq!(e.path.as_deref(), Some(path), "{v}: {}", e.error);
            assert_eq!(e.status, 422, "{v}");
        }
        let mut incoming = select.clone();
        incoming.message_type = 0;
        assert_eq!(
            check(&incoming, &json!([{"value": "y"}]))
                .unwrap_err()
                .path
                .as_deref(),
            Some("id")
        );
    }
}
