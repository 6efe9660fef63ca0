//! Price computation: a rule, a base price and the seats sold give a price in minor units.
//!
//! The rounding rule: everything is computed in floating point, then rounded ONCE at the
//! end — down to a multiple of `rounding_minor` (100 = whole units, as the original floored
//! to whole rupees), after the result is snapped to a millionth of a minor unit so that
//! 1000 × 1.005 is 1005 and not 1004.999… (the original's fault R2). The floor is rounded up
//! and the cap down to the same step, and the price is kept between them.
//!
//! Occupancy `o` is sold ÷ capacity of the price category: held seats do not count. A hold
//! is a tentative claim that costs nothing to make, so counting it would let anyone push
//! prices up by holding seats; the demand factor is where the hold rate is priced in.

use super::fare_buckets;
use super::rule::{Curve, Rule};
use serde::Serialize;

/// What beyond occupancy moves a price right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Factors {
    /// Inside the time factor's window before the start.
    pub last_minute: bool,
    /// The hold rate is above the demand factor's threshold.
    pub high_demand: bool,
}

/// The curve's multiple of base at `sold` of `capacity`.
pub fn multiplier(curve: &Curve, sold: u32, capacity: u32) -> f64 {
    let o = if capacity == 0 {
        0.0
    } else {
        (f64::from(sold) / f64::from(capacity)).clamp(0.0, 1.0)
    };
    match curve {
        Curve::Concert => {
            let surge = if o > 0.8 { 1.25 } else { 1.0 };
            (1.0 + 0.5 * o) * surge
                + if o > 0.5 { 0.1 } else { 0.0 }
                + if o > 0.8 { 0.2 } else { 0.0 }
        }
        Curve::Flight => {
            let surge = if o > 0.9 {
                1.4
            } else if o > 0.75 {
                1.2
            } else {
                1.0
            };
            (1.0 + (1.0 + 10.0 * o).ln() / 5.0) * surge
        }
        Curve::Bus => (1.0 + 0.25 * o) * if o > 0.85 { 1.1 } else { 1.0 },
        Curve::Train => (1.0 + 0.15 * o) * if o > 0.9 { 1.1 } else { 1.0 },
        Curve::Flat => 1.0,
        Curve::Buckets(buckets) => fare_buckets::bucket_multiplier(buckets, sold, capacity),
        Curve::EmsrB(classes) => fare_buckets::emsr_b_multiplier(classes, sold, capacity),
    }
}

fn round_down(x: f64, step: i64) -> i64 {
    let snapped = (x * 1e6).round() / 1e6;
    ((snapped / step as f64).floor() as i64) * step
}

fn round_up(x: f64, step: i64) -> i64 {
    let snapped = (x * 1e6).round() / 1e6;
    ((snapped / step as f64).ceil() as i64) * step
}

/// The lowest and highest price a rule allows for a base.
pub fn bounds(rule: &Rule, base_minor: i64) -> (i64, i64) {
    let base = base_minor as f64;
    let step = rule.rounding_minor.max(1);
    let high = round_down(base * rule.cap, step);
    let low = round_up(base * rule.floor, step).min(high);
    (low, high)
}

/// Which limit of the rule held a price back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Floor,
    Cap,
}

/// Why a price is what it is: each step from the base price to the price charged.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// The curve's multiple of base at this occupancy.
    pub curve_multiplier: f64,
    /// The time factor's multiplier, when the event is inside its window.
    pub last_minute_multiplier: Option<f64>,
    /// The demand factor's multiplier, when holds come in above its rate.
    pub high_demand_multiplier: Option<f64>,
    /// base × the multipliers, rounded down to the rule's step (minor units).
    pub rounded_minor: i64,
    /// The price charged: the rounded price kept between floor and cap (minor units).
    pub price_minor: i64,
    /// The limit that moved the rounded price, if one did.
    pub limited_by: Option<Limit>,
}

/// How the rule prices one seat, step by step ([`price`] is its last step).
pub fn breakdown(
    rule: &Rule,
    base_minor: i64,
    sold: u32,
    capacity: u32,
    factors: Factors,
) -> Breakdown {
    let curve_multiplier = multiplier(&rule.curve, sold, capacity);
    let last_minute_multiplier = rule
        .time_factor
        .as_ref()
        .filter(|_| factors.last_minute)
        .map(|t| t.multiplier);
    let high_demand_multiplier = rule
        .demand_factor
        .as_ref()
        .filter(|_| factors.high_demand)
        .map(|d| d.multiplier);
    let m = curve_multiplier
        * last_minute_multiplier.unwrap_or(1.0)
        * high_demand_multiplier.unwrap_or(1.0);
    let (low, high) = bounds(rule, base_minor);
    let rounded_minor = round_down(base_minor as f64 * m, rule.rounding_minor.max(1));
    let price_minor = rounded_minor.clamp(low, high);
    let limited_by = if price_minor > rounded_minor {
        Some(Limit::Floor)
    } else if price_minor < rounded_minor {
        Some(Limit::Cap)
    } else {
        None
    };
    Breakdown {
        curve_multiplier,
        last_minute_multiplier,
        high_demand_multiplier,
        rounded_minor,
        price_minor,
        limited_by,
    }
}

