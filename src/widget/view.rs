//! The chat window's DOM, built with web-sys. Every piece of visitor or agent text goes in through
//! `textContent`, never as HTML.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlTextAreaElement};

use super::answer::{self, FieldKind, FieldProblem, Segment};
use super::i18n::{Locale, Text};
use super::thread::is_agent;
use crate::model::widget_api::WidgetMessage;
use crate::model::{ActionType, ContentItem};

/// Who wrote a message, for styling and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The visitor (message_type incoming).
    Visitor,
    /// An agent or bot (message_type outgoing or template).
    Agent,
}

/// Handles to the widget's elements (cheap to clone: every field is a JS handle).
///
/// Clone it out of the widget's state before calling anything that moves focus (`set_open`,
/// `show_field_errors`): focus changes dispatch `blur`/`focus` events synchronously, and those
/// handlers borrow the state again.
#[derive(Clone)]
pub struct View {
    pub doc: Document,
    pub launcher: HtmlElement,
    pub badge: HtmlElement,
    pub window: HtmlElement,
    pub title: HtmlElement,
    pub subtitle: HtmlElement,
    pub close: HtmlElement,
    pub list: HtmlElement,
    pub typing: HtmlElement,
    pub input: HtmlTextAreaElement,
    pub send: HtmlElement,
    pub composer: HtmlElement,
    pub input_label: HtmlElement,
    /// A visually hidden polite live region outside the window: new agent messages and notices
    /// are read from here (also while the window is closed).
    pub announcer: HtmlElement,
}

fn el(doc: &Document, tag: &str, class: &str) -> Result<HtmlElement, JsValue> {
    let e: HtmlElement = doc.create_element(tag)?.dyn_into()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    Ok(e)
}

fn attr(e: &Element, name: &str, value: &str) -> Result<(), JsValue> {
    e.set_attribute(name, value)
}

impl View {
    /// Builds the chat window into `doc` (the widget iframe's document). Uses the launcher that
    /// `widget.html` drew (`#evolvy-launcher`), or draws one.
    pub fn build(doc: &Document, locale: Locale) -> Result<View, JsValue> {
        let body = doc.body().ok_or_else(|| JsError::new("no document body"))?;
        let launcher: HtmlElement = match doc.get_element_by_id("evolvy-launcher") {
            Some(e) => e.dyn_into()?,
            None => {
                let b = el(doc, "button", "launcher")?;
                b.set_id("evolvy-launcher");
                attr(&b, "type", "button")?;
                body.append_child(&b)?;
                b
            }
        };
        attr(&launcher, "aria-controls", "evolvy-window")?;
        attr(&launcher, "aria-expanded", "false")?;
        let badge = match doc.get_element_by_id("evolvy-badge") {
            Some(e) => e.dyn_into()?,
            None => {
                let b = el(doc, "span", "badge")?;
                b.set_id("evolvy-badge");
                launcher.append_child(&b)?;
                b
            }
        };
        badge.set_hidden(true);

        let window = el(doc, "section", "window")?;
        window.set_id("evolvy-window");
        attr(&window, "role", "dialog")?;
        attr(&window, "aria-labelledby", "evolvy-title")?;
        window.set_hidden(true);

        let header = el(doc, "header", "header")?;
        let heading = el(doc, "div", "heading")?;
        let title = el(doc, "h1", "title")?;
        title.set_id("evolvy-title");
        let subtitle = el(doc, "p", "subtitle")?;
        heading.append_child(&title)?;
        heading.append_child(&subtitle)?;
        let close = el(doc, "button", "close")?;
        attr(&close, "type", "button")?;
        close.set_text_content(Some("×"));
        header.append_child(&heading)?;
        header.append_child(&close)?;

        let list = el(doc, "ol", "messages")?;
        attr(&list, "role", "log")?;
        // Announcements go through `announcer` (one clear sentence per agent message), so the
        // log itself stays quiet instead of reading every re-rendered bubble.
        attr(&list, "aria-live", "off")?;
        attr(&list, "tabindex", "0")?;

        let typing = el(doc, "p", "typing")?;
        attr(&typing, "aria-live", "polite")?;
        typing.set_hidden(true);

        let composer = el(doc, "form", "composer")?;
        attr(&composer, "novalidate", "")?;
        let input_label = el(doc, "label", "sr-only")?;
        attr(&input_label, "for", "evolvy-input")?;
        let input: HtmlTextAreaElement = doc.create_element("textarea")?.dyn_into()?;
        input.set_id("evolvy-input");
        input.set_rows(1);
        input.set_max_length(10_000);
        attr(&input, "autocomplete", "off")?;
        let send = el(doc, "button", "send")?;
        attr(&send, "type", "submit")?;
        composer.append_child(&input_label)?;
        composer.append_child(&input)?;
        composer.append_child(&send)?;

        window.append_child(&header)?;
        window.append_child(&list)?;
        window.append_child(&typing)?;
        window.append_child(&composer)?;
        body.append_child(&window)?;
        let announcer = el(doc, "p", "sr-only")?;
        announcer.set_id("evolvy-announcer");
        attr(&announcer, "role", "status")?;
        attr(&announcer, "aria-live", "polite")?;
        attr(&announcer, "aria-atomic", "true")?;
        body.append_child(&announcer)?;

        let view = View {
            doc: doc.clone(),
            launcher,
            badge,
            window,
            title,
            subtitle,
            close,
            list,
            typing,
            input,
            send,
            composer,
            input_label,
            announcer,
        };
        view.set_locale(locale)?;
        Ok(view)
    }

