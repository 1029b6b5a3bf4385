//! The live thread's state, pure and tested natively: what a [`LiveFrame`] changes (messages by
//! id, the highest applied `seq`, unread count, typing indicator, status, assignee), the
//! reconnect backoff of the stream, and the visitor's typing throttle. The wasm side
//! (`controller`) only turns the returned [`Effect`]s into DOM and network work.

use crate::model::widget_api::{LiveEvent, LiveFrame, TypingStatus, WidgetMessage, WidgetSender};

/// An agent's typing indicator hides by itself after this long without an `off` (ms).
pub const TYPING_TIMEOUT_MS: u64 = 30_000;
/// First reconnect delay of the live stream (ms).
pub const BACKOFF_BASE_MS: u64 = 1_000;
/// Longest reconnect delay of the live stream (ms).
pub const BACKOFF_MAX_MS: u64 = 30_000;
/// While the visitor types, `typing_status: on` is sent again at most this often (ms).
pub const TYPING_RESEND_MS: u64 = 3_000;
/// `typing_status: off` is sent after this long without a keystroke (ms).
pub const TYPING_IDLE_MS: u64 = 2_000;

/// Whether a message was written by the agent side (outgoing or template).
pub fn is_agent(m: &WidgetMessage) -> bool {
    matches!(m.message_type, 1 | 3)
}

/// What the widget must do after a frame was applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Draw this message (insert it, or update its bubble in place).
    Show(WidgetMessage),
    /// A new agent message: announce it to screen readers and fire `evolvy:on-message`.
    Arrived(WidgetMessage),
    /// The conversation's status changed.
    Status {
        /// The status before (None: not known yet).
        previous: Option<String>,
        /// The status now.
        current: String,
    },
    /// The assignee changed (None: unassigned).
    Assignee(Option<WidgetSender>),
    /// The typing indicator: the name of who is typing, or None to hide it.
    Typing(Option<String>),
    /// The unread count changed.
    Unread(u32),
}

/// The thread as the widget knows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thread {
    messages: Vec<WidgetMessage>,
    last_seq: u64,
    unread: u32,
    typing: Option<(WidgetSender, u64)>,
    status: Option<String>,
    assignee: Option<WidgetSender>,
}

impl Thread {
    /// An empty thread that has applied every frame up to `last_seq` (kept across reloads).
    pub fn new(last_seq: u64) -> Thread {
        Thread {
            last_seq,
            ..Thread::default()
        }
    }

    /// The highest `seq` applied: the `after` of the next stream.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Messages in the order they were first seen.
    pub fn messages(&self) -> &[WidgetMessage] {
        &self.messages
    }

    /// The message with `id`.
    pub fn message(&self, id: u64) -> Option<&WidgetMessage> {
        self.messages.iter().find(|m| m.id == id)
    }

    /// Unread agent messages (counted while the window is closed).
    pub fn unread(&self) -> u32 {
        self.unread
    }

    /// The conversation's status, once a frame said it.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The agent handling the conversation, once a frame said it.
    pub fn assignee(&self) -> Option<&WidgetSender> {
        self.assignee.as_ref()
    }

    /// Who is typing at `now_ms`, if anyone (an `on` older than [`TYPING_TIMEOUT_MS`] has expired).
    pub fn typing(&self, now_ms: u64) -> Option<&str> {
        self.typing
            .as_ref()
            .filter(|(_, until)| now_ms < *until)
            .map(|(u, _)| u.name.as_str())
    }

    /// When the typing indicator expires, if it is on.
    pub fn typing_deadline(&self) -> Option<u64> {
        self.typing.as_ref().map(|(_, until)| *until)
    }

    /// Hides an expired typing indicator.
    pub fn expire_typing(&mut self, now_ms: u64) -> Option<Effect> {
        match &self.typing {
            Some((_, until)) if now_ms >= *until => {
                self.typing = None;
                Some(Effect::Typing(None))
            }
            _ => None,
        }
    }

    /// The window was opened: everything is read.
    pub fn mark_read(&mut self) -> Option<Effect> {
        (self.unread != 0).then(|| {
            self.unread = 0;
            Effect::Unread(0)
        })
    }

    /// Knows `m` (a message the widget sent or restored) without announcing it. Returns whether
    /// it changed the thread.
    pub fn remember(&mut self, m: &WidgetMessage) -> bool {
        match self.messages.iter_mut().find(|x| x.id == m.id) {
            Some(known) if known == m => false,
            Some(known) => {
                *known = m.clone();
                true
            }
            None => {
                self.messages.push(m.clone());
                true
            }
        }
    }

