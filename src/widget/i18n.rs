//! The widget's UI strings: one catalog, complete in Brazilian Portuguese, English and Spanish.
//!
//! The locale comes from `evolvySettings.locale`, else the browser's language, else English
//! ([`Locale::resolve`]); its [`Locale::code`] is what `widget_language` reports.

/// A supported UI locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Brazilian Portuguese (`pt_BR`), the platform's main audience.
    PtBr,
    /// English (`en`).
    En,
    /// Spanish (`es`).
    Es,
}

/// A UI string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Text {
    /// Launcher label (screen readers) when closed.
    OpenChat,
    /// Header title.
    Title,
    /// Header subtitle.
    Subtitle,
    /// Close button label.
    Close,
    /// Message list label.
    Messages,
    /// Composer placeholder and label.
    Placeholder,
    /// Send button.
    Send,
    /// Shown while a message is being sent.
    Sending,
    /// Shown when a message could not be sent.
    SendFailed,
    /// Empty conversation greeting.
    Welcome,
    /// Sender label for the visitor.
    You,
    /// Sender label for an agent without a name.
    Agent,
    /// Typing indicator.
    Typing,
    /// Unread badge label; `{n}` is replaced by the count.
    Unread,
    /// Shown while the chat loads.
    Loading,
    /// Shown when the widget had to disable itself.
    Unavailable,
    /// CSAT prompt.
    RateConversation,
    /// Submit button of forms and CSAT.
    Submit,
    /// Shown after an answer was submitted.
    Submitted,
    /// Feedback field of CSAT.
    Feedback,
    /// Typing indicator with the agent's name; `{name}` is replaced.
    TypingName,
    /// Notice shown when the conversation is resolved.
    Resolved,
    /// Header subtitle while an agent handles the conversation; `{name}` is replaced.
    AssignedTo,
    /// A required form field is empty.
    FieldRequired,
    /// A form field wants an email address.
    FieldEmail,
    /// A form field wants a number.
    FieldNumber,
    /// A form field's value is not accepted.
    FieldInvalid,
    /// Label of a CSAT rating button; `{n}` is replaced.
    Rating,
    /// Shown when an answer could not be sent.
    AnswerFailed,
    /// Screen-reader suffix of links that open a new tab.
    NewTab,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 3] = [Locale::PtBr, Locale::En, Locale::Es];

    /// The platform's locale code, reported as `widget_language`.
    pub const fn code(self) -> &'static str {
        match self {
            Locale::PtBr => "pt_BR",
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// The BCP 47 tag for `Intl` formatting.
    pub const fn bcp47(self) -> &'static str {
        match self {
            Locale::PtBr => "pt-BR",
            Locale::En => "en",
            Locale::Es => "es",
        }
    }

    /// Parses a locale code or language tag (`pt_BR`, `pt-br`, `pt`, `es-419`, `en-US`), if supported.
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "pt" => Some(Locale::PtBr),
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            _ => None,
        }
    }

    /// The configured locale, else the first supported browser language, else English.
    pub fn resolve<'a>(
        configured: Option<&str>,
        browser: impl IntoIterator<Item = &'a str>,
    ) -> Locale {
        configured
            .and_then(Locale::parse)
            .or_else(|| browser.into_iter().find_map(Locale::parse))
            .unwrap_or(Locale::En)
    }

    /// The string `text` in this locale.
    pub fn text(self, text: Text) -> &'static str {
        use Locale::*;
        use Text::*;
        match (self, text) {
            (PtBr, OpenChat) => "Abrir o chat",
            (En, OpenChat) => "Open chat",
            (Es, OpenChat) => "Abrir el chat",
            (PtBr, Title) => "Fale com a gente",
            (En, Title) => "Chat with us",
            (Es, Title) => "Habla con nosotros",
            (PtBr, Subtitle) => "Normalmente respondemos em poucos minutos",
            (En, Subtitle) => "We usually reply in a few minutes",
            (Es, Subtitle) => "Solemos responder en pocos minutos",
            (PtBr, Close) => "Fechar o chat",
            (En, Close) => "Close chat",
            (Es, Close) => "Cerrar el chat",
            (PtBr, Messages) => "Mensagens",
            (En, Messages) => "Messages",
            (Es, Messages) => "Mensajes",
            (PtBr, Placeholder) => "Escreva sua mensagem…",
            (En, Placeholder) => "Type your message…",
            (Es, Placeholder) => "Escribe tu mensaje…",
            (PtBr, Send) => "Enviar",
            (En, Send) => "Send",
            (Es, Send) => "Enviar",
            (PtBr, Sending) => "Enviando…",
            (En, Sending) => "Sending…",
            (Es, Sending) => "Enviando…",
            (PtBr, SendFailed) => "Não foi possível enviar. Tentaremos de novo.",
            (En, SendFailed) => "Could not send. We will try again.",
            (Es, SendFailed) => "No se pudo enviar. Lo intentaremos de nuevo.",
            (PtBr, Welcome) => "Olá! Como podemos ajudar?",
            (En, Welcome) => "Hi there! How can we help?",
            (Es, Welcome) => "¡Hola! ¿Cómo podemos ayudarte?",
            (PtBr, You) => "Você",
            (En, You) => "You",
            (Es, You) => "Tú",
            (PtBr, Agent) => "Atendente",
            (En, Agent) => "Agent",
            (Es, Agent) => "Agente",
            (PtBr, Typing) => "Digitando…",
            (En, Typing) => "Typing…",
            (Es, Typing) => "Escribiendo…",
            (PtBr, Unread) => "{n} mensagens não lidas",
            (En, Unread) => "{n} unread messages",
            (Es, Unread) => "{n} mensajes sin leer",
            (PtBr, Loading) => "Carregando…",
            (En, Loading) => "Loading…",
            (Es, Loading) => "Cargando…",
            (PtBr, Unavailable) => "O chat está indisponível no momento.",
            (En, Unavailable) => "The chat is unavailable right now.",
            (Es, Unavailable) => "El chat no está disponible en este momento.",
            (PtBr, RateConversation) => "Como foi o atendimento?",
            (En, RateConversation) => "How was the conversation?",
            (Es, RateConversation) => "¿Qué tal fue la atención?",
            (PtBr, Submit) => "Enviar",
            (En, Submit) => "Submit",
            (Es, Submit) => "Enviar",
            (PtBr, Submitted) => "Resposta enviada",
            (En, Submitted) => "Answer sent",
            (Es, Submitted) => "Respuesta enviada",
            (PtBr, Feedback) => "Comentário (opcional)",
            (En, Feedback) => "Feedback (optional)",
            (Es, Feedback) => "Comentario (opcional)",
            (PtBr, TypingName) => "{name} está digitando…",
            (En, TypingName) => "{name} is typing…",
            (Es, TypingName) => "{name} está escribiendo…",
            (PtBr, Resolved) => "Esta conversa foi encerrada. Escreva para reabri-la.",
            (En, Resolved) => "This conversation was resolved. Write to reopen it.",
            (Es, Resolved) => "Esta conversación fue cerrada. Escribe para reabrirla.",
            (PtBr, AssignedTo) => "{name} está atendendo você",
            (En, AssignedTo) => "{name} is handling your conversation",
            (Es, AssignedTo) => "{name} te está atendiendo",
            (PtBr, FieldRequired) => "Preencha este campo.",
            (En, FieldRequired) => "Please fill in this field.",
            (Es, FieldRequired) => "Completa este campo.",
            (PtBr, FieldEmail) => "Informe um e-mail válido.",
            (En, FieldEmail) => "Enter a valid email address.",
            (Es, FieldEmail) => "Introduce un correo válido.",
            (PtBr, FieldNumber) => "Informe um número.",
            (En, FieldNumber) => "Enter a number.",
            (Es, FieldNumber) => "Introduce un número.",
            (PtBr, FieldInvalid) => "Valor inválido.",
            (En, FieldInvalid) => "This value is not accepted.",
            (Es, FieldInvalid) => "Valor no válido.",
            (PtBr, Rating) => "{n} de 5",
            (En, Rating) => "{n} out of 5",
            (Es, Rating) => "{n} de 5",
            (PtBr, AnswerFailed) => "Não foi possível enviar a resposta. Tente de novo.",
            (En, AnswerFailed) => "Could not send the answer. Please try again.",
            (Es, AnswerFailed) => "No se pudo enviar la respuesta. Inténtalo de nuevo.",
            (PtBr, NewTab) => "(abre em nova aba)",
            (En, NewTab) => "(opens in a new tab)",
            (Es, NewTab) => "(se abre en una pestaña nueva)",
        }
    }
}