    /// Re-labels every UI string for `locale`.
    pub fn set_locale(&self, locale: Locale) -> Result<(), JsValue> {
        let t = |x| locale.text(x);
        self.doc
            .document_element()
            .map(|h| h.set_attribute("lang", locale.bcp47()))
            .transpose()?;
        attr(&self.launcher, "aria-label", t(Text::OpenChat))?;
        self.title.set_text_content(Some(t(Text::Title)));
        self.subtitle.set_text_content(Some(t(Text::Subtitle)));
        attr(&self.close, "aria-label", t(Text::Close))?;
        attr(&self.list, "aria-label", t(Text::Messages))?;
        self.typing.set_text_content(Some(t(Text::Typing)));
        self.input_label
            .set_text_content(Some(t(Text::Placeholder)));
        self.input.set_placeholder(t(Text::Placeholder));
        self.send.set_text_content(Some(t(Text::Send)));
        Ok(())
    }

    /// Shows or hides the window and moves focus into it or back to the launcher.
    pub fn set_open(&self, open: bool) -> Result<(), JsValue> {
        self.window.set_hidden(!open);
        attr(
            &self.launcher,
            "aria-expanded",
            if open { "true" } else { "false" },
        )?;
        self.doc
            .body()
            .map(|b| b.class_list().toggle_with_force("open", open))
            .transpose()?;
        if open {
            self.input.focus()?;
        } else {
            self.launcher.focus()?;
        }
        Ok(())
    }

    /// Shows `count` unread messages on the launcher (hidden at 0).
    pub fn set_unread(&self, locale: Locale, count: u32) -> Result<(), JsValue> {
        self.badge.set_hidden(count == 0);
        self.badge
            .set_text_content(Some(&count.min(99).to_string()));
        let label = if count == 0 {
            locale.text(Text::OpenChat).to_string()
        } else {
            format!(
                "{} ({})",
                locale.text(Text::OpenChat),
                locale.text(Text::Unread).replace("{n}", &count.to_string())
            )
        };
        attr(&self.launcher, "aria-label", &label)
    }

