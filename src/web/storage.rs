//! localStorage access for the delivery queue: snapshots and the per-queue lock.
//!
//! Layout under a prefix `P` (the `storageKey`, default `evolvy:queue`):
//! - `P:q:<queue id>`: a queue snapshot ([`crate::delivery::Machine::snapshot`]). Each tab owns
//!   one queue, named after the tab's random id.
//! - `P:lock:<queue id>`: `{"owner": <tab id>, "exp": <ms>}`, renewed by the owner while it
//!   lives and removed at `pagehide`. A queue whose lock is missing or expired is an orphan (its
//!   tab closed or reloaded); the next tab to see it takes the lock, checks it won, merges the
//!   deliveries (ids unchanged) into its own queue and deletes the orphan.

use serde::{Deserialize, Serialize};
use web_sys::Storage;

/// The lock record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// The tab holding it.
    pub owner: String,
    /// Expiry (ms since the epoch).
    pub exp: u64,
}

/// The queue area of localStorage under one prefix.
#[derive(Debug, Clone)]
pub struct QueueStore {
    storage: Storage,
    prefix: String,
}

impl QueueStore {
    /// Opens localStorage; `None` when the browser refuses it (private modes, sandboxed frames).
    pub fn open(prefix: &str) -> Option<Self> {
        let storage = web_sys::window()?.local_storage().ok()??;
        Some(Self {
            storage,
            prefix: prefix.to_string(),
        })
    }

    fn q_key(&self, qid: &str) -> String {
        format!("{}:q:{qid}", self.prefix)
    }

    fn lock_key(&self, qid: &str) -> String {
        format!("{}:lock:{qid}", self.prefix)
    }

    /// The snapshot of queue `qid`.
    pub fn load(&self, qid: &str) -> Option<String> {
        self.storage.get_item(&self.q_key(qid)).ok().flatten()
    }

    /// Writes the snapshot of queue `qid`; an error (quota) is returned as text.
    pub fn save(&self, qid: &str, snapshot: &str) -> Result<(), String> {
        self.storage
            .set_item(&self.q_key(qid), snapshot)
            .map_err(|e| format!("localStorage refused the queue: {e:?}"))
    }

    /// Deletes queue `qid` and its lock.
    pub fn remove(&self, qid: &str) {
        let _ = self.storage.remove_item(&self.q_key(qid));
        let _ = self.storage.remove_item(&self.lock_key(qid));
    }

    /// The lock of queue `qid`, if any and readable.
    pub fn lock(&self, qid: &str) -> Option<Lock> {
        let raw = self.storage.get_item(&self.lock_key(qid)).ok()??;
        serde_json::from_str(&raw).ok()
    }

    /// Takes (or renews) the lock of `qid` for `owner` unless another live tab holds it.
    /// Re-reads after writing, so of two tabs racing only the last writer believes it won.
    pub fn try_lock(&self, qid: &str, owner: &str, now_ms: u64, ttl_ms: u64) -> bool {
        if let Some(l) = self.lock(qid) {
            if l.owner != owner && l.exp > now_ms {
                return false;
            }
        }
        let rec = Lock {
            owner: owner.to_string(),
            exp: now_ms + ttl_ms,
        };
        let Ok(text) = serde_json::to_string(&rec) else {
            return false;
        };
        if self.storage.set_item(&self.lock_key(qid), &text).is_err() {
            return false;
        }
        self.lock(qid).is_some_and(|l| l.owner == owner)
    }

    /// Releases the lock of `qid` if `owner` holds it.
    pub fn unlock(&self, qid: &str, owner: &str) {
        if self.lock(qid).is_some_and(|l| l.owner == owner) {
            let _ = self.storage.remove_item(&self.lock_key(qid));
        }
    }

    /// Ids of every queue stored under the prefix.
    pub fn queue_ids(&self) -> Vec<String> {
        let head = format!("{}:q:", self.prefix);
        let n = self.storage.length().unwrap_or(0);
        (0..n)
            .filter_map(|i| self.storage.key(i).ok().flatten())
            .filter_map(|k| k.strip_prefix(&head).map(str::to_string))
            .collect()
    }
}
