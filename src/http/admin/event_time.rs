//! Event times on console pages: shown and typed in the event's own IANA time zone (a show at
//! 18:30 in Pune is typed and read as 18:30, whoever looks), stored as UTC instants.
//!
//! `datetime-local` inputs carry no zone; this module is the one place that reads them in a
//! zone and writes them back, so a form shown again after an error keeps what was typed.

use jiff::tz::TimeZone;
use time::OffsetDateTime;

/// The zone of an event; a stored name the database no longer knows falls back to UTC.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Whether `name` is a zone of the bundled IANA database.
pub fn is_zone(name: &str) -> bool {
    !name.is_empty() && TimeZone::get(name).is_ok()
}

fn zoned(t: OffsetDateTime, tz: &TimeZone) -> Option<jiff::ZonedDateTime> {
    jiff::Timestamp::from_second(t.unix_timestamp())
        .ok()
        .map(|ts| ts.to_zoned_datetime(tz.clone()))
}

/// `Sun 10 Jan 2027, 18:30 IST`: a time as people at the event read it. Pages print the
/// zone's name beside it.
pub fn local(t: OffsetDateTime, tz_name: &str) -> String {
    zoned(t, &zone(tz_name))
        .map(|z| z.strftime("%a %-d %b %Y, %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// `18:30 IST` when `t` falls on the same local day as `other`, else [`local`]: an arrival
/// on the day of departure needs no date.
pub fn local_after(t: OffsetDateTime, other: OffsetDateTime, tz_name: &str) -> String {
    let tz = zone(tz_name);
    match (zoned(t, &tz), zoned(other, &tz)) {
        (Some(a), Some(b)) if a.date() == b.date() => a.strftime("%H:%M %Z").to_string(),
        _ => local(t, tz_name),
    }
}

/// The value of a `datetime-local` input showing `t` in the event's zone.
pub fn input_value(t: OffsetDateTime, tz_name: &str) -> String {
    zoned(t, &zone(tz_name))
        .map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// Reads a `datetime-local` value (`2027-01-10T18:30`, seconds optional) as a wall-clock time
/// in `tz`. A time that a daylight-saving change skips moves forward, one it repeats takes
/// the earlier instant, as calendars do.
pub fn parse_input(text: &str, tz: &TimeZone) -> Result<OffsetDateTime, &'static str> {
    const BAD: &str = "must be a date and time such as 2027-01-10T18:30";
    let text = text.trim();
    if text.len() > 32 || !text.contains('T') {
        return Err(BAD);
    }
    let civil: jiff::civil::DateTime = text.parse().map_err(|_| BAD)?;
    let instant = tz
        .to_ambiguous_zoned_datetime(civil)
        .compatible()
        .map_err(|_| BAD)?
        .timestamp()
        .as_second();
    OffsetDateTime::from_unix_timestamp(instant).map_err(|_| BAD)
}

/// Reads a `date` input (`2027-01-10`) as the start of that day in UTC.
pub fn parse_date_utc(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    let instant = TimeZone::UTC
        .to_ambiguous_zoned_datetime(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()?
        .timestamp()
        .as_second();
    OffsetDateTime::from_unix_timestamp(instant).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_are_read_in_the_event_zone() {
        let kolkata = zone("Asia/Kolkata");
        let t = parse_input("2027-01-10T18:30", &kolkata).expect("parses");
        assert_eq!(t.unix_timestamp(), 1_799_586_000, "13:00 UTC");
        assert_eq!(input_value(t, "Asia/Kolkata"), "2027-01-10T18:30");
        assert!(local(t, "Asia/Kolkata").starts_with("Sun 10 Jan 2027, 18:30"));
        let with_seconds = parse_input("2027-01-10T18:30:00", &kolkata).expect("parses");
        assert_eq!(with_seconds, t);
        assert_eq!(input_value(t, "UTC"), "2027-01-10T13:00");
    }

    #[test]
    fn junk_times_are_refused() {
        for junk in [
            "",
            "tomorrow",
            "2027-13-01T10:00",
            "2027-01-10",
            "2027-01-10T25:00",
        ] {
            assert!(parse_input(junk, &TimeZone::UTC).is_err(), "{junk}");
        }
        assert!(is_zone("Europe/Berlin"));
        assert!(!is_zone("Mars/Phobos"));
        assert!(!is_zone(""));
    }

    #[test]
    fn a_skipped_hour_moves_forward() {
        // Clocks in Berlin jump from 02:00 to 03:00 on 28 March 2027.
        let berlin = zone("Europe/Berlin");
        let t = parse_input("2027-03-28T02:30", &berlin).expect("parses");
        assert_eq!(input_value(t, "Europe/Berlin"), "2027-03-28T03:30");
    }

    #[test]
    fn dates_are_utc_midnights() {
        let d = parse_date_utc("2027-01-10").expect("date");
        assert_eq!(d.unix_timestamp() % 86_400, 0);
        assert!(parse_date_utc("10/01/2027").is_none());
    }
}