    /// Appends a message bubble (or updates the one with the same key) and returns its element.
    /// `text` is set as text, never parsed as HTML.
    pub fn upsert_message(
        &self,
        key: &str,
        author: Author,
        text: &str,
        time: &str,
        status: Option<&str>,
    ) -> Result<HtmlElement, JsValue> {
        let li: HtmlElement = match self.find_message(key) {
            Some(li) => li,
            None => {
                let li = el(&self.doc, "li", "")?;
                attr(&li, "data-key", key)?;
                self.list.append_child(&li)?;
                li
            }
        };
        li.set_class_name(match author {
            Author::Visitor => "message visitor",
            Author::Agent => "message agent",
        });
        li.set_text_content(None);
        let bubble = el(&self.doc, "p", "bubble")?;
        bubble.set_text_content(Some(text));
        li.append_child(&bubble)?;
        let meta = el(&self.doc, "p", "meta")?;
        meta.set_text_content(Some(&match status {
            Some(s) => format!("{time} · {s}"),
            None => time.to_string(),
        }));
        li.append_child(&meta)?;
        li.scroll_into_view();
        Ok(li)
    }

    /// The message element with `key`, if rendered.
    pub fn find_message(&self, key: &str) -> Option<HtmlElement> {
        let children = self.list.children();
        (0..children.length())
            .filter_map(|i| children.item(i))
            .find(|e| e.get_attribute("data-key").as_deref() == Some(key))
            .and_then(|e| e.dyn_into().ok())
    }

    /// Removes every message bubble.
    pub fn clear_messages(&self) {
        self.list.set_text_content(None);
    }

    /// Shows the typing indicator with `text`, or hides it.
    pub fn set_typing(&self, text: Option<&str>) {
        if let Some(t) = text {
            self.typing.set_text_content(Some(t));
        }
        self.typing.set_hidden(text.is_none());
    }

    /// Sets the header's subtitle.
    pub fn set_subtitle(&self, text: &str) {
        self.subtitle.set_text_content(Some(text));
    }

    /// Reads `text` to screen readers (polite).
    pub fn announce(&self, text: &str) {
        self.announcer.set_text_content(None);
        self.announcer.set_text_content(Some(text));
    }

    /// Appends a notice line (e.g. the conversation was resolved) to the thread, once per `key`.
    pub fn notice(&self, key: &str, text: &str) -> Result<(), JsValue> {
        if self.find_message(key).is_some() {
            return Ok(());
        }
        let li = el(&self.doc, "li", "notice")?;
        attr(&li, "data-key", key)?;
        li.set_text_content(Some(text));
        self.list.append_child(&li)?;
        li.scroll_into_view();
        Ok(())
    }

    /// Draws a platform message (insert, or replace the bubble with the same key in place):
    /// the sender's name on agent messages, the text (http(s) URLs as safe links), and the
    /// controls of interactive content types, disabled with the answer shown once answered.
    /// Everything from the message goes in as text or as checked attribute values.
    pub fn upsert_platform_message(
        &self,
        key: &str,
        m: &WidgetMessage,
        locale: Locale,
        time: &str,
    ) -> Result<HtmlElement, JsValue> {
        let (li, fresh) = match self.find_message(key) {
            Some(li) => (li, false),
            None => {
                let li = el(&self.doc, "li", "")?;
                attr(&li, "data-key", key)?;
                self.list.append_child(&li)?;
                (li, true)
            }
        };
        let agent = is_agent(m);
        li.set_class_name(if agent {
            "message agent"
        } else {
            "message visitor"
        });
        attr(&li, "data-mid", &m.id.to_string())?;
        attr(&li, "data-content-type", &m.content_type)?;
        li.set_text_content(None);
        if agent {
            let name = m
                .sender
                .as_ref()
                .map(|s| s.name.trim())
                .filter(|n| !n.is_empty())
                .unwrap_or(locale.text(Text::Agent));
            let sender = el(&self.doc, "p", "sender")?;
            sender.set_text_content(Some(name));
            li.append_child(&sender)?;
        }
        let text = m.content.as_deref().unwrap_or_default();
        if !text.is_empty() {
            let bubble = el(&self.doc, "p", "bubble")?;
            if agent {
                self.append_linked_text(&bubble, text, locale)?;
            } else {
                bubble.set_text_content(Some(text));
            }
            li.append_child(&bubble)?;
        }
        if agent {
            let answered = answer::is_answered(m);
            match m.content_type.as_str() {
                "input_select" => self.options(&li, m, answered)?,
                "cards" => self.cards(&li, m, locale)?,
                "form" => self.form(&li, m, locale, answered)?,
                "input_csat" => self.csat(&li, m, locale, answered)?,
                "article" => self.articles(&li, m, locale)?,
                _ => {}
            }
            if let Some(summary) = answer::answer_summary(m) {
                let p = el(&self.doc, "p", "answer")?;
                p.set_text_content(Some(&format!(
                    "✓ {}: {summary}",
                    locale.text(Text::Submitted)
                )));
                li.append_child(&p)?;
            }
        }
        let meta = el(&self.doc, "p", "meta")?;
        meta.set_text_content(Some(time));
        li.append_child(&meta)?;
        if fresh {
            li.scroll_into_view();
        }
        Ok(li)
    }

