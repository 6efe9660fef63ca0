//! Property tests of the pricing promise: for every default curve and for any rule that
//! validation accepts, the price never falls as seats sell, never leaves [floor, cap], and
//! a preview of the curve is a non-decreasing line that starts at the price of an empty
//! house.

use super::Pricing;
use super::curve::{self, Factors};
use super::rule::{Bucket, Curve, DemandFactor, FareClass, Rule, TimeFactor};
use crate::catalog::model::EventCategory;
use crate::error::Validator;
use proptest::prelude::*;

/// Event categories whose default rules are checked.
fn default_rule() -> impl Strategy<Value = Rule> {
    prop::sample::select(
        EventCategory::ALL
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
    )
    .prop_map(Rule::default_for)
}

/// Nested fare buckets: shares that add up to 1 (up to rounding), multipliers that rise.
fn buckets() -> impl Strategy<Value = Curve> {
    prop::collection::vec((1u32..=100, 0.0f64..5.0), 1..=8).prop_map(|parts| {
        let weight: u32 = parts.iter().map(|(w, _)| w).sum();
        let mut multipliers: Vec<f64> = parts.iter().map(|(_, m)| *m).collect();
        multipliers.sort_by(f64::total_cmp);
        Curve::Buckets(
            parts
                .iter()
                .zip(multipliers)
                .map(|((w, _), multiplier)| Bucket {
                    share: f64::from(*w) / f64::from(weight),
                    multiplier,
                })
                .collect(),
        )
    })
}

/// EMSR-b fare classes, dearest first, with any forecast (zero demand and zero spread
/// included).
fn emsr_b() -> impl Strategy<Value = Curve> {
    prop::collection::vec(
        (
            0.01f64..5.0,
            prop_oneof![Just(0.0), 0.0f64..400.0],
            prop_oneof![Just(0.0), 0.0f64..150.0],
        ),
        2..=8,
    )
    .prop_map(|classes| {
        let mut multipliers: Vec<f64> = classes.iter().map(|(m, _, _)| *m).collect();
        multipliers.sort_by(|a, b| b.total_cmp(a));
        Curve::EmsrB(
            classes
                .iter()
                .zip(multipliers)
                .map(|((_, mean, sd), multiplier)| FareClass {
                    multiplier,
                    mean: *mean,
                    sd: *sd,
                })
                .collect(),
        )
    })
}

fn any_curve() -> impl Strategy<Value = Curve> {
    prop_oneof![
        Just(Curve::Concert),
        Just(Curve::Flight),
        Just(Curve::Bus),
        Just(Curve::Train),
        Just(Curve::Flat),
        buckets(),
        emsr_b(),
    ]
}

fn rounding() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![1_i64, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000]),
        1_i64..=1_000_000,
    ]
}

/// Any rule, valid or not: the properties keep only those `Rule::validate` accepts.
fn any_rule() -> impl Strategy<Value = Rule> {
    (
        any_curve(),
        0.0f64..4.0,
        0.05f64..12.0,
        rounding(),
        prop::option::of((0.1f64..500.0, 0.05f64..10.0)),
        prop::option::of((1u32..=1440, 0.1f64..50.0, 0.05f64..10.0)),
    )
        .prop_map(|(curve, floor, cap, rounding_minor, time, demand)| Rule {
            curve,
            floor,
            cap,
            rounding_minor,
            time_factor: time.map(|(hours_before, multiplier)| TimeFactor {
                hours_before,
                multiplier,
            }),
            demand_factor: demand.map(|(window_minutes, holds_per_100_seats, multiplier)| {
                DemandFactor {
                    window_minutes,
                    holds_per_100_seats,
                    multiplier,
                }
            }),
        })
}

fn is_valid(rule: &Rule) -> bool {
    let mut v = Validator::new();
    rule.validate("rule", &mut v);
    v.is_clean()
}

/// A rule validation accepts.
fn valid_rule() -> impl Strategy<Value = Rule> {
    any_rule().prop_filter("validation rejects it", is_valid)
}

fn factors() -> impl Strategy<Value = Factors> {
    (any::<bool>(), any::<bool>()).prop_map(|(last_minute, high_demand)| Factors {
        last_minute,
        high_demand,
    })
}

fn base() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![0_i64, 1, 99, 100, 90_000, 150_000]),
        0_i64..=crate::money::MAX_PRICE_MINOR,
    ]
}

/// Fails unless the price rises (or stays) with every seat sold and stays in bounds.
fn assert_monotone_within_bounds(
    rule: &Rule,
    base_minor: i64,
    capacity: u32,
    factors: Factors,
) -> Result<(), TestCaseError> {
    let (low, high) = curve::bounds(rule, base_minor);
    prop_assert!(low <= high, "floor {low} above cap {high}");
    let mut previous = i64::MIN;
    for sold in 0..=capacity {
        let p = curve::price(rule, base_minor, sold, capacity, factors);
        prop_assert!(
            (low..=high).contains(&p),
            "{p} outside [{low}, {high}] at {sold}/{capacity}"
        );
        prop_assert!(
            p >= previous,
            "fell from {previous} to {p} at {sold}/{capacity}"
        );
        previous = p;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn default_curves_rise_within_bounds(
        rule in default_rule(),
        base_minor in base(),
        capacity in 1u32..=600,
        factors in factors(),
    ) {
        prop_assert!(is_valid(&rule), "a default rule fails validation: {rule:?}");
        assert_monotone_within_bounds(&rule, base_minor, capacity, factors)?;
    }

    #[test]
    fn valid_rules_rise_within_bounds(
        rule in valid_rule(),
        base_minor in base(),
        capacity in 1u32..=600,
        factors in factors(),
    ) {
        assert_monotone_within_bounds(&rule, base_minor, capacity, factors)?;
    }

    #[test]
    fn the_next_step_is_the_first_rise(
        rule in valid_rule(),
        base_minor in base(),
        capacity in 1u32..=300,
        sold in 0u32..=300,
        factors in factors(),
    ) {
        let sold = sold.min(capacity);
        let now = curve::price(&rule, base_minor, sold, capacity, factors);
        match curve::next_step(&rule, base_minor, sold, capacity, factors) {
            Some((price, at)) => {
                prop_assert!(price > now && at > sold && at <= capacity);
                prop_assert_eq!(curve::price(&rule, base_minor, at, capacity, factors), price);
                prop_assert_eq!(curve::price(&rule, base_minor, at - 1, capacity, factors), now);
            }
            None => prop_assert_eq!(
                curve::price(&rule, base_minor, capacity, capacity, factors),
                now
            ),
        }
    }

    #[test]
    fn previews_rise_from_the_empty_house(
        rule in prop_oneof![default_rule(), valid_rule()],
        base_minor in base(),
        capacity in 1u32..=100_000,
        points in 0u32..=400,
    ) {
        let preview = Pricing::preview(&rule, base_minor, capacity, points);
        prop_assert!((2..=201).contains(&preview.len()));
        let empty = curve::price(&rule, base_minor, 0, capacity, Factors::default());
        prop_assert_eq!(preview[0].occupancy, 0.0);
        prop_assert_eq!(preview[0].price_minor, empty);
        prop_assert_eq!(preview[preview.len() - 1].occupancy, 1.0);
        for pair in preview.windows(2) {
            prop_assert!(pair[0].occupancy <= pair[1].occupancy, "{pair:?}");
            prop_assert!(pair[0].price_minor <= pair[1].price_minor, "{pair:?}");
        }
    }
}
