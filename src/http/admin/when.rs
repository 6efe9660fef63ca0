//! How console pages write times: an event's times in the event's own time zone, anything
//! else in UTC, and always with the zone named.

/// A Unix-millisecond time in UTC: `2026-12-03 14:05 UTC`.
pub fn utc_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// A Unix-millisecond time in an event's zone, with seconds: `Thu 3 Dec, 19:05:09 IST`.
pub fn local_ms(ms: i64, timezone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(tz)
                .strftime("%a %-d %b, %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_default()
}

/// Only the clock time of a Unix-millisecond time in an event's zone: `19:05:09`.
pub fn clock_ms(ms: i64, timezone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(tz).strftime("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// An event's start in its zone, with the zone's name: `Sun 10 Jan 2027, 18:30 IST
/// (Asia/Kolkata)`; `… 18:30 UTC` where the abbreviation is the zone's name already.
pub fn event_start(unix_ms: i64, timezone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(t) = jiff::Timestamp::from_millisecond(unix_ms) else {
        return String::new();
    };
    let zoned = t.to_zoned_datetime(tz);
    let text = zoned.strftime("%a %-d %b %Y, %H:%M %Z").to_string();
    if text.ends_with(&format!(" {timezone}")) {
        text
    } else {
        format!("{text} ({timezone})")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_name_their_zone() {
        // 2027-01-10T13:00:05Z is 18:30:05 in India.
        let ms = 1_799_586_005_000;
        assert_eq!(super::utc_ms(ms), "2027-01-10 13:00 UTC");
        assert_eq!(
            super::local_ms(ms, "Asia/Kolkata"),
            "Sun 10 Jan, 18:30:05 IST"
        );
        assert_eq!(super::clock_ms(ms, "Asia/Kolkata"), "18:30:05");
        assert_eq!(
            super::local_ms(ms, "Nowhere/Else"),
            "Sun 10 Jan, 13:00:05 UTC"
        );
    }
}