    fn append_linked_text(
        &self,
        parent: &HtmlElement,
        text: &str,
        locale: Locale,
    ) -> Result<(), JsValue> {
        for segment in answer::linkify(text) {
            match segment {
                Segment::Text(t) => {
                    parent.append_child(&self.doc.create_text_node(t))?;
                }
                Segment::Link(url) => {
                    let a = self.link(url, url, locale)?;
                    parent.append_child(&a)?;
                }
            }
        }
        Ok(())
    }

    /// A link to an http(s) URL (checked by the caller or here), opening in a new tab without
    /// an opener or referrer.
    fn link(&self, url: &str, text: &str, locale: Locale) -> Result<Element, JsValue> {
        let a = self.doc.create_element("a")?;
        if let Some(safe) = answer::safe_url(url) {
            attr(&a, "href", safe)?;
            attr(&a, "target", "_blank")?;
            attr(&a, "rel", "noopener noreferrer")?;
        }
        a.set_text_content(Some(text));
        let hint = el(&self.doc, "span", "sr-only")?;
        hint.set_text_content(Some(&format!(" {}", locale.text(Text::NewTab))));
        a.append_child(&hint)?;
        Ok(a)
    }

    fn button(&self, text: &str, action: &str, mid: u64) -> Result<HtmlElement, JsValue> {
        let b = el(&self.doc, "button", "")?;
        attr(&b, "type", "button")?;
        attr(&b, "data-action", action)?;
        attr(&b, "data-mid", &mid.to_string())?;
        b.set_text_content(Some(text));
        Ok(b)
    }

    fn options(&self, li: &HtmlElement, m: &WidgetMessage, answered: bool) -> Result<(), JsValue> {
        let group = el(&self.doc, "div", "options")?;
        attr(&group, "role", "group")?;
        if let Some(c) = m.content.as_deref().filter(|c| !c.is_empty()) {
            attr(&group, "aria-label", c)?;
        }
        let chosen = answer::chosen_values(m);
        for (i, item) in answer::items(m).iter().enumerate() {
            let title = item.title.as_deref().unwrap_or_default();
            let b = self.button(title, "select", m.id)?;
            attr(&b, "data-index", &i.to_string())?;
            let value = item.value.as_deref().unwrap_or(title);
            if answered {
                attr(&b, "disabled", "")?;
                let on = chosen.iter().any(|c| c == value);
                attr(&b, "aria-pressed", if on { "true" } else { "false" })?;
            }
            group.append_child(&b)?;
        }
        li.append_child(&group)?;
        Ok(())
    }

