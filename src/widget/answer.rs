//! Interactive messages, pure and tested natively: the visitor's answers (`submitted_values` of
//! `PATCH /api/v1/widget/messages/{id}`) built and validated, how an answered message reads, and
//! which URLs may become links or images (http(s) only).

use serde_json::{json, Value};

use crate::model::widget_api::WidgetMessage;
use crate::model::{CardAction, ContentAttributes, ContentItem, SubmittedValues};

/// The longest CSAT comment kept (characters).
pub const MAX_FEEDBACK_CHARS: usize = 1_000;
/// The longest form value kept (characters).
pub const MAX_FIELD_CHARS: usize = 2_000;
/// The longest URL turned into a link or image.
pub const MAX_URL_CHARS: usize = 2_048;

/// The typed content attributes of a message (empty when they do not read).
pub fn attributes(m: &WidgetMessage) -> ContentAttributes {
    serde_json::from_value(m.content_attributes.clone()).unwrap_or_default()
}

/// The message's items (options, cards, form fields, articles).
pub fn items(m: &WidgetMessage) -> Vec<ContentItem> {
    attributes(m).items.unwrap_or_default()
}

/// Whether the visitor already answered the message.
pub fn is_answered(m: &WidgetMessage) -> bool {
    m.content_attributes
        .get("submitted_values")
        .is_some_and(|v| !v.is_null())
}

/// Why an answer cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// The option, rating or action does not exist.
    NoSuchChoice,
    /// Form fields that do not validate: `(field name, problem)`.
    Fields(Vec<(String, FieldProblem)>),
}

/// What is wrong with a form field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// Required and empty.
    Required,
    /// Not an email address.
    Email,
    /// Not a number.
    Number,
    /// Does not match the field's `pattern`, or is not one of a select's options.
    Invalid,
}

/// `submitted_values` for choosing option `index` of an input_select: `[{title, value}]`.
pub fn select_answer(m: &WidgetMessage, index: usize) -> Result<Value, AnswerError> {
    let item = items(m)
        .into_iter()
        .nth(index)
        .ok_or(AnswerError::NoSuchChoice)?;
    let title = item.title.unwrap_or_default();
    let value = item.value.unwrap_or_else(|| title.clone());
    Ok(json!([{ "title": title, "value": value }]))
}

/// How a form field is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `<input type=text>`.
    Text,
    /// `<input type=email>`.
    Email,
    /// `<input type=number>`.
    Number,
    /// `<textarea>`.
    Textarea,
    /// `<select>`.
    Select,
}

/// The kind of a form item (`text`, `email`, `number`, `text_area`/`textarea`, `select`; anything
/// else is text).
pub fn field_kind(item: &ContentItem) -> FieldKind {
    match item.field_type.as_deref().unwrap_or("text") {
        "email" => FieldKind::Email,
        "number" => FieldKind::Number,
        "text_area" | "textarea" => FieldKind::Textarea,
        "select" => FieldKind::Select,
        _ => FieldKind::Text,
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
}

/// Whether `value` as a whole matches a form field's `pattern`; `None` when the pattern does not
/// compile (the field is then not checked against it).
///
/// In the browser this is the browser's own check for an `<input pattern>`: a JavaScript
/// `RegExp` of `^(?:pattern)$` with the `v` flag (`u` where `v` is unknown), the language the
/// platform's forms are written in. Natively (tests, tools) regex-lite stands in for it.
#[cfg(target_arch = "wasm32")]
pub fn pattern_matches(pattern: &str, value: &str) -> Option<bool> {
    let source = format!("^(?:{pattern})$");
    // `new RegExp` throws on a bad pattern or an unknown flag.
    let compile = |flags: &str| {
        let ctor: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"RegExp".into())
            .ok()?
            .into();
        let args = js_sys::Array::of2(&source.as_str().into(), &flags.into());
        let re = js_sys::Reflect::construct(&ctor, &args).ok()?;
        Some(wasm_bindgen::JsCast::unchecked_into::<js_sys::RegExp>(re))
    };
    compile("v")
        .or_else(|| compile("u"))
        .map(|re| re.test(value))
}

/// Whether `value` as a whole matches a form field's `pattern` (regex-lite standing in for the
/// browser's `RegExp`, see the wasm build's version); `None` when the pattern does not compile.
#[cfg(not(target_arch = "wasm32"))]
pub fn pattern_matches(pattern: &str, value: &str) -> Option<bool> {
    regex_lite::Regex::new(&format!("^(?:{pattern})$"))
        .ok()
        .map(|re| re.is_match(value))
}

