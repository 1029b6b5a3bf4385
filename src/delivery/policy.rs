//! Which responses are retried, and when.

/// Backoff and give-up settings. Defaults: 0.5 s doubling to 60 s, ±20 % jitter, give up after
/// 12 h, `Retry-After` honoured up to 5 min, 10 s request timeout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// First retry delay.
    pub base_ms: u64,
    /// Cap of the doubling delay.
    pub max_ms: u64,
    /// Jitter as a fraction of the delay (0.2 = ±20 %).
    pub jitter: f64,
    /// A delivery older than this is dropped with a `failed` notice instead of retried.
    pub give_up_after_ms: u64,
    /// Cap applied to a server's `Retry-After`.
    pub max_retry_after_ms: u64,
    /// A request without a response after this long is aborted and retried.
    pub timeout_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_ms: 500,
            max_ms: 60_000,
            jitter: 0.2,
            give_up_after_ms: 12 * 3_600_000,
            max_retry_after_ms: 300_000,
            timeout_ms: 10_000,
        }
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP response was read.
    Status {
        /// HTTP status.
        status: u16,
        /// The `Retry-After` header, if any.
        retry_after: Option<String>,
        /// The response body (or its beginning).
        body: String,
    },
    /// An opaque response (`no-cors` mode): it arrived, its status is unknowable.
    Opaque,
    /// No response: DNS, connection refused, CORS refusal, offline.
    Network(String),
    /// No response within the policy's timeout (the request was aborted).
    Timeout,
}

/// How an outcome is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Delivered: remove from the queue.
    Delivered,
    /// Try again later.
    Retry,
    /// Will never succeed: drop and report.
    Drop,
}

impl Outcome {
    /// Classifies the outcome: 2xx and opaque are delivered; network errors, timeouts, 408, 425,
    /// 429 and 5xx are retried; every other status is dropped.
    pub fn class(&self) -> Class {
        match self {
            Outcome::Opaque => Class::Delivered,
            Outcome::Network(_) | Outcome::Timeout => Class::Retry,
            Outcome::Status { status, .. } => match status {
                200..=299 => Class::Delivered,
                408 | 425 | 429 | 500..=599 => Class::Retry,
                _ => Class::Drop,
            },
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempts + 1`, given `attempts` already made (≥ 1) and `rand01`
    /// uniform in [0, 1) for jitter. A `Retry-After` in delta-seconds is honoured (capped) when
    /// longer than the backoff.
    pub fn delay_ms(&self, attempts: u32, retry_after: Option<&str>, rand01: f64) -> u64 {
        let exp = attempts.saturating_sub(1).min(40);
        let raw = self.base_ms.saturating_mul(1u64 << exp).min(self.max_ms);
        let r = if rand01.is_finite() {
            rand01.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let factor = 1.0 + self.jitter.clamp(0.0, 1.0) * (2.0 * r - 1.0);
        let backoff = (raw as f64 * factor).round().max(0.0) as u64;
        let hinted = retry_after
            .and_then(parse_retry_after_ms)
            .map(|ms| ms.min(self.max_retry_after_ms));
        backoff.max(hinted.unwrap_or(0))
    }
}

/// `Retry-After` as delta-seconds (HTTP-dates are ignored: the backoff applies).
fn parse_retry_after_ms(v: &str) -> Option<u64> {
    let s: u64 = v.trim().parse().ok()?;
    Some(s.saturating_mul(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after: None,
            body: String::new(),
        }
    }

    #[test]
    fn classification() {
        for s in [200, 201, 204, 299] {
            assert_eq!(st(s).class(), Class::Delivered, "{s}");
        }
        for s in [408, 425, 429, 500, 502, 503, 599] {
            assert_eq!(st(s).class(), Class::Retry, "{s}");
        }
        for s in [300, 400, 401, 403, 404, 410, 413, 422] {
            assert_eq!(st(s).class(), Class::Drop, "{s}");
        }
        assert_eq!(Outcome::Timeout.class(), Class::Retry);
        assert_eq!(Outcome::Network("x".into()).class(), Class::Retry);
        assert_eq!(Outcome::Opaque.class(), Class::Delivered);
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_bounded_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, None, 0.5), 500);
        assert_eq!(p.delay_ms(2, None, 0.5), 1000);
        assert_eq!(p.delay_ms(8, None, 0.5), 60_000);
        assert_eq!(p.delay_ms(1000, None, 0.5), 60_000);
        assert_eq!(p.delay_ms(1, None, 0.0), 400);
        assert_eq!(p.delay_ms(1, None, 0.999_999), 600);
        assert_eq!(p.delay_ms(1, None, f64::NAN), 500);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, Some("7"), 0.5), 7000);
        assert_eq!(p.delay_ms(1, Some("100000"), 0.5), 300_000);
        assert_eq!(
            p.delay_ms(1, Some("Wed, 21 Oct 2015 07:28:00 GMT"), 0.5),
            500
        );
        assert_eq!(p.delay_ms(9, Some("1"), 0.5), 60_000);
    }
}