/// The price of one seat.
pub fn price(rule: &Rule, base_minor: i64, sold: u32, capacity: u32, factors: Factors) -> i64 {
    breakdown(rule, base_minor, sold, capacity, factors).price_minor
}

/// The next price above the current one as more seats sell, and at how many sold it comes.
pub fn next_step(
    rule: &Rule,
    base_minor: i64,
    sold: u32,
    capacity: u32,
    factors: Factors,
) -> Option<(i64, u32)> {
    let now = price(rule, base_minor, sold, capacity, factors);
    ((sold + 1)..=capacity)
        .map(|s| (price(rule, base_minor, s, capacity, factors), s))
        .find(|&(p, _)| p > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: i64 = 100_000; // 1,000.00

    fn p(category: &str, sold: u32) -> i64 {
        price(
            &Rule::default_for(category),
            BASE,
            sold,
            100,
            Factors::default(),
        )
    }

    #[test]
    fn concert_pinned() {
        assert_eq!(p("concert", 0), 100_000);
        assert_eq!(p("concert", 1), 100_500); // 1000 × 1.005 = 1005, not 1004 (R2)
        assert_eq!(p("concert", 50), 125_000);
        assert_eq!(p("concert", 51), 135_500); // 1.255 + 0.1
        assert_eq!(p("concert", 80), 150_000);
        assert_eq!(p("concert", 81), 205_600); // 1.405 × 1.25 + 0.3 = 2.05625
        assert_eq!(p("concert", 100), 217_500);
    }

    #[test]
    fn flight_pinned() {
        assert_eq!(p("flight", 0), 100_000);
        assert_eq!(p("flight", 10), 113_800); // 1 + ln 2 / 5 = 1.13863
        assert_eq!(p("flight", 75), 142_800); // 1 + ln 8.5 / 5 = 1.42801
        assert_eq!(p("flight", 76), 171_600); // (1 + ln 8.6 / 5) × 1.2
        assert_eq!(p("flight", 90), 175_200); // (1 + ln 10 / 5) × 1.2
        assert_eq!(p("flight", 91), 204_700); // (1 + ln 10.1 / 5) × 1.4
        assert_eq!(p("flight", 100), 207_100); // (1 + ln 11 / 5) × 1.4 = 2.0714
    }

    #[test]
    fn bus_train_movie_pinned() {
        assert_eq!(p("bus", 0), 100_000);
        assert_eq!(p("bus", 85), 121_200);
        assert_eq!(p("bus", 86), 133_600); // 1.215 × 1.1
        assert_eq!(p("bus", 100), 137_500);
        assert_eq!(p("train", 90), 113_500);
        assert_eq!(p("train", 91), 125_000); // 1.1365 × 1.1 = 1.25015
        assert_eq!(p("train", 100), 126_500);
        assert_eq!(p("movie", 0), 100_000);
        assert_eq!(p("movie", 100), 100_000);
    }

    #[test]
    fn floor_cap_and_step_bound_the_price() {
        let mut rule = Rule::default_for("concert");
        rule.cap = 1.3;
        rule.rounding_minor = 5_000;
        assert_eq!(price(&rule, BASE, 100, 100, Factors::default()), 130_000);
        assert_eq!(price(&rule, BASE, 1, 100, Factors::default()), 100_000);
        rule.time_factor = Some(super::super::rule::TimeFactor {
            hours_before: 24.0,
            multiplier: 0.5,
        });
        rule.floor = 0.8;
        let f = Factors {
            last_minute: true,
            high_demand: false,
        };
        assert_eq!(price(&rule, BASE, 0, 100, f), 80_000);
    }

    #[test]
    fn the_breakdown_names_the_limit_that_held_the_price() {
        let mut rule = Rule::default_for("concert");
        rule.cap = 1.3;
        let b = breakdown(&rule, BASE, 100, 100, Factors::default());
        assert!((b.curve_multiplier - 2.175).abs() < 1e-9);
        assert_eq!((b.rounded_minor, b.price_minor), (217_500, 130_000));
        assert_eq!(b.limited_by, Some(Limit::Cap));
        rule.time_factor = Some(super::super::rule::TimeFactor {
            hours_before: 24.0,
            multiplier: 0.5,
        });
        rule.floor = 0.8;
        let f = Factors {
            last_minute: true,
            high_demand: true, // no demand factor in the rule: nothing applies
        };
        let b = breakdown(&rule, BASE, 0, 100, f);
        assert_eq!(b.last_minute_multiplier, Some(0.5));
        assert_eq!(b.high_demand_multiplier, None);
        assert_eq!((b.rounded_minor, b.price_minor), (50_000, 80_000));
        assert_eq!(b.limited_by, Some(Limit::Floor));
        let b = breakdown(&rule, BASE, 10, 100, Factors::default());
        assert_eq!((b.price_minor, b.limited_by), (105_000, None));
    }

    #[test]
    fn next_step_finds_the_threshold() {
        let rule = Rule::default_for("bus");
        assert_eq!(
            next_step(&rule, BASE, 0, 100, Factors::default()),
            Some((100_200, 1))
        );
        assert_eq!(
            next_step(
                &Rule::default_for("movie"),
                BASE,
                0,
                100,
                Factors::default()
            ),
            None
        );
    }
}
