use serde::{Deserialize, Serialize};

/// An account `{id, name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Account id.
    pub id: u64,
    /// Account name.
    #[serde(default)]
    pub name: String,
}

/// An inbox `{id, name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Inbox id.
    pub id: u64,
    /// Inbox name.
    #[serde(default)]
    pub name: String,
}

/// A team `{id, name}` (a conversation's `meta.team`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Team id.
    pub id: u64,
    /// Team name.
    #[serde(default)]
    pub name: String,
}