/// `submitted_values` of a form: `[{name, value}]` in the form's order, for every named field;
/// `values` are what the visitor entered, by field name. Validates required fields, email and
/// number fields, select options and `pattern` (a whole-value match).
pub fn form_answer(m: &WidgetMessage, values: &[(String, String)]) -> Result<Value, AnswerError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in items(m) {
        let Some(name) = item.name.clone().filter(|n| !n.is_empty()) else {
            continue;
        };
        let raw = values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let value: String = raw.trim().chars().take(MAX_FIELD_CHARS).collect();
        let problem = if value.is_empty() {
            item.required
                .unwrap_or(false)
                .then_some(FieldProblem::Required)
        } else {
            match field_kind(&item) {
                FieldKind::Email if !looks_like_email(&value) => Some(FieldProblem::Email),
                FieldKind::Number if value.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
                    Some(FieldProblem::Number)
                }
                FieldKind::Select
                    if !item
                        .options
                        .as_ref()
                        .is_some_and(|o| o.iter().any(|o| o.value == value)) =>
                {
                    Some(FieldProblem::Invalid)
                }
                _ => item
                    .pattern
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .and_then(|p| pattern_matches(p, &value))
                    .filter(|matches| !matches)
                    .map(|_| FieldProblem::Invalid),
            }
        };
        match problem {
            Some(p) => problems.push((name, p)),
            None => out.push(json!({ "name": name, "value": value })),
        }
    }
    if problems.is_empty() {
        Ok(Value::Array(out))
    } else {
        Err(AnswerError::Fields(problems))
    }
}

/// `submitted_values` of an input_csat: `{csat_survey_response: {rating, feedback_message}}`.
pub fn csat_answer(rating: u8, feedback: &str) -> Result<Value, AnswerError> {
    if !(1..=5).contains(&rating) {
        return Err(AnswerError::NoSuchChoice);
    }
    let feedback: String = feedback.trim().chars().take(MAX_FEEDBACK_CHARS).collect();
    Ok(json!({ "csat_survey_response": {
        "rating": rating,
        "feedback_message": if feedback.is_empty() { Value::Null } else { Value::String(feedback) },
    }}))
}

/// The message with `submitted_values` set (how it reads once answered).
pub fn answered(m: &WidgetMessage, submitted_values: Value) -> WidgetMessage {
    let mut out = m.clone();
    if !out.content_attributes.is_object() {
        out.content_attributes = json!({});
    }
    if let Some(map) = out.content_attributes.as_object_mut() {
        map.insert("submitted_values".into(), submitted_values);
    }
    out
}

/// What the visitor answered, as one line of text (None while unanswered).
pub fn answer_summary(m: &WidgetMessage) -> Option<String> {
    let values = attributes(m).submitted_values?;
    Some(match values {
        SubmittedValues::List(list) => {
            let labels: Vec<(String, String)> = items(m)
                .into_iter()
                .filter_map(|i| Some((i.name?, i.label.or(i.title)?)))
                .collect();
            list.iter()
                .map(|v| match (&v.title, &v.name) {
                    (Some(title), _) => title.clone(),
                    (None, Some(name)) => {
                        let label = labels
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, l)| l.as_str())
                            .unwrap_or(name);
                        format!("{label}: {}", v.value)
                    }
                    (None, None) => v.value.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        SubmittedValues::Csat(c) => {
            let r = c.csat_survey_response.rating.min(5) as usize;
            let stars = format!("{}{}", "★".repeat(r), "☆".repeat(5 - r));
            match c.csat_survey_response.feedback_message {
                Some(f) if !f.is_empty() => format!("{stars} — {f}"),
                _ => stars,
            }
        }
    })
}

/// The chosen option's value of an answered input_select (to mark its button).
pub fn chosen_values(m: &WidgetMessage) -> Vec<String> {
    match attributes(m).submitted_values {
        Some(SubmittedValues::List(list)) => list.into_iter().map(|v| v.value).collect(),
        _ => Vec::new(),
    }
}

/// The rating of an answered input_csat.
pub fn chosen_rating(m: &WidgetMessage) -> Option<u8> {
    match attributes(m).submitted_values {
        Some(SubmittedValues::Csat(c)) => Some(c.csat_survey_response.rating),
        _ => None,
    }
}

/// What a postback button sends as the visitor's message: its payload, else its text.
pub fn postback_text(action: &CardAction) -> Option<String> {
    action
        .payload
        .clone()
        .filter(|p| !p.trim().is_empty())
        .or_else(|| Some(action.text.clone()).filter(|t| !t.trim().is_empty()))
}

/// `url` if it is an absolute http(s) URL with a host and no whitespace or control characters
/// (so never `javascript:`, `data:` or a relative path), else None.
pub fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    if url.len() > MAX_URL_CHARS || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return None;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    (!host.is_empty() && !host.starts_with(':') && !rest.starts_with('/')).then_some(url)
}

