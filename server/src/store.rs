//! SQLite persistence: contacts, conversations, messages, events, webhooks and deliveries.
//!
//! One connection in WAL mode behind a mutex; every call runs on tokio's blocking pool
//! ([`Store::with`]). Each request that writes does so in one transaction, so a failure leaves
//! nothing half-stored.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;

/// A storage failure.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// A stored JSON column did not parse.
    Json(serde_json::Error),
    /// The blocking task died.
    Join(String),
    /// A domain rule failed inside a transaction (mapped to an API error by the caller).
    Api(crate::error::ApiError),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "sqlite: {e}"),
            StoreError::Json(e) => write!(f, "stored json: {e}"),
            StoreError::Join(e) => write!(f, "blocking task: {e}"),
            StoreError::Api(e) => write!(f, "{}", e.error),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

impl From<crate::error::ApiError> for StoreError {
    fn from(e: crate::error::ApiError) -> Self {
        StoreError::Api(e)
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  identifier TEXT,
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS contact_inboxes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  inbox_id INTEGER NOT NULL,
  source_id TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  contact_inbox_id INTEGER NOT NULL REFERENCES contact_inboxes(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  inbox_id INTEGER NOT NULL,
  status TEXT NOT NULL,
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  additional_attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_ci ON conversations(contact_inbox_id, id);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  content TEXT,
  message_type INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  content_attributes TEXT NOT NULL DEFAULT '{}',
  reply_to INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  url TEXT NOT NULL,
  subscriptions TEXT NOT NULL,
  secret TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES events(id),
  webhook_id INTEGER NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE(event_id, webhook_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_attempt_at);
CREATE TABLE IF NOT EXISTS delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id),
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_delivery ON delivery_attempts(delivery_id, attempt);
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  available_name TEXT NOT NULL,
  avatar_url TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS live_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  contact_inbox_id INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL,
  frame TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS live_events_by_ci ON live_events(contact_inbox_id, seq);
CREATE INDEX IF NOT EXISTS events_triggered_by_ci ON events(json_extract(payload, '$.id'))
  WHERE name = 'webwidget_triggered';
"#;

/// Columns added after the first schema: `(table, column, definition)`. Applied with
/// `ALTER TABLE … ADD COLUMN` when missing, so an older data directory keeps working.
const ADDED_COLUMNS: [(&str, &str, &str); 7] = [
    ("conversations", "assignee_id", "INTEGER"),
    ("conversations", "labels", "TEXT NOT NULL DEFAULT '[]'"),
    ("conversations", "priority", "TEXT"),
    ("conversations", "snoozed_until", "TEXT"),
    ("messages", "sender_id", "INTEGER"),
    ("messages", "private", "INTEGER NOT NULL DEFAULT 0"),
    ("messages", "updated_at", "INTEGER"),
];

/// The demo account's agents, seeded at every start (ids are stable).
pub const DEMO_AGENTS: [(i64, &str, &str, &str); 3] = [
    (1, "Ana Souza", "ana@evolvy.example", "Ana"),
    (2, "Bruno Lima", "bruno@evolvy.example", "Bruno"),
    (3, "Carla Mendes", "carla@evolvy.example", "Carla"),
];

fn migrate(conn: &Connection) -> StoreResult<()> {
    for (table, column, def) in ADDED_COLUMNS {
        let exists: bool = conn.query_row(
            &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {def}"))?;
        }
    }
    for (id, name, email, available) in DEMO_AGENTS {
        conn.execute(
            "INSERT INTO users (id, name, email, available_name) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO NOTHING",
            params![id, name, email, available],
        )?;
    }
    Ok(())
}

/// The database handle (cheap to clone).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) `evolvy.sqlite3` in `data_dir`, in WAL mode, and applies the schema.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        let conn = Connection::open(data_dir.join("evolvy.sqlite3"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn with<F, R>(&self, f: F) -> StoreResult<R>
    where
        F: FnOnce(&mut Connection) -> StoreResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = match conn.lock() {
                Ok(g) => g,
                // A panic while holding the lock cannot leave a transaction open (rusqlite rolls
                // back on drop), so the connection is still usable.
                Err(poisoned) => poisoned.into_inner(),
            };
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Runs `f` inside one transaction, committed only when `f` succeeds.
    pub async fn tx<F, R>(&self, f: F) -> StoreResult<R>
    where
        F: FnOnce(&Transaction<'_>) -> StoreResult<R> + Send + 'static,
        R: Send + 'static,
    {
        self.with(move |c| {
            let tx = c.transaction()?;
            let r = f(&tx)?;
            tx.commit()?;
            Ok(r)
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Contacts and conversations

/// A stored contact.
#[derive(Debug, Clone, Serialize)]
pub struct ContactRow {
    /// Contact id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// External identifier.
    pub identifier: Option<String>,
    /// Custom attributes.
    pub custom_attributes: Value,
    /// Additional attributes.
    pub additional_attributes: Value,
    /// Unix ms.
    pub created_at: i64,
}

/// A stored contact_inbox (the visitor in one inbox).
#[derive(Debug, Clone, Serialize)]
pub struct ContactInboxRow {
    /// contact_inbox id.
    pub id: i64,
    /// Contact id.
    pub contact_id: i64,
    /// Inbox id.
    pub inbox_id: i64,
    /// Source id (the token subject).
    pub source_id: String,
    /// Unix ms.
    pub created_at: i64,
}

/// A stored conversation.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationRow {
    /// Conversation id (also the display id: there is one account).
    pub id: i64,
    /// contact_inbox id.
    pub contact_inbox_id: i64,
    /// Contact id.
    pub contact_id: i64,
    /// Inbox id.
    pub inbox_id: i64,
    /// Status, e.g. "open".
    pub status: String,
    /// Custom attributes.
    pub custom_attributes: Value,
    /// Additional attributes.
    pub additional_attributes: Value,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// The assigned agent's user id.
    pub assignee_id: Option<i64>,
    /// Labels, in the order they were set.
    pub labels: Vec<String>,
    /// `low`, `medium`, `high`, `urgent` or none.
    pub priority: Option<String>,
    /// ISO-8601 end of the snooze (status `snoozed` only).
    pub snoozed_until: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    /// Message id.
    pub id: i64,
    /// Conversation id.
    pub conversation_id: i64,
    /// Text.
    pub content: Option<String>,
    /// 0 incoming, 1 outgoing, 2 activity, 3 template.
    pub message_type: u8,
    /// Content type.
    pub content_type: String,
    /// Content attributes.
    pub content_attributes: Value,
    /// Id of the message replied to.
    pub reply_to: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
    /// The agent (user id) who wrote an outgoing message; none for the visitor's.
    pub sender_id: Option<i64>,
    /// A private note (agents only; never shown to the visitor).
    pub private: bool,
    /// Unix ms of the last change (the creation time until edited or answered).
    pub updated_at: i64,
}

fn json_col(s: String) -> Value {
    serde_json::from_str(&s).unwrap_or(Value::Null)
}

/// Inserts a new, anonymous contact and its contact_inbox.
pub fn create_contact(
    tx: &Transaction<'_>,
    inbox_id: i64,
    name: &str,
    source_id: &str,
) -> StoreResult<(ContactRow, ContactInboxRow)> {
    let now = now_ms();
    tx.execute(
        "INSERT INTO contacts (name, created_at) VALUES (?1, ?2)",
        params![name, now],
    )?;
    let contact_id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![contact_id, inbox_id, source_id, now],
    )?;
    let ci_id = tx.last_insert_rowid();
    let contact = get_contact(tx, contact_id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok((
        contact,
        ContactInboxRow {
            id: ci_id,
            contact_id,
            inbox_id,
            source_id: source_id.to_owned(),
            created_at: now,
        },
    ))
}

/// A contact by id.
pub fn get_contact(c: &Connection, id: i64) -> StoreResult<Option<ContactRow>> {
    Ok(c.query_row(
        "SELECT id, name, email, phone_number, identifier, custom_attributes, additional_attributes, created_at
         FROM contacts WHERE id = ?1",
        [id],
        |r| {
            Ok(ContactRow {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
                phone_number: r.get(3)?,
                identifier: r.get(4)?,
                custom_attributes: json_col(r.get(5)?),
                additional_attributes: json_col(r.get(6)?),
                created_at: r.get(7)?,
            })
        },
    )
    .optional()?)
}

/// Updates the contact's name, email and phone number where given.
pub fn update_contact_details(
    c: &Connection,
    id: i64,
    name: Option<&str>,
    email: Option<&str>,
    phone_number: Option<&str>,
) -> StoreResult<()> {
    c.execute(
        "UPDATE contacts SET name = COALESCE(?2, name), email = COALESCE(?3, email),
         phone_number = COALESCE(?4, phone_number) WHERE id = ?1",
        params![id, name, email, phone_number],
    )?;
    Ok(())
}

/// The contact_inbox with this id.
pub fn get_contact_inbox(c: &Connection, id: i64) -> StoreResult<Option<ContactInboxRow>> {
    contact_inbox_where(c, "id = ?1", &id)
}

/// The contact_inbox with this source id.
pub fn find_contact_inbox(c: &Connection, source_id: &str) -> StoreResult<Option<ContactInboxRow>> {
    contact_inbox_where(c, "source_id = ?1", &source_id)
}

fn contact_inbox_where(
    c: &Connection,
    cond: &str,
    arg: &dyn rusqlite::ToSql,
) -> StoreResult<Option<ContactInboxRow>> {
    Ok(c.query_row(
        &format!("SELECT id, contact_id, inbox_id, source_id, created_at FROM contact_inboxes WHERE {cond}"),
        [arg],
        |r| {
            Ok(ContactInboxRow {
                id: r.get(0)?,
                contact_id: r.get(1)?,
                inbox_id: r.get(2)?,
                source_id: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )
    .optional()?)
}

fn conversation_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: r.get(0)?,
        contact_inbox_id: r.get(1)?,
        contact_id: r.get(2)?,
        inbox_id: r.get(3)?,
        status: r.get(4)?,
        custom_attributes: json_col(r.get(5)?),
        additional_attributes: json_col(r.get(6)?),
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        assignee_id: r.get(9)?,
        labels: serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default(),
        priority: r.get(11)?,
        snoozed_until: r.get(12)?,
    })
}

const CONVERSATION_COLS: &str = "id, contact_inbox_id, contact_id, inbox_id, status, custom_attributes, additional_attributes, created_at, updated_at, assignee_id, labels, priority, snoozed_until";

/// A conversation by id.
pub fn get_conversation(c: &Connection, id: i64) -> StoreResult<Option<ConversationRow>> {
    Ok(c.query_row(
        &format!("SELECT {CONVERSATION_COLS} FROM conversations WHERE id = ?1"),
        [id],
        conversation_from_row,
    )
    .optional()?)
}

/// Every conversation, the most recently active first (activity: the last message, else the
/// last change).
pub fn list_conversations(c: &Connection) -> StoreResult<Vec<ConversationRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {CONVERSATION_COLS} FROM conversations cv ORDER BY
         MAX(cv.updated_at, COALESCE((SELECT MAX(created_at) FROM messages m WHERE m.conversation_id = cv.id), 0)) DESC,
         cv.id DESC"
    ))?;
    let rows = st.query_map([], conversation_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Writes the mutable attributes of a conversation (status, assignee, labels, priority, snooze,
/// custom attributes) and stamps `updated_at`.
pub fn save_conversation(tx: &Transaction<'_>, conv: &mut ConversationRow) -> StoreResult<()> {
    conv.updated_at = now_ms().max(conv.updated_at);
    tx.execute(
        "UPDATE conversations SET status = ?2, custom_attributes = ?3, assignee_id = ?4, labels = ?5,
         priority = ?6, snoozed_until = ?7, updated_at = ?8 WHERE id = ?1",
        params![
            conv.id,
            conv.status,
            conv.custom_attributes.to_string(),
            conv.assignee_id,
            serde_json::to_string(&conv.labels)?,
            conv.priority,
            conv.snoozed_until,
            conv.updated_at
        ],
    )?;
    Ok(())
}

/// The contact_inbox's latest conversation.
pub fn latest_conversation(
    c: &Connection,
    contact_inbox_id: i64,
) -> StoreResult<Option<ConversationRow>> {
    Ok(c.query_row(
        &format!(
            "SELECT {CONVERSATION_COLS} FROM conversations WHERE contact_inbox_id = ?1 ORDER BY id DESC LIMIT 1"
        ),
        [contact_inbox_id],
        conversation_from_row,
    )
    .optional()?)
}

/// Inserts a conversation.
pub fn create_conversation(
    tx: &Transaction<'_>,
    ci: &ContactInboxRow,
    custom_attributes: &Value,
    additional_attributes: &Value,
) -> StoreResult<ConversationRow> {
    let now = now_ms();
    tx.execute(
        "INSERT INTO conversations (contact_inbox_id, contact_id, inbox_id, status, custom_attributes,
         additional_attributes, created_at, updated_at) VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6, ?6)",
        params![
            ci.id,
            ci.contact_id,
            ci.inbox_id,
            custom_attributes.to_string(),
            additional_attributes.to_string(),
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    get_conversation(tx, id)?
        .ok_or_else(|| StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
}

/// Inserts an incoming text message from the visitor.
pub fn create_incoming_message(
    tx: &Transaction<'_>,
    conversation_id: i64,
    content: &str,
    reply_to: Option<i64>,
) -> StoreResult<MessageRow> {
    let now = now_ms();
    tx.execute(
        "INSERT INTO messages (conversation_id, content, message_type, content_type, content_attributes,
         reply_to, created_at) VALUES (?1, ?2, 0, 'text', '{}', ?3, ?4)",
        params![conversation_id, content, reply_to, now],
    )?;
    tx.execute(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation_id, now],
    )?;
    Ok(MessageRow {
        id: tx.last_insert_rowid(),
        conversation_id,
        content: Some(content.to_owned()),
        message_type: 0,
        content_type: "text".into(),
        content_attributes: Value::Object(Default::default()),
        reply_to,
        created_at: now,
        sender_id: None,
        private: false,
        updated_at: now,
    })
}

/// Inserts an outgoing message written by agent `sender_id`.
pub fn create_outgoing_message(
    tx: &Transaction<'_>,
    conversation_id: i64,
    content: Option<&str>,
    content_type: &str,
    content_attributes: &Value,
    private: bool,
    sender_id: i64,
) -> StoreResult<MessageRow> {
    let now = now_ms();
    tx.execute(
        "INSERT INTO messages (conversation_id, content, message_type, content_type, content_attributes,
         created_at, updated_at, sender_id, private) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?5, ?6, ?7)",
        params![
            conversation_id,
            content,
            content_type,
            content_attributes.to_string(),
            now,
            sender_id,
            private
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation_id, now],
    )?;
    get_message(tx, id)?.ok_or_else(|| StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
}

/// Writes a message's content and content attributes and stamps `updated_at`.
pub fn update_message(tx: &Transaction<'_>, m: &mut MessageRow) -> StoreResult<()> {
    m.updated_at = now_ms().max(m.updated_at);
    tx.execute(
        "UPDATE messages SET content = ?2, content_attributes = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            m.id,
            m.content,
            m.content_attributes.to_string(),
            m.updated_at
        ],
    )?;
    Ok(())
}

const MESSAGE_COLS: &str = "id, conversation_id, content, message_type, content_type, content_attributes, reply_to, created_at, sender_id, private, updated_at";

fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    let created_at: i64 = r.get(7)?;
    Ok(MessageRow {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        content: r.get(2)?,
        message_type: r.get(3)?,
        content_type: r.get(4)?,
        content_attributes: json_col(r.get(5)?),
        reply_to: r.get(6)?,
        created_at,
        sender_id: r.get(8)?,
        private: r.get(9)?,
        updated_at: r.get::<_, Option<i64>>(10)?.unwrap_or(created_at),
    })
}

/// A message by id.
pub fn get_message(c: &Connection, id: i64) -> StoreResult<Option<MessageRow>> {
    Ok(c.query_row(
        &format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1"),
        [id],
        message_from_row,
    )
    .optional()?)
}

/// Whether a message exists in this conversation.
pub fn message_in_conversation(c: &Connection, conversation_id: i64, id: i64) -> StoreResult<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM messages WHERE id = ?1 AND conversation_id = ?2",
        params![id, conversation_id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The conversation's messages, oldest first.
pub fn list_messages(c: &Connection, conversation_id: i64) -> StoreResult<Vec<MessageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {MESSAGE_COLS} FROM messages WHERE conversation_id = ?1 ORDER BY id"
    ))?;
    let rows = st.query_map([conversation_id], message_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------------------------------------
// Agents

/// An agent of the demo account.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// User id.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// Email.
    pub email: String,
    /// The name shown to visitors.
    pub available_name: String,
    /// Avatar URL (may be empty).
    pub avatar_url: String,
}

