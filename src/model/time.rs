//! Date-time text in the forms the platform's payloads use, from Unix time (pure: no clock).

/// A UTC calendar date and time of day.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// Howard Hinnant's civil-from-days over Unix seconds.
fn civil(unix_secs: i64) -> Civil {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// The datetime string of a message event's `created_at`: `"2023-01-01 18:12:45 UTC"`.
pub fn platform_datetime(unix_secs: i64) -> String {
    let c = civil(unix_secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// RFC 3339 UTC text of Unix milliseconds, `"2023-01-01T18:12:45.123Z"` (contact_inbox and
/// message timestamps).
pub fn iso8601_ms(unix_ms: i64) -> String {
    let c = civil(unix_ms.div_euclid(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        unix_ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(platform_datetime(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(platform_datetime(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(platform_datetime(1_672_597_965), "2023-01-01 18:32:45 UTC");
        assert_eq!(platform_datetime(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_672_597_965_123), "2023-01-01T18:32:45.123Z");
        assert_eq!(iso8601_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
    }
}