    /// Applies one frame of the live stream. `open`: whether the chat window is open (a new
    /// agent message counts as unread only while it is closed).
    ///
    /// Message frames are idempotent (by id) and applied even when replayed; a replayed status,
    /// assignee or typing frame (`seq` not above the last applied) is stale and skipped.
    pub fn apply(&mut self, frame: &LiveFrame, now_ms: u64, open: bool) -> Vec<Effect> {
        let fresh = frame.seq > self.last_seq;
        self.last_seq = self.last_seq.max(frame.seq);
        let mut effects = Vec::new();
        match &frame.event {
            LiveEvent::MessageCreated { message } | LiveEvent::MessageUpdated { message } => {
                let known = self.message(message.id).is_some();
                if !self.remember(message) {
                    return effects;
                }
                effects.push(Effect::Show(message.clone()));
                let created = matches!(frame.event, LiveEvent::MessageCreated { .. });
                if created && !known && is_agent(message) {
                    let typist = self.typing.as_ref().map(|(u, _)| u.id);
                    if typist.is_some() && typist == message.sender.as_ref().map(|s| s.id) {
                        self.typing = None;
                        effects.push(Effect::Typing(None));
                    }
                    effects.push(Effect::Arrived(message.clone()));
                    if !open {
                        self.unread += 1;
                        effects.push(Effect::Unread(self.unread));
                    }
                }
            }
            _ if !fresh => {}
            LiveEvent::ConversationStatusChanged { status, .. } => {
                if self.status.as_deref() != Some(status.as_str()) {
                    let previous = self.status.replace(status.clone());
                    effects.push(Effect::Status {
                        previous,
                        current: status.clone(),
                    });
                }
            }
            LiveEvent::AssigneeChanged { assignee, .. } => {
                if self.assignee != *assignee {
                    self.assignee = assignee.clone();
                    effects.push(Effect::Assignee(assignee.clone()));
                }
            }
            LiveEvent::Typing {
                typing_status,
                user,
                ..
            } => match typing_status {
                TypingStatus::On => {
                    let shown = self.typing(now_ms).map(str::to_string);
                    self.typing = Some((user.clone(), now_ms + TYPING_TIMEOUT_MS));
                    if shown.as_deref() != Some(user.name.as_str()) {
                        effects.push(Effect::Typing(Some(user.name.clone())));
                    }
                }
                TypingStatus::Off => {
                    if self.typing.take().is_some() {
                        effects.push(Effect::Typing(None));
                    }
                }
            },
        }
        effects
    }
}

/// Exponential backoff with jitter for reconnecting the live stream: about 1 s, 2 s, 4 s, …
/// up to 30 s; [`Backoff::reset`] after a successful open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The delay before the next attempt; `random` in `[0, 1)` spreads it over ±25 % (never
    /// above the cap).
    pub fn next_delay(&mut self, random: f64) -> u64 {
        let doubling = BACKOFF_BASE_MS.saturating_mul(1 << self.attempt.min(16));
        let d = doubling.min(BACKOFF_MAX_MS) as f64;
        self.attempt = self.attempt.saturating_add(1);
        let jittered = d * (0.75 + 0.5 * random.clamp(0.0, 1.0));
        (jittered as u64).min(BACKOFF_MAX_MS)
    }

    /// Failed attempts since the last successful open.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the first delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// When the widget tells the platform that the visitor is typing: `on` at the first keystroke
/// and again at most every [`TYPING_RESEND_MS`] while typing goes on; `off` after
/// [`TYPING_IDLE_MS`] without a keystroke, or at once on send or blur.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypingThrottle {
    on: bool,
    last_on_sent: u64,
    last_key: u64,
}

impl TypingThrottle {
    /// A keystroke at `now_ms`; `Some(On)` when the platform must hear it.
    pub fn keystroke(&mut self, now_ms: u64) -> Option<TypingStatus> {
        self.last_key = now_ms;
        if !self.on || now_ms.saturating_sub(self.last_on_sent) >= TYPING_RESEND_MS {
            self.on = true;
            self.last_on_sent = now_ms;
            Some(TypingStatus::On)
        } else {
            None
        }
    }