/// Every agent, by id.
pub fn list_users(c: &Connection) -> StoreResult<Vec<UserRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, name, email, available_name, avatar_url FROM users ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(UserRow {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            available_name: r.get(3)?,
            avatar_url: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------------------------------------
// The widget's live stream

/// A stored live frame (the JSON of a `LiveFrame`, `seq` included).
#[derive(Debug, Clone)]
pub struct LiveRow {
    /// Sequence number, increasing across the backend.
    pub seq: i64,
    /// Whose stream it belongs to.
    pub contact_inbox_id: i64,
    /// The frame's JSON.
    pub frame: String,
}

/// Stores a live frame for the visitor `contact_inbox_id`; `frame` builds its JSON from the
/// new sequence number.
pub fn insert_live(
    tx: &Transaction<'_>,
    contact_inbox_id: i64,
    conversation_id: i64,
    frame: impl FnOnce(i64) -> StoreResult<String>,
) -> StoreResult<LiveRow> {
    tx.execute(
        "INSERT INTO live_events (contact_inbox_id, conversation_id, frame, created_at)
         VALUES (?1, ?2, '', ?3)",
        params![contact_inbox_id, conversation_id, now_ms()],
    )?;
    let seq = tx.last_insert_rowid();
    let json = frame(seq)?;
    tx.execute(
        "UPDATE live_events SET frame = ?2 WHERE seq = ?1",
        params![seq, json],
    )?;
    Ok(LiveRow {
        seq,
        contact_inbox_id,
        frame: json,
    })
}

/// The visitor's live frames with `seq > after`, in order.
pub fn live_after(c: &Connection, contact_inbox_id: i64, after: i64) -> StoreResult<Vec<LiveRow>> {
    let mut st = c.prepare_cached(
        "SELECT seq, contact_inbox_id, frame FROM live_events
         WHERE contact_inbox_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = st.query_map(params![contact_inbox_id, after], |r| {
        Ok(LiveRow {
            seq: r.get(0)?,
            contact_inbox_id: r.get(1)?,
            frame: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------------------------------------
// Events

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// Produced by this server from a widget API call.
    Widget,
    /// Posted to `/webhooks/receive` by the module's webhook transport.
    Received,
}

impl EventSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Widget => "widget",
            EventSource::Received => "received",
        }
    }
}

/// A stored event.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    /// Row id (monotonic).
    pub id: i64,
    /// Unique id (the webhook-id for received events).
    pub uid: String,
    /// Event name.
    pub name: String,
    /// "widget" or "received".
    pub source: String,
    /// The payload.
    pub payload: Value,
    /// Unix ms.
    pub received_at: i64,
}

/// Inserts an event unless one with `uid` exists (then returns `None`), and queues a delivery to
/// every webhook subscribed to `name`. Returns the event and how many deliveries were queued.
pub fn insert_event(
    tx: &Transaction<'_>,
    uid: &str,
    name: &str,
    source: EventSource,
    payload: &Value,
) -> StoreResult<Option<(EventRow, usize)>> {
    let now = now_ms();
    let inserted = tx.execute(
        "INSERT INTO events (uid, name, source, payload, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(uid) DO NOTHING",
        params![uid, name, source.as_str(), payload.to_string(), now],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let event_id = tx.last_insert_rowid();
    let hooks = list_webhooks(tx)?;
    let mut queued = 0;
    for h in hooks
        .iter()
        .filter(|h| h.subscriptions.iter().any(|s| s == name))
    {
        tx.execute(
            "INSERT INTO deliveries (id, event_id, webhook_id, url, secret, status, attempts, next_attempt_at,
             created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6)",
            params![
                uuid::Uuid::new_v4().to_string(),
                event_id,
                h.id,
                h.url,
                h.secret,
                now
            ],
        )?;
        queued += 1;
    }
    Ok(Some((
        EventRow {
            id: event_id,
            uid: uid.to_owned(),
            name: name.to_owned(),
            source: source.as_str().to_owned(),
            payload: payload.clone(),
            received_at: now,
        },
        queued,
    )))
}

/// The newest events first, at most `limit`, optionally only those older than `before` (row id).
pub fn list_events(c: &Connection, limit: u32, before: Option<i64>) -> StoreResult<Vec<EventRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, uid, name, source, payload, received_at FROM events
         WHERE (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = st.query_map(params![limit, before], |r| {
        Ok(EventRow {
            id: r.get(0)?,
            uid: r.get(1)?,
            name: r.get(2)?,
            source: r.get(3)?,
            payload: json_col(r.get(4)?),
            received_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many events are stored.
pub fn count_events(c: &Connection) -> StoreResult<i64> {
    Ok(c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?)
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// A webhook subscription.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookRow {
    /// Webhook id.
    pub id: i64,
    /// Owning account.
    pub account_id: i64,
    /// Target URL.
    pub url: String,
    /// Subscribed event names.
    pub subscriptions: Vec<String>,
    /// HMAC secret for `X-Evolvy-Signature`.
    pub secret: String,
    /// "api" or "file".
    pub origin: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Every webhook.
pub fn list_webhooks(c: &Connection) -> StoreResult<Vec<WebhookRow>> {
    let mut st = c.prepare_cached(
        "SELECT id, account_id, url, subscriptions, secret, origin, created_at FROM webhooks ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, account_id, url, subs, secret, origin, created_at) = row?;
        out.push(WebhookRow {
            id,
            account_id,
            url,
            subscriptions: serde_json::from_str(&subs)?,
            secret,
            origin,
            created_at,
        });
    }
    Ok(out)
}

/// Inserts a webhook.
pub fn insert_webhook(
    c: &Connection,
    account_id: i64,
    url: &str,
    subscriptions: &[String],
    secret: &str,
    origin: &str,
) -> StoreResult<WebhookRow> {
    let now = now_ms();
    c.execute(
        "INSERT INTO webhooks (account_id, url, subscriptions, secret, origin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            account_id,
            url,
            serde_json::to_string(subscriptions)?,
            secret,
            origin,
            now
        ],
    )?;
    Ok(WebhookRow {
        id: c.last_insert_rowid(),
        account_id,
        url: url.to_owned(),
        subscriptions: subscriptions.to_vec(),
        secret: secret.to_owned(),
        origin: origin.to_owned(),
        created_at: now,
    })
}

/// Deletes a webhook of the account; true when one was deleted. Its pending deliveries are
/// cancelled.
pub fn delete_webhook(c: &Connection, account_id: i64, id: i64) -> StoreResult<bool> {
    let n = c.execute(
        "DELETE FROM webhooks WHERE id = ?1 AND account_id = ?2",
        params![id, account_id],
    )?;
    if n > 0 {
        c.execute(
            "UPDATE deliveries SET status = 'cancelled', updated_at = ?2
             WHERE webhook_id = ?1 AND status = 'pending'",
            params![id, now_ms()],
        )?;
    }
    Ok(n > 0)
}

/// Deletes every webhook that came from the config file.
pub fn delete_file_webhooks(c: &Connection) -> StoreResult<()> {
    c.execute(
        "UPDATE deliveries SET status = 'cancelled', updated_at = ?1
         WHERE status = 'pending' AND webhook_id IN (SELECT id FROM webhooks WHERE origin = 'file')",
        [now_ms()],
    )?;
    c.execute("DELETE FROM webhooks WHERE origin = 'file'", [])?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Deliveries

/// A delivery of one event to one webhook.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRow {
    /// Delivery id, sent as `X-Evolvy-Delivery` (stable across retries).
    pub id: String,
    /// Event row id.
    pub event_id: i64,
    /// Event name.
    pub event: String,
    /// Webhook id.
    pub webhook_id: i64,
    /// Target URL.
    pub url: String,
    /// "pending", "delivered", "failed" or "cancelled".
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// Unix ms of the next attempt (pending only).
    pub next_attempt_at: i64,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Error of the last attempt.
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Every attempt, oldest first (filled by [`list_deliveries`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempt_log: Vec<AttemptRow>,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptRow {
    /// 1-based attempt number.
    pub attempt: u32,
    /// Unix ms.
    pub at: i64,
    /// HTTP status, when there was a response.
    pub status_code: Option<u16>,
    /// Transport error, when there was no response (or the status was not 2xx).
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i64,
}

/// What the relay needs to make an attempt.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Delivery id.
    pub id: String,
    /// Event name.
    pub event: String,
    /// The exact stored payload text.
    pub body: String,
    /// Target URL.
    pub url: String,
    /// HMAC secret.
    pub secret: String,
    /// Attempts made so far.
    pub attempts: u32,
}

const DELIVERY_COLS: &str =
    "d.id, d.event_id, e.name, d.webhook_id, d.url, d.status, d.attempts, d.next_attempt_at,
     d.last_status, d.last_error, d.created_at, d.updated_at";

fn delivery_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        event_id: r.get(1)?,
        event: r.get(2)?,
        webhook_id: r.get(3)?,
        url: r.get(4)?,
        status: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_status: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        attempt_log: Vec::new(),
    })
}

/// Pending deliveries due at `now`, oldest first, skipping `exclude` (in flight).
pub fn due_deliveries(
    c: &Connection,
    now: i64,
    limit: u32,
    exclude: &[String],
) -> StoreResult<Vec<DueDelivery>> {
    let mut st = c.prepare_cached(
        "SELECT d.id, e.name, e.payload, d.url, d.secret, d.attempts FROM deliveries d
         JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1
         ORDER BY d.next_attempt_at, d.created_at LIMIT ?2",
    )?;
    let rows = st.query_map(params![now, limit + exclude.len() as u32], |r| {
        Ok(DueDelivery {
            id: r.get(0)?,
            event: r.get(1)?,
            body: r.get(2)?,
            url: r.get(3)?,
            secret: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let d = row?;
        if !exclude.contains(&d.id) {
            out.push(d);
        }
        if out.len() >= limit as usize {
            break;
        }
    }
    Ok(out)
}

/// The earliest `next_attempt_at` of pending deliveries.
pub fn next_due_at(c: &Connection) -> StoreResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'",
        [],
        |r| r.get(0),
    )?)
}

/// Records an attempt and the delivery's new state (`next_attempt_at` only for `pending`).
#[allow(clippy::too_many_arguments)]
pub fn record_attempt(
    tx: &Transaction<'_>,
    delivery_id: &str,
    attempt: u32,
    at: i64,
    status_code: Option<u16>,
    error: Option<&str>,
    duration_ms: i64,
    new_status: &str,
    next_attempt_at: i64,
) -> StoreResult<Option<DeliveryRow>> {
    tx.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![delivery_id, attempt, at, status_code, error, duration_ms],
    )?;
    // A webhook deleted meanwhile cancelled the delivery: keep it cancelled.
    tx.execute(
        "UPDATE deliveries SET status = CASE WHEN status = 'cancelled' THEN status ELSE ?2 END,
         attempts = ?3, next_attempt_at = ?4, last_status = ?5, last_error = ?6, updated_at = ?7
         WHERE id = ?1",
        params![
            delivery_id,
            new_status,
            attempt,
            next_attempt_at,
            status_code,
            error,
            now_ms()
        ],
    )?;
    get_delivery(tx, delivery_id)
}

/// One delivery with its attempts.
pub fn get_delivery(c: &Connection, id: &str) -> StoreResult<Option<DeliveryRow>> {
    let d = c
        .query_row(
            &format!(
                "SELECT {DELIVERY_COLS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?1"
            ),
            [id],
            delivery_from_row,
        )
        .optional()?;
    match d {
        Some(mut d) => {
            d.attempt_log = attempts_of(c, &d.id)?;
            Ok(Some(d))
        }
        None => Ok(None),
    }
}

fn attempts_of(c: &Connection, delivery_id: &str) -> StoreResult<Vec<AttemptRow>> {
    let mut st = c.prepare_cached(
        "SELECT attempt, at, status_code, error, duration_ms FROM delivery_attempts
         WHERE delivery_id = ?1 ORDER BY attempt, id",
    )?;
    let rows = st.query_map([delivery_id], |r| {
        Ok(AttemptRow {
            attempt: r.get(0)?,
            at: r.get(1)?,
            status_code: r.get(2)?,
            error: r.get(3)?,
            duration_ms: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest deliveries first, each with its attempt log.
pub fn list_deliveries(c: &Connection, limit: u32) -> StoreResult<Vec<DeliveryRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {DELIVERY_COLS} FROM deliveries d JOIN events e ON e.id = d.event_id
         ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?1"
    ))?;
    let rows: Vec<DeliveryRow> = st
        .query_map([limit], delivery_from_row)?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for mut d in rows {
        d.attempt_log = attempts_of(c, &d.id)?;
        out.push(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data directory made before the agent side existed still opens, keeps its rows and
    /// gains the new columns.
    #[test]
    fn an_old_data_dir_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Connection::open(dir.path().join("evolvy.sqlite3")).unwrap();
            c.execute_batch(
                "CREATE TABLE contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT,
                   phone_number TEXT, identifier TEXT, custom_attributes TEXT NOT NULL DEFAULT '{}',
                   additional_attributes TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
                 CREATE TABLE contact_inboxes (id INTEGER PRIMARY KEY AUTOINCREMENT, contact_id INTEGER NOT NULL,
                   inbox_id INTEGER NOT NULL, source_id TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
                 CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, contact_inbox_id INTEGER NOT NULL,
                   contact_id INTEGER NOT NULL, inbox_id INTEGER NOT NULL, status TEXT NOT NULL,
                   custom_attributes TEXT NOT NULL DEFAULT '{}', additional_attributes TEXT NOT NULL DEFAULT '{}',
                   created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
                 CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id INTEGER NOT NULL,
                   content TEXT, message_type INTEGER NOT NULL, content_type TEXT NOT NULL,
                   content_attributes TEXT NOT NULL DEFAULT '{}', reply_to INTEGER, created_at INTEGER NOT NULL);
                 INSERT INTO contacts (name, created_at) VALUES ('Old', 1);
                 INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, created_at) VALUES (1, 1, 's', 1);
                 INSERT INTO conversations (contact_inbox_id, contact_id, inbox_id, status, created_at, updated_at)
                   VALUES (1, 1, 1, 'open', 1, 1);
                 INSERT INTO messages (conversation_id, content, message_type, content_type, created_at)
                   VALUES (1, 'kept', 0, 'text', 5);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let c = store.conn.lock().unwrap();
        let conv = get_conversation(&c, 1).unwrap().unwrap();
        assert_eq!((conv.assignee_id, conv.labels.len()), (None, 0));
        let m = &list_messages(&c, 1).unwrap()[0];
        assert_eq!(m.content.as_deref(), Some("kept"));
        assert_eq!((m.sender_id, m.private, m.updated_at), (None, false, 5));
        assert_eq!(list_users(&c).unwrap().len(), DEMO_AGENTS.len());
        drop(c);
        // Opening again is a no-op.
        Store::open(dir.path()).unwrap();
    }
}