    fn cards(&self, li: &HtmlElement, m: &WidgetMessage, locale: Locale) -> Result<(), JsValue> {
        for (i, item) in answer::items(m).iter().enumerate() {
            let card = el(&self.doc, "div", "card")?;
            if let Some(src) = item.media_url.as_deref().and_then(answer::safe_url) {
                let img = self.doc.create_element("img")?;
                attr(&img, "src", src)?;
                attr(&img, "alt", item.title.as_deref().unwrap_or_default())?;
                attr(&img, "loading", "lazy")?;
                attr(&img, "referrerpolicy", "no-referrer")?;
                card.append_child(&img)?;
            }
            if let Some(t) = item.title.as_deref().filter(|t| !t.is_empty()) {
                let h = el(&self.doc, "h2", "")?;
                h.set_text_content(Some(t));
                card.append_child(&h)?;
            }
            if let Some(d) = item.description.as_deref().filter(|d| !d.is_empty()) {
                let p = el(&self.doc, "p", "")?;
                p.set_text_content(Some(d));
                card.append_child(&p)?;
            }
            let actions = el(&self.doc, "div", "actions")?;
            for (j, action) in item.actions.iter().flatten().enumerate() {
                match action.action_type {
                    ActionType::Link => {
                        if let Some(uri) = action.uri.as_deref().and_then(answer::safe_url) {
                            let text = if action.text.is_empty() {
                                uri
                            } else {
                                &action.text
                            };
                            let a = self.link(uri, text, locale)?;
                            actions.append_child(&a)?;
                        }
                    }
                    ActionType::Postback => {
                        let b = self.button(&action.text, "postback", m.id)?;
                        attr(&b, "data-index", &i.to_string())?;
                        attr(&b, "data-action-index", &j.to_string())?;
                        actions.append_child(&b)?;
                    }
                }
            }
            card.append_child(&actions)?;
            li.append_child(&card)?;
        }
        Ok(())
    }

    fn form(
        &self,
        li: &HtmlElement,
        m: &WidgetMessage,
        locale: Locale,
        answered: bool,
    ) -> Result<(), JsValue> {
        let form = el(&self.doc, "form", "form")?;
        attr(&form, "novalidate", "")?;
        attr(&form, "data-action", "form")?;
        attr(&form, "data-mid", &m.id.to_string())?;
        let submitted: Vec<(String, String)> = match answer::attributes(m).submitted_values {
            Some(crate::model::SubmittedValues::List(l)) => l
                .into_iter()
                .filter_map(|v| Some((v.name?, v.value)))
                .collect(),
            _ => Vec::new(),
        };
        for (i, item) in answer::items(m).iter().enumerate() {
            let Some(name) = item.name.as_deref().filter(|n| !n.is_empty()) else {
                continue;
            };
            let id = format!("f{}-{i}", m.id);
            let label = el(&self.doc, "label", "")?;
            attr(&label, "for", &id)?;
            let text = item
                .label
                .as_deref()
                .or(item.title.as_deref())
                .unwrap_or(name);
            label.set_text_content(Some(text));
            let required = item.required.unwrap_or(false);
            if required {
                let star = el(&self.doc, "span", "required")?;
                attr(&star, "aria-hidden", "true")?;
                star.set_text_content(Some(" *"));
                label.append_child(&star)?;
            }
            form.append_child(&label)?;
            let control = self.field(item)?;
            control.set_id(&id);
            attr(&control, "name", name)?;
            if required {
                attr(&control, "required", "")?;
                attr(&control, "aria-required", "true")?;
            }
            if let Some(p) = item.placeholder.as_deref().filter(|p| !p.is_empty()) {
                attr(&control, "placeholder", p)?;
            }
            let value = submitted
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .or(item.default.as_deref());
            if let Some(v) = value {
                js_sys::Reflect::set(&control, &"value".into(), &v.into())?;
            }
            let error = el(&self.doc, "p", "error")?;
            error.set_id(&format!("{id}-err"));
            error.set_hidden(true);
            attr(&control, "aria-describedby", &format!("{id}-err"))?;
            if answered {
                attr(&control, "disabled", "")?;
            }
            form.append_child(&control)?;
            form.append_child(&error)?;
        }
        let submit = el(&self.doc, "button", "")?;
        attr(&submit, "type", "submit")?;
        submit.set_text_content(Some(locale.text(Text::Submit)));
        if answered {
            attr(&submit, "disabled", "")?;
        }
        form.append_child(&submit)?;
        li.append_child(&form)?;
        Ok(())
    }