    /// Time passed: `Some(Off)` once the visitor has been idle long enough.
    pub fn tick(&mut self, now_ms: u64) -> Option<TypingStatus> {
        if self.on && now_ms.saturating_sub(self.last_key) >= TYPING_IDLE_MS {
            self.on = false;
            Some(TypingStatus::Off)
        } else {
            None
        }
    }

    /// The message was sent or the composer lost focus.
    pub fn stop(&mut self) -> Option<TypingStatus> {
        std::mem::take(&mut self.on).then_some(TypingStatus::Off)
    }

    /// When [`TypingThrottle::tick`] should run next, while typing is on.
    pub fn deadline(&self) -> Option<u64> {
        self.on.then_some(self.last_key + TYPING_IDLE_MS)
    }

    /// Whether the platform was last told `on`.
    pub fn is_on(&self) -> bool {
        self.on
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent(id: u64) -> WidgetSender {
        WidgetSender {
            id,
            name: "Ana".into(),
            avatar_url: String::new(),
            kind: "user".into(),
        }
    }

    fn msg(id: u64, message_type: u8, text: &str) -> WidgetMessage {
        WidgetMessage {
            id,
            content: Some(text.into()),
            message_type,
            content_type: "text".into(),
            content_attributes: json!({}),
            created_at: 1_795_620_000,
            conversation_id: 5,
            sender: (message_type == 1).then(|| agent(3)),
        }
    }

    fn created(seq: u64, m: WidgetMessage) -> LiveFrame {
        LiveFrame {
            seq,
            event: LiveEvent::MessageCreated { message: m },
        }
    }

    fn frame(seq: u64, event: LiveEvent) -> LiveFrame {
        LiveFrame { seq, event }
    }

    #[test]
    fn frames_parse_from_the_wire() {
        let f: LiveFrame = serde_json::from_value(json!({
            "seq": 7, "kind": "typing", "conversation_id": 5, "typing_status": "on",
            "user": {"id": 3, "name": "Ana", "type": "user"}
        }))
        .unwrap();
        let mut t = Thread::new(0);
        assert_eq!(
            t.apply(&f, 0, true),
            vec![Effect::Typing(Some("Ana".into()))]
        );
        assert_eq!(t.last_seq(), 7);
    }

    #[test]
    fn agent_messages_arrive_once_and_count_unread_while_closed() {
        let mut t = Thread::new(0);
        let e = t.apply(&created(1, msg(10, 1, "Olá")), 0, false);
        assert_eq!(
            e,
            vec![
                Effect::Show(msg(10, 1, "Olá")),
                Effect::Arrived(msg(10, 1, "Olá")),
                Effect::Unread(1)
            ]
        );
        // The same frame replayed after a reconnect: nothing happens.
        assert!(t.apply(&created(1, msg(10, 1, "Olá")), 0, false).is_empty());
        // Replayed under a later seq (a server that replays more): still once.
        assert!(t.apply(&created(4, msg(10, 1, "Olá")), 0, false).is_empty());
        t.apply(&created(5, msg(11, 1, "Tudo bem?")), 0, false);
        assert_eq!(t.unread(), 2);
        assert_eq!(t.mark_read(), Some(Effect::Unread(0)));
        assert_eq!(t.mark_read(), None);
        // While open: shown and announced, not unread.
        let e = t.apply(&created(6, msg(12, 1, "!")), 0, true);
        assert_eq!(e.len(), 2);
        assert_eq!(t.unread(), 0);
        assert_eq!(t.messages().len(), 3);
        assert_eq!(t.last_seq(), 6);
    }

    #[test]
    fn visitor_messages_and_updates_are_shown_in_place_not_announced() {
        let mut t = Thread::new(0);
        assert!(t.remember(&msg(1, 0, "oi")));
        // The stream echoes the visitor's own message: already known, nothing to do.
        assert!(t.apply(&created(2, msg(1, 0, "oi")), 0, false).is_empty());
        // An edit: shown in place, never announced.
        t.apply(&created(3, msg(2, 1, "typo")), 0, true);
        let e = t.apply(
            &frame(
                4,
                LiveEvent::MessageUpdated {
                    message: msg(2, 1, "fixed"),
                },
            ),
            0,
            false,
        );
        assert_eq!(e, vec![Effect::Show(msg(2, 1, "fixed"))]);
        assert_eq!(t.message(2).unwrap().content.as_deref(), Some("fixed"));
        assert_eq!(t.messages().len(), 2);
        assert_eq!(t.unread(), 0);
    }

    #[test]
    fn stale_status_assignee_and_typing_frames_are_skipped() {
        let mut t = Thread::new(10);
        let status = |seq, s: &str| {
            frame(
                seq,
                LiveEvent::ConversationStatusChanged {
                    conversation_id: 5,
                    status: s.into(),
                },
            )
        };
        assert!(t.apply(&status(9, "resolved"), 0, true).is_empty());
        assert_eq!(t.last_seq(), 10);
        assert_eq!(
            t.apply(&status(11, "resolved"), 0, true),
            vec![Effect::Status {
                previous: None,
                current: "resolved".into()
            }]
        );
        assert!(t.apply(&status(12, "resolved"), 0, true).is_empty());
        let assign = |seq, a: Option<WidgetSender>| {
            frame(
                seq,
                LiveEvent::AssigneeChanged {
                    conversation_id: 5,
                    assignee: a,
                },
            )
        };
        assert_eq!(
            t.apply(&assign(13, Some(agent(3))), 0, true),
            vec![Effect::Assignee(Some(agent(3)))]
        );
        assert!(t.apply(&assign(14, Some(agent(3))), 0, true).is_empty());
        assert_eq!(
            t.apply(&assign(15, None), 0, true),
            vec![Effect::Assignee(None)]
        );
        assert_eq!(t.assignee(), None);
    }

    #[test]
    fn typing_shows_hides_expires_and_ends_with_the_message() {
        let typing = |seq, on| {
            frame(
                seq,
                LiveEvent::Typing {
                    conversation_id: 5,
                    typing_status: if on {
                        TypingStatus::On
                    } else {
                        TypingStatus::Off
                    },
                    user: agent(3),
                },
            )
        };
        let mut t = Thread::new(0);
        assert_eq!(
            t.apply(&typing(1, true), 1_000, true),
            vec![Effect::Typing(Some("Ana".into()))]
        );
        // A repeated `on` renews the deadline without redrawing.
        assert!(t.apply(&typing(2, true), 5_000, true).is_empty());
        assert_eq!(t.typing_deadline(), Some(35_000));
        assert_eq!(t.typing(34_999), Some("Ana"));
        assert_eq!(t.expire_typing(34_999), None);
        assert_eq!(t.expire_typing(35_000), Some(Effect::Typing(None)));
        assert_eq!(t.typing(35_000), None);
        // off hides; a second off does nothing.
        t.apply(&typing(3, true), 40_000, true);
        assert_eq!(
            t.apply(&typing(4, false), 41_000, true),
            vec![Effect::Typing(None)]
        );
        assert!(t.apply(&typing(5, false), 41_000, true).is_empty());
        // The typist's message ends the indicator.
        t.apply(&typing(6, true), 50_000, true);
        let e = t.apply(&created(7, msg(20, 1, "pronto")), 51_000, true);
        assert!(e.contains(&Effect::Typing(None)));
        assert_eq!(t.typing(51_000), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let mid: Vec<u64> = (0..8).map(|_| b.next_delay(0.5)).collect();
        assert_eq!(
            mid,
            vec![1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        let mut b = Backoff::default();
        assert_eq!(b.next_delay(0.0), 750);
        assert_eq!(b.next_delay(0.999_999), 2_499);
        for _ in 0..100 {
            assert!(b.next_delay(1.0) <= BACKOFF_MAX_MS);
        }
        assert_eq!(b.attempts(), 102);
        b.reset();
        assert_eq!(b.next_delay(0.5), 1_000);
    }

    #[test]
    fn typing_throttle_sends_on_at_most_every_3s_and_off_after_2s_idle() {
        let mut t = TypingThrottle::default();
        assert_eq!(t.tick(0), None);
        assert_eq!(t.keystroke(1_000), Some(TypingStatus::On));
        assert_eq!(t.keystroke(1_200), None);
        assert_eq!(t.keystroke(3_900), None);
        assert_eq!(t.tick(5_000), None, "idle only 1.1 s");
        assert_eq!(
            t.keystroke(4_000),
            Some(TypingStatus::On),
            "3 s since the last on"
        );
        assert_eq!(t.deadline(), Some(6_000));
        assert_eq!(t.tick(6_000), Some(TypingStatus::Off));
        assert_eq!(t.tick(9_000), None);
        assert_eq!(t.deadline(), None);
        assert_eq!(t.keystroke(10_000), Some(TypingStatus::On));
        assert_eq!(t.stop(), Some(TypingStatus::Off));
        assert_eq!(t.stop(), None);
        assert!(!t.is_on());
    }
}