/// A piece of message text: plain text or an http(s) link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Shown as text.
    Text(&'a str),
    /// Shown as a link whose text is the URL itself.
    Link(&'a str),
}

/// Splits `text` into text and http(s) URLs (trailing punctuation stays text).
pub fn linkify(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let start = [lower.find("https://"), lower.find("http://")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = start else { break };
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        let mut url = &tail[..end];
        while let Some(last) = url.chars().last() {
            let unbalanced_paren =
                last == ')' && url.matches('(').count() < url.matches(')').count();
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']' | '}')
                || unbalanced_paren
            {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        let preceded_ok = rest[..start]
            .chars()
            .last()
            .is_none_or(|c| !c.is_alphanumeric());
        let consumed = start + url.len().max(1);
        if preceded_ok && safe_url(url).is_some() {
            if start > 0 {
                out.push(Segment::Text(&rest[..start]));
            }
            out.push(Segment::Link(url));
        } else {
            out.push(Segment::Text(&rest[..consumed]));
        }
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    // Merge neighbouring text pieces.
    let mut merged: Vec<Segment> = Vec::new();
    for s in out {
        match (merged.last_mut(), s) {
            (Some(Segment::Text(prev)), Segment::Text(next)) => {
                let start = prev.as_ptr() as usize - text.as_ptr() as usize;
                *prev = &text[start..start + prev.len() + next.len()];
            }
            (_, s) => merged.push(s),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(content_type: &str, attrs: Value) -> WidgetMessage {
        WidgetMessage {
            id: 40,
            content: Some("?".into()),
            message_type: 1,
            content_type: content_type.into(),
            content_attributes: attrs,
            created_at: 0,
            conversation_id: 5,
            sender: None,
        }
    }

    fn select() -> WidgetMessage {
        message(
            "input_select",
            json!({"items": [{"title": "Vendas", "value": "sales"}, {"title": "Suporte", "value": "support"}]}),
        )
    }

    fn form() -> WidgetMessage {
        message(
            "form",
            json!({"items": [
                {"type": "text", "name": "name", "label": "Nome", "required": true},
                {"type": "email", "name": "email", "label": "E-mail", "required": true},
                {"type": "number", "name": "qty", "label": "Quantidade"},
                {"type": "select", "name": "plan", "label": "Plano",
                 "options": [{"label": "Básico", "value": "basic"}, {"label": "Pro", "value": "pro"}]},
                {"type": "text", "name": "cep", "label": "CEP", "pattern": "\\d{5}-?\\d{3}"},
                {"type": "text_area", "name": "notes", "label": "Notas"}
            ]}),
        )
    }

    fn vals(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn select_answers_are_title_and_value() {
        assert_eq!(
            select_answer(&select(), 1).unwrap(),
            json!([{"title": "Suporte", "value": "support"}])
        );
        assert_eq!(select_answer(&select(), 2), Err(AnswerError::NoSuchChoice));
        let m = answered(&select(), select_answer(&select(), 1).unwrap());
        assert!(is_answered(&m));
        assert!(!is_answered(&select()));
        assert_eq!(answer_summary(&m).as_deref(), Some("Suporte"));
        assert_eq!(chosen_values(&m), vec!["support".to_string()]);
        // The answer reads back through the model's type.
        let attrs = attributes(&m);
        assert!(matches!(
            attrs.submitted_values,
            Some(SubmittedValues::List(_))
        ));
        assert_eq!(attrs.items.unwrap().len(), 2);
    }

    #[test]
    fn form_answers_validate_and_keep_the_form_order() {
        let ok = form_answer(
            &form(),
            &vals(&[
                ("email", " ana@example.com "),
                ("name", "Ana"),
                ("qty", "3"),
                ("plan", "pro"),
                ("cep", "01310-100"),
            ]),
        )
        .unwrap();
        assert_eq!(
            ok,
            json!([
                {"name": "name", "value": "Ana"},
                {"name": "email", "value": "ana@example.com"},
                {"name": "qty", "value": "3"},
                {"name": "plan", "value": "pro"},
                {"name": "cep", "value": "01310-100"},
                {"name": "notes", "value": ""}
            ])
        );
        let m = answered(&form(), ok);
        assert_eq!(
            answer_summary(&m).unwrap(),
            "Nome: Ana, E-mail: ana@example.com, Quantidade: 3, Plano: pro, CEP: 01310-100, Notas: "
        );
        let bad = form_answer(
            &form(),
            &vals(&[
                ("email", "ana@"),
                ("qty", "três"),
                ("plan", "gold"),
                ("cep", "0131"),
            ]),
        );
        assert_eq!(
            bad,
            Err(AnswerError::Fields(vec![
                ("name".into(), FieldProblem::Required),
                ("email".into(), FieldProblem::Email),
                ("qty".into(), FieldProblem::Number),
                ("plan".into(), FieldProblem::Invalid),
                ("cep".into(), FieldProblem::Invalid),
            ]))
        );
        assert_eq!(field_kind(&items(&form())[5]), FieldKind::Textarea);
        assert_eq!(field_kind(&ContentItem::default()), FieldKind::Text);
    }

    #[test]
    fn csat_answers_are_rated_1_to_5() {
        assert_eq!(
            csat_answer(4, "  Ótimo ").unwrap(),
            json!({"csat_survey_response": {"rating": 4, "feedback_message": "Ótimo"}})
        );
        assert_eq!(
            csat_answer(5, "").unwrap()["csat_survey_response"]["feedback_message"],
            Value::Null
        );
        assert_eq!(csat_answer(0, ""), Err(AnswerError::NoSuchChoice));
        assert_eq!(csat_answer(6, ""), Err(AnswerError::NoSuchChoice));
        let m = answered(
            &message("input_csat", json!({})),
            csat_answer(4, "Ótimo").unwrap(),
        );
        assert_eq!(answer_summary(&m).as_deref(), Some("★★★★☆ — Ótimo"));
        assert_eq!(chosen_rating(&m), Some(4));
        let long = "x".repeat(5_000);
        let v = csat_answer(3, &long).unwrap();
        assert_eq!(
            v["csat_survey_response"]["feedback_message"]
                .as_str()
                .unwrap()
                .len(),
            MAX_FEEDBACK_CHARS
        );
    }

    #[test]
    fn postbacks_send_the_payload_else_the_text() {
        let a: CardAction = serde_json::from_value(
            json!({"type": "postback", "text": "Comprar", "payload": "BUY_1"}),
        )
        .unwrap();
        assert_eq!(postback_text(&a).as_deref(), Some("BUY_1"));
        let a: CardAction =
            serde_json::from_value(json!({"type": "postback", "text": "Comprar"})).unwrap();
        assert_eq!(postback_text(&a).as_deref(), Some("Comprar"));
        let a: CardAction =
            serde_json::from_value(json!({"type": "postback", "text": " "})).unwrap();
        assert_eq!(postback_text(&a), None);
    }

    #[test]
    fn only_http_urls_become_links() {
        for good in [
            "https://example.com",
            "http://example.com/a?b=c#d",
            "HTTPS://Example.com/x",
            "https://user@example.com:8443/p",
        ] {
            assert_eq!(safe_url(good), Some(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example",
            "/relative",
            "https://",
            "https:///path",
            "http://exa mple.com",
            "https://example.com/\u{0}",
            "vbscript:msgbox",
            "ftp://example.com",
            "",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_url(&format!("https://e.com/{}", "a".repeat(3000))),
            None
        );
        assert_eq!(safe_url("  https://e.com  "), Some("https://e.com"));
    }

    #[test]
    fn linkify_finds_urls_and_leaves_the_rest_as_text() {
        use Segment::*;
        assert_eq!(
            linkify("Veja https://example.com/a?b=1. Ou (http://x.org/p) ok"),
            vec![
                Text("Veja "),
                Link("https://example.com/a?b=1"),
                Text(". Ou ("),
                Link("http://x.org/p"),
                Text(") ok"),
            ]
        );
        assert_eq!(linkify("sem links"), vec![Text("sem links")]);
        assert_eq!(linkify(""), Vec::<Segment>::new());
        assert_eq!(
            linkify("javascript:alert('https://x.com') xhttps://y.com https://"),
            vec![
                Text("javascript:alert('"),
                Link("https://x.com"),
                Text("') xhttps://y.com https://"),
            ]
        );
        assert_eq!(
            linkify("https://en.wikipedia.org/wiki/Rust_(language)"),
            vec![Link("https://en.wikipedia.org/wiki/Rust_(language)")]
        );
        assert_eq!(
            linkify("<a href=\"https://e.com\">"),
            vec![Text("<a href=\""), Link("https://e.com"), Text("\">")]
        );
        // Every byte of the input is kept, in order.
        let s = "a https://b.c/ d http://e.f, g";
        let joined: String = linkify(s)
            .iter()
            .map(|x| match x {
                Text(t) | Link(t) => *t,
            })
            .collect();
        assert_eq!(joined, s);
    }
}
