//! The axes of the console's charts: a value range mapped onto pixels, round tick steps for
//! amounts and for time, and how times read (always UTC, like the rest of the console).

use time::OffsetDateTime;
use time::macros::format_description;

pub(super) fn f(x: f64) -> String {
    format!("{x:.1}")
}

/// A value range mapped onto a pixel range.
#[derive(Clone, Copy)]
pub(super) struct Scale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) from: f64,
    pub(super) to: f64,
}

impl Scale {
    pub(super) fn at(&self, v: f64) -> f64 {
        let span = if self.hi > self.lo {
            self.hi - self.lo
        } else {
            1.0
        };
        self.from + (v - self.lo) / span * (self.to - self.from)
    }
}

/// Round tick steps (1, 2 or 5 × 10ⁿ) covering `lo..=hi` with about `target` ticks.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: f64) -> (f64, f64, Vec<f64>) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    let raw = (hi - lo) / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).floor() * step;
    let last = (hi / step).ceil() * step;
    let count = ((last - first) / step).round() as usize;
    let ticks = (0..=count).map(|i| first + step * i as f64).collect();
    (first, last, ticks)
}

/// Tick steps for time, in milliseconds, with how their labels read.
pub(super) const TIME_STEPS: &[(i64, bool)] = &[
    (1_000, true),
    (5_000, true),
    (15_000, true),
    (60_000, false),
    (5 * 60_000, false),
    (15 * 60_000, false),
    (3_600_000, false),
    (3 * 3_600_000, false),
    (6 * 3_600_000, false),
    (86_400_000, false),
    (7 * 86_400_000, false),
    (30 * 86_400_000, false),
];

pub(super) fn time_label(ms: i64, step: i64, seconds: bool) -> String {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return String::new();
    };
    let text = if step >= 86_400_000 {
        t.format(format_description!("[day] [month repr:short]"))
    } else if seconds {
        t.format(format_description!("[hour]:[minute]:[second]"))
    } else {
        t.format(format_description!("[hour]:[minute]"))
    };
    text.unwrap_or_default()
}

/// `2026-12-06 14:05 UTC`.
pub fn utc(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (lo, hi, ticks) = nice_ticks(93.0, 217.0, 5.0);
        assert_eq!((lo, hi), (50.0, 250.0));
        assert_eq!(ticks, [50.0, 100.0, 150.0, 200.0, 250.0]);
        let (lo, hi, _) = nice_ticks(5.0, 5.0, 5.0);
        assert!(lo < 5.0 && hi > 5.0);
    }

    #[test]
    fn times_read_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time_label(90_000, 60_000, false), "00:01");
        assert_eq!(time_label(86_400_000 * 3, 86_400_000, false), "04 Jan");
    }
}
