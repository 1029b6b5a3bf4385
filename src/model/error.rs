use std::fmt;

/// A payload that does not fit the model: `path` names the offending field
/// (e.g. `conversation.messages[0].sender.type`; empty for the document itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    /// Dotted path of the offending field.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl ModelError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() || self.path == "." {
            write!(f, "{}", self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ModelError {}