    fn field(&self, item: &ContentItem) -> Result<HtmlElement, JsValue> {
        let kind = answer::field_kind(item);
        Ok(match kind {
            FieldKind::Textarea => {
                let t = el(&self.doc, "textarea", "")?;
                attr(&t, "rows", "3")?;
                attr(&t, "maxlength", &answer::MAX_FIELD_CHARS.to_string())?;
                t
            }
            FieldKind::Select => {
                let s = el(&self.doc, "select", "")?;
                if !item.required.unwrap_or(false) || item.default.is_none() {
                    let empty = self.doc.create_element("option")?;
                    attr(&empty, "value", "")?;
                    s.append_child(&empty)?;
                }
                for o in item.options.iter().flatten() {
                    let opt = self.doc.create_element("option")?;
                    attr(&opt, "value", &o.value)?;
                    opt.set_text_content(Some(&o.label));
                    s.append_child(&opt)?;
                }
                s
            }
            FieldKind::Text | FieldKind::Email | FieldKind::Number => {
                let i = el(&self.doc, "input", "")?;
                let (ty, mode, auto) = match kind {
                    FieldKind::Email => ("email", "email", "email"),
                    FieldKind::Number => ("number", "decimal", "off"),
                    _ => ("text", "text", "on"),
                };
                attr(&i, "type", ty)?;
                attr(&i, "inputmode", mode)?;
                attr(&i, "autocomplete", auto)?;
                attr(&i, "maxlength", &answer::MAX_FIELD_CHARS.to_string())?;
                i
            }
        })
    }

    fn csat(
        &self,
        li: &HtmlElement,
        m: &WidgetMessage,
        locale: Locale,
        answered: bool,
    ) -> Result<(), JsValue> {
        let box_ = el(&self.doc, "div", "csat")?;
        attr(&box_, "data-mid", &m.id.to_string())?;
        let prompt = el(&self.doc, "p", "")?;
        let prompt_id = format!("csat-{}", m.id);
        prompt.set_id(&prompt_id);
        prompt.set_text_content(Some(locale.text(Text::RateConversation)));
        box_.append_child(&prompt)?;
        let group = el(&self.doc, "div", "options rating")?;
        attr(&group, "role", "group")?;
        attr(&group, "aria-labelledby", &prompt_id)?;
        let chosen = answer::chosen_rating(m);
        for n in 1..=5u8 {
            let b = self.button(&n.to_string(), "rate", m.id)?;
            attr(&b, "data-rating", &n.to_string())?;
            attr(
                &b,
                "aria-label",
                &locale.text(Text::Rating).replace("{n}", &n.to_string()),
            )?;
            attr(
                &b,
                "aria-pressed",
                if chosen == Some(n) { "true" } else { "false" },
            )?;
            if answered {
                attr(&b, "disabled", "")?;
            }
            group.append_child(&b)?;
        }
        box_.append_child(&group)?;
        let id = format!("csat-{}-feedback", m.id);
        let label = el(&self.doc, "label", "")?;
        attr(&label, "for", &id)?;
        label.set_text_content(Some(locale.text(Text::Feedback)));
        let feedback = el(&self.doc, "textarea", "")?;
        feedback.set_id(&id);
        attr(&feedback, "rows", "2")?;
        attr(
            &feedback,
            "maxlength",
            &answer::MAX_FEEDBACK_CHARS.to_string(),
        )?;
        let submit = self.button(locale.text(Text::Submit), "csat", m.id)?;
        if answered {
            attr(&feedback, "disabled", "")?;
            attr(&submit, "disabled", "")?;
        } else {
            box_.append_child(&label)?;
            box_.append_child(&feedback)?;
            box_.append_child(&submit)?;
        }
        li.append_child(&box_)?;
        Ok(())
    }

