//! Pricing rules as data: a curve (or fare buckets, or EMSR-b fare classes), a floor and a
//! cap as multiples of the base price, a rounding step, and optional time-to-event and
//! demand factors. Validated before they are stored; what validation accepts is priced
//! within [floor, cap] and never falls as occupancy rises.

use crate::error::{Error, Validator};
use serde::{Deserialize, Serialize};

/// How price moves with occupancy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// base × (1 + 0.5·o) × (o > 0.8 ? 1.25 : 1) + base × (0.1 if o > 0.5) + base × (0.2 if o > 0.8)
    Concert,
    /// base × (1 + ln(1 + 10·o) / 5) × (o > 0.9 ? 1.4 : o > 0.75 ? 1.2 : 1)
    Flight,
    /// base × (1 + 0.25·o) × (o > 0.85 ? 1.1 : 1)
    Bus,
    /// base × (1 + 0.15·o) × (o > 0.9 ? 1.1 : 1)
    Train,
    /// base, always (the original's movies).
    Flat,
    /// Nested fare buckets, cheapest first: the price is the cheapest bucket still open.
    Buckets(Vec<Bucket>),
    /// Fare classes whose bucket sizes come from EMSR-b protection levels.
    EmsrB(Vec<FareClass>),
}

/// A share of the seats sold at a multiple of base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bucket {
    /// Fraction of capacity, 0 < share ≤ 1; shares add up to 1.
    pub share: f64,
    pub multiplier: f64,
}

/// A fare class with the admin's demand forecast (seats), for EMSR-b.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FareClass {
    pub multiplier: f64,
    pub mean: f64,
    pub sd: f64,
}

/// A rise (or fall) in the final hours before the start or departure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimeFactor {
    pub hours_before: f64,
    pub multiplier: f64,
}

/// A rise when holds come in fast: at least `holds_per_100_seats` seats held per 100
/// seats of the event in the last `window_minutes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DemandFactor {
    pub window_minutes: u32,
    pub holds_per_100_seats: f64,
    pub multiplier: f64,
}

/// A pricing rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub curve: Curve,
    /// The lowest price, as a multiple of base.
    #[serde(default = "one")]
    pub floor: f64,
    /// The highest price, as a multiple of base.
    pub cap: f64,
    /// Prices are rounded down to a multiple of this many minor units (100: whole units).
    #[serde(default = "whole_unit")]
    pub rounding_minor: i64,
    #[serde(default)]
    pub time_factor: Option<TimeFactor>,
    #[serde(default)]
    pub demand_factor: Option<DemandFactor>,
}

fn one() -> f64 {
    1.0
}

fn whole_unit() -> i64 {
    100
}

impl Rule {
    /// The original system's curve for an event category, with a cap just above its peak.
    pub fn default_for(category: &str) -> Rule {
        let (curve, cap) = match category {
            "concert" => (Curve::Concert, 2.5),
            "flight" => (Curve::Flight, 2.5),
            "bus" => (Curve::Bus, 2.0),
            "train" => (Curve::Train, 2.0),
            _ => (Curve::Flat, 1.0),
        };
        Rule {
            curve,
            floor: 1.0,
            cap,
            rounding_minor: 100,
            time_factor: None,
            demand_factor: None,
        }
    }

    /// Checks every rule, naming fields under `field`.
    pub fn validate(&self, field: &str, v: &mut Validator) {
        let finite = |x: f64| x.is_finite();
        v.check(
            finite(self.floor) && self.floor >= 0.0,
            format!("{field}.floor"),
            "must be 0 or more",
        );
        v.check(
            finite(self.cap) && self.cap > 0.0 && self.cap <= 100.0,
            format!("{field}.cap"),
            "must be above 0 and at most 100",
        );
        v.check(
            self.cap >= self.floor,
            format!("{field}.cap"),
            "must not be below the floor",
        );
        v.check(
            (1..=1_000_000).contains(&self.rounding_minor),
            format!("{field}.rounding_minor"),
            "must be between 1 and 1000000",
        );
        if let Some(t) = &self.time_factor {
            v.check(
                finite(t.hours_before) && t.hours_before > 0.0 && t.hours_before <= 24.0 * 365.0,
                format!("{field}.time_factor.hours_before"),
                "must be above 0 and at most a year",
            );
            v.check(
                finite(t.multiplier) && t.multiplier > 0.0 && t.multiplier <= 10.0,
                format!("{field}.time_factor.multiplier"),
                "must be above 0 and at most 10",
            );
        }
        if let Some(d) = &self.demand_factor {
            v.check(
                (1..=1440).contains(&d.window_minutes),
                format!("{field}.demand_factor.window_minutes"),
                "must be between 1 and 1440",
            );
            v.check(
                finite(d.holds_per_100_seats) && d.holds_per_100_seats > 0.0,
                format!("{field}.demand_factor.holds_per_100_seats"),
                "must be above 0",
            );
            v.check(
                finite(d.multiplier) && d.multiplier > 0.0 && d.multiplier <= 10.0,
                format!("{field}.demand_factor.multiplier"),
                "must be above 0 and at most 10",
            );
        }
        match &self.curve {
            Curve::Buckets(buckets) => {
                let f = format!("{field}.curve.buckets");
                v.check(
                    !buckets.is_empty() && buckets.len() <= 26,
                    f.clone(),
                    "needs 1 to 26 buckets",
                );
                let total: f64 = buckets.iter().map(|b| b.share).sum();
                v.check(
                    (total - 1.0).abs() < 1e-6,
                    f.clone(),
                    "shares must add up to 1",
                );
                for (i, b) in buckets.iter().enumerate() {
                    v.check(
                        finite(b.share) && b.share > 0.0 && b.share <= 1.0,
                        format!("{f}[{i}].share"),
                        "must be above 0 and at most 1",
                    );
                    v.check(
                        finite(b.multiplier) && b.multiplier >= 0.0,
                        format!("{f}[{i}].multiplier"),
                        "must be 0 or more",
                    );
                }
                v.check(
                    buckets
                        .windows(2)
                        .all(|w| w[0].multiplier <= w[1].multiplier),
                    f,
                    "buckets go from cheapest to dearest",
                );
            }
            Curve::EmsrB(classes) => {
                let f = format!("{field}.curve.emsr_b");
                v.check(
                    (2..=26).contains(&classes.len()),
                    f.clone(),
                    "needs 2 to 26 fare classes",
                );
                for (i, c) in classes.iter().enumerate() {
                    v.check(
                        finite(c.multiplier) && c.multiplier > 0.0,
                        format!("{f}[{i}].multiplier"),
                        "must be above 0",
                    );
                    v.check(
                        finite(c.mean) && c.mean >= 0.0,
                        format!("{f}[{i}].mean"),
                        "must be 0 or more",
                    );
                    v.check(
                        finite(c.sd) && c.sd >= 0.0,
                        format!("{f}[{i}].sd"),
                        "must be 0 or more",
                    );
                }
                v.check(
                    classes
                        .windows(2)
                        .all(|w| w[0].multiplier > w[1].multiplier),
                    f,
                    "fare classes go from dearest to cheapest",
                );
            }
            _ => {}
        }
    }

    /// Validates one rule on its own.
    pub fn checked(self, field: &str) -> Result<Rule, Error> {
        let mut v = Validator::new();
        self.validate(field, &mut v);
        v.finish()?;
        Ok(self)
    }
}