/// Every UI string key (for completeness checks).
pub const ALL_TEXTS: [Text; 30] = [
    Text::OpenChat,
    Text::Title,
    Text::Subtitle,
    Text::Close,
    Text::Messages,
    Text::Placeholder,
    Text::Send,
    Text::Sending,
    Text::SendFailed,
    Text::Welcome,
    Text::You,
    Text::Agent,
    Text::Typing,
    Text::Unread,
    Text::Loading,
    Text::Unavailable,
    Text::RateConversation,
    Text::Submit,
    Text::Submitted,
    Text::Feedback,
    Text::TypingName,
    Text::Resolved,
    Text::AssignedTo,
    Text::FieldRequired,
    Text::FieldEmail,
    Text::FieldNumber,
    Text::FieldInvalid,
    Text::Rating,
    Text::AnswerFailed,
    Text::NewTab,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_configured_then_browser_then_english() {
        assert_eq!(Locale::resolve(Some("pt_BR"), ["en-US"]), Locale::PtBr);
        assert_eq!(Locale::resolve(Some("fr"), ["es-419", "en"]), Locale::Es);
        assert_eq!(Locale::resolve(None, ["de-DE", "pt-PT"]), Locale::PtBr);
        assert_eq!(Locale::resolve(None, ["de"]), Locale::En);
        assert_eq!(Locale::resolve(Some(""), []), Locale::En);
    }

    #[test]
    fn every_string_is_translated_and_distinct_per_locale_where_it_should_be() {
        for locale in Locale::ALL {
            for text in ALL_TEXTS {
                assert!(!locale.text(text).trim().is_empty(), "{locale:?} {text:?}");
            }
        }
        // Portuguese and Spanish are not English copies.
        let differs = ALL_TEXTS
            .iter()
            .filter(|t| Locale::PtBr.text(**t) != Locale::En.text(**t))
            .count();
        assert!(differs >= ALL_TEXTS.len() - 1);
        assert!(Locale::En.text(Text::Unread).contains("{n}"));
        assert!(Locale::PtBr.text(Text::Unread).contains("{n}"));
        assert!(Locale::Es.text(Text::Unread).contains("{n}"));
        for locale in Locale::ALL {
            assert!(locale.text(Text::TypingName).contains("{name}"));
            assert!(locale.text(Text::AssignedTo).contains("{name}"));
            assert!(locale.text(Text::Rating).contains("{n}"));
        }
        assert_eq!(
            Locale::PtBr.text(Text::TypingName).replace("{name}", "Ana"),
            "Ana está digitando…"
        );
    }

    #[test]
    fn codes_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.code()), Some(locale));
            assert_eq!(Locale::parse(locale.bcp47()), Some(locale));
        }
    }
}
