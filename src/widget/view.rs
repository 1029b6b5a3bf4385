//! The chat window's DOM, built with web-sys. Every piece of visitor or agent text goes in through
//! `textContent`, never as HTML.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlTextAreaElement};

use super::i18n::{Locale, Text};

/// Who wrote a message, for styling and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The visitor (message_type incoming).
    Visitor,
    /// An agent or bot (message_type outgoing or template).
    Agent,
}

/// Handles to the widget's elements.
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
        attr(&list, "aria-live", "polite")?;
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

    /// Shows or hides the typing indicator.
    pub fn set_typing(&self, on: bool) {
        self.typing.set_hidden(!on);
    }
}