    fn articles(&self, li: &HtmlElement, m: &WidgetMessage, locale: Locale) -> Result<(), JsValue> {
        let list = el(&self.doc, "ul", "articles")?;
        for item in answer::items(m) {
            let Some(url) = item.link.as_deref().and_then(answer::safe_url) else {
                continue;
            };
            let entry = el(&self.doc, "li", "")?;
            let title = item.title.as_deref().unwrap_or(url);
            let a = self.link(url, title, locale)?;
            entry.append_child(&a)?;
            if let Some(d) = item.description.as_deref().filter(|d| !d.is_empty()) {
                let p = el(&self.doc, "p", "")?;
                p.set_text_content(Some(d));
                entry.append_child(&p)?;
            }
            list.append_child(&entry)?;
        }
        li.append_child(&list)?;
        Ok(())
    }

    /// Marks the form fields of message `mid` that do not validate (and clears the others);
    /// focus moves to the first bad one.
    pub fn show_field_errors(
        &self,
        mid: u64,
        m: &WidgetMessage,
        problems: &[(String, FieldProblem)],
        locale: Locale,
    ) -> Result<(), JsValue> {
        let mut first: Option<HtmlElement> = None;
        for (i, item) in answer::items(m).iter().enumerate() {
            let id = format!("f{mid}-{i}");
            let (Some(control), Some(error)) = (
                self.doc.get_element_by_id(&id),
                self.doc.get_element_by_id(&format!("{id}-err")),
            ) else {
                continue;
            };
            let problem = problems
                .iter()
                .find(|(n, _)| Some(n.as_str()) == item.name.as_deref())
                .map(|(_, p)| *p);
            let error: HtmlElement = error.dyn_into()?;
            match problem {
                Some(p) => {
                    attr(&control, "aria-invalid", "true")?;
                    error.set_text_content(Some(locale.text(match p {
                        FieldProblem::Required => Text::FieldRequired,
                        FieldProblem::Email => Text::FieldEmail,
                        FieldProblem::Number => Text::FieldNumber,
                        FieldProblem::Invalid => Text::FieldInvalid,
                    })));
                    if let (Some(msg), FieldProblem::Invalid) =
                        (item.pattern_error.as_deref().filter(|e| !e.is_empty()), p)
                    {
                        error.set_text_content(Some(msg));
                    }
                    error.set_hidden(false);
                    if first.is_none() {
                        first = control.dyn_into().ok();
                    }
                }
                None => {
                    control.remove_attribute("aria-invalid")?;
                    error.set_hidden(true);
                }
            }
        }
        if let Some(c) = first {
            c.focus()?;
        }
        Ok(())
    }

    /// Disables (or re-enables) every control of the message element `li` while its answer is
    /// on the way.
    pub fn set_busy(&self, li: &Element, busy: bool) -> Result<(), JsValue> {
        attr(li, "aria-busy", if busy { "true" } else { "false" })?;
        let controls = li.query_selector_all("button, input, select, textarea")?;
        for i in 0..controls.length() {
            if let Some(c) = controls.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                if busy {
                    attr(&c, "disabled", "")?;
                } else {
                    c.remove_attribute("disabled")?;
                }
            }
        }
        Ok(())
    }

    /// Shows an error line in the message element `li` (an `alert`), replacing an earlier one.
    pub fn message_error(&self, li: &Element, text: &str) -> Result<(), JsValue> {
        if let Some(old) = li.query_selector(".answer-error")? {
            old.remove();
        }
        let p = el(&self.doc, "p", "error answer-error")?;
        attr(&p, "role", "alert")?;
        p.set_text_content(Some(text));
        li.append_child(&p)?;
        Ok(())
    }
}
