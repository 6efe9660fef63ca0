//! The pricing-rule form of one event category, both ways: a stored [`Rule`] shown as form
//! fields, and posted fields read back into a `Rule`. Reading only turns text into numbers
//! (a field that is not a number is named, like a JSON type error in the API); what a rule
//! may be is decided by [`crate::pricing::Pricing::put_rules`], whose field errors
//! (`concert.cap`, `concert.curve.buckets[1].share`) are shown beside the inputs they name.

use crate::error::FieldError;
use crate::pricing::rule::{Bucket, Curve, DemandFactor, FareClass, Rule, TimeFactor};
use std::collections::BTreeMap;

mod view;
pub use view::Field;

/// The curves a rule may use: form value, name, and what it does.
pub const CURVES: &[(&str, &str, &str)] = &[
    (
        "concert",
        "Concert",
        "rises with sales, steps up past 50 % and 80 % sold",
    ),
    (
        "flight",
        "Flight",
        "rises fast early, steps up past 75 % and 90 % sold",
    ),
    ("bus", "Bus", "rises gently, steps up past 85 % sold"),
    ("train", "Train", "rises gently, steps up past 90 % sold"),
    ("flat", "Flat", "always the base price"),
    (
        "buckets",
        "Fare buckets",
        "the price of the cheapest bucket with seats left",
    ),
    (
        "emsr_b",
        "EMSR-b fare classes",
        "fare buckets sized from the demand forecast for each class",
    ),
];

/// Blank rows offered below a rule's buckets or fare classes, to add more.
const SPARE_ROWS: usize = 2;
/// The most rows the domain accepts.
const MAX_ROWS: usize = 26;

/// The fields of one category's form, as posted or as stored.
#[derive(Debug, Clone, Default)]
pub struct RuleForm {
    pub category: String,
    pub curve: String,
    scalars: BTreeMap<&'static str, String>,
    buckets: Vec<[String; 2]>,
    classes: Vec<[String; 3]>,
    errors: BTreeMap<String, String>,
}

/// The single-valued inputs: form name and label.
const LIMITS: &[(&str, &str)] = &[
    ("floor", "Floor (× base)"),
    ("cap", "Cap (× base)"),
    ("rounding_minor", "Step (minor units)"),
];
const TIME: &[(&str, &str)] = &[
    ("time_hours_before", "Hours before the start"),
    ("time_multiplier", "Multiplier"),
];
const DEMAND: &[(&str, &str)] = &[
    ("demand_window_minutes", "Window (minutes)"),
    ("demand_holds_per_100_seats", "Holds per 100 seats"),
    ("demand_multiplier", "Multiplier"),
];
const BUCKET: [&str; 2] = ["share", "multiplier"];
const CLASS: [&str; 3] = ["multiplier", "mean", "sd"];

fn number(x: f64) -> String {
    format!("{x}")
}

impl RuleForm {
    /// A stored rule as its form shows it.
    pub fn from_rule(category: &str, rule: &Rule) -> RuleForm {
        let mut scalars = BTreeMap::new();
        scalars.insert("floor", number(rule.floor));
        scalars.insert("cap", number(rule.cap));
        scalars.insert("rounding_minor", rule.rounding_minor.to_string());
        if let Some(t) = &rule.time_factor {
            scalars.insert("time_hours_before", number(t.hours_before));
            scalars.insert("time_multiplier", number(t.multiplier));
        }
        if let Some(d) = &rule.demand_factor {
            scalars.insert("demand_window_minutes", d.window_minutes.to_string());
            scalars.insert("demand_holds_per_100_seats", number(d.holds_per_100_seats));
            scalars.insert("demand_multiplier", number(d.multiplier));
        }
        let (curve, buckets, classes) = match &rule.curve {
            Curve::Concert => ("concert", vec![], vec![]),
            Curve::Flight => ("flight", vec![], vec![]),
            Curve::Bus => ("bus", vec![], vec![]),
            Curve::Train => ("train", vec![], vec![]),
            Curve::Flat => ("flat", vec![], vec![]),
            Curve::Buckets(b) => (
                "buckets",
                b.iter()
                    .map(|b| [number(b.share), number(b.multiplier)])
                    .collect(),
                vec![],
            ),
            Curve::EmsrB(c) => (
                "emsr_b",
                vec![],
                c.iter()
                    .map(|c| [number(c.multiplier), number(c.mean), number(c.sd)])
                    .collect(),
            ),
        };
        RuleForm {
            category: category.to_string(),
            curve: curve.to_string(),
            scalars,
            buckets,
            classes,
            errors: BTreeMap::new(),
        }
    }

    /// The posted fields, as typed (rows left wholly empty are dropped).
    pub fn from_fields(fields: &BTreeMap<String, String>) -> RuleForm {
        let get = |name: &str| {
            fields
                .get(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let mut scalars = BTreeMap::new();
        for (name, _) in LIMITS.iter().chain(TIME).chain(DEMAND) {
            scalars.insert(*name, get(name));
        }
        let buckets = (0..MAX_ROWS)
            .map(|i| BUCKET.map(|part| get(&format!("bucket_{i}_{part}"))))
            .filter(|row| row.iter().any(|v| !v.is_empty()))
            .collect();
        let classes = (0..MAX_ROWS)
            .map(|i| CLASS.map(|part| get(&format!("class_{i}_{part}"))))
            .filter(|row| row.iter().any(|v| !v.is_empty()))
            .collect();
        RuleForm {
            category: get("category"),
            curve: get("curve"),
            scalars,
            buckets,
            classes,
            errors: BTreeMap::new(),
        }
    }

    fn scalar(&self, name: &str) -> &str {
        self.scalars.get(name).map(String::as_str).unwrap_or("")
    }

    /// The rule the fields describe, or the fields that are not numbers (named as the
    /// domain names them).
    pub fn to_rule(&self) -> Result<Rule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let c = &self.category;
        let mut num = |text: &str, field: String| -> f64 {
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => x,
                _ => {
                    errors.push(FieldError {
                        field,
                        message: "must be a number".into(),
                    });
                    0.0
                }
            }
        };
        let floor = num(self.scalar("floor"), format!("{c}.floor"));
        let cap = num(self.scalar("cap"), format!("{c}.cap"));
        let rounding = num(self.scalar("rounding_minor"), format!("{c}.rounding_minor"));
        let time_factor = match (
            self.scalar("time_hours_before"),
            self.scalar("time_multiplier"),
        ) {
            ("", "") => None,
            (hours, m) => Some(TimeFactor {
                hours_before: num(hours, format!("{c}.time_factor.hours_before")),
                multiplier: num(m, format!("{c}.time_factor.multiplier")),
            }),
        };
        let mut whole = Vec::new();
        let demand_factor = match (
            self.scalar("demand_window_minutes"),
            self.scalar("demand_holds_per_100_seats"),
            self.scalar("demand_multiplier"),
        ) {
            ("", "", "") => None,
            (window, holds, m) => Some(DemandFactor {
                window_minutes: {
                    let field = format!("{c}.demand_factor.window_minutes");
                    let minutes = num(window, field.clone());
                    whole.push((minutes, field));
                    minutes.clamp(0.0, f64::from(u32::MAX)) as u32
                },
                holds_per_100_seats: num(holds, format!("{c}.demand_factor.holds_per_100_seats")),
                multiplier: num(m, format!("{c}.demand_factor.multiplier")),
            }),
        };
        let curve = match self.curve.as_str() {
            "concert" => Curve::Concert,
            "flight" => Curve::Flight,
            "bus" => Curve::Bus,
            "train" => Curve::Train,
            "flat" => Curve::Flat,
            "buckets" => Curve::Buckets(
                self.buckets
                    .iter()
                    .enumerate()
                    .map(|(i, [share, m])| Bucket {
                        share: num(share, format!("{c}.curve.buckets[{i}].share")),
                        multiplier: num(m, format!("{c}.curve.buckets[{i}].multiplier")),
                    })
                    .collect(),
            ),
            "emsr_b" => Curve::EmsrB(
                self.classes
                    .iter()
                    .enumerate()
                    .map(|(i, [m, mean, sd])| FareClass {
                        multiplier: num(m, format!("{c}.curve.emsr_b[{i}].multiplier")),
                        mean: num(mean, format!("{c}.curve.emsr_b[{i}].mean")),
                        sd: num(sd, format!("{c}.curve.emsr_b[{i}].sd")),
                    })
                    .collect(),
            ),
            _ => {
                errors.push(FieldError {
                    field: format!("{c}.curve"),
                    message: "choose one of the curves listed".into(),
                });
                Curve::Flat
            }
        };
        // Whole numbers, or the domain's range checks would see rounded ones.
        whole.push((rounding, format!("{c}.rounding_minor")));
        for (value, field) in whole {
            if value.fract() != 0.0 {
                errors.push(FieldError {
                    field,
                    message: "must be a whole number".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rule {
            curve,
            floor,
            cap,
            rounding_minor: rounding.clamp(i64::MIN as f64, i64::MAX as f64) as i64,
            time_factor,
            demand_factor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_default_rule_survives_the_form() {
        for category in ["movie", "concert", "flight", "bus", "train"] {
            let rule = Rule::default_for(category);
            let form = RuleForm::from_rule(category, &rule);
            let mut fields = posted(&[("category", category), ("curve", &form.curve)]);
            for f in form
                .limits()
                .iter()
                .chain(&form.time())
                .chain(&form.demand())
            {
                fields.insert(f.name.clone(), f.value.clone());
            }
            assert_eq!(RuleForm::from_fields(&fields).to_rule(), Ok(rule));
        }
    }

    #[test]
    fn buckets_skip_empty_rows_and_bad_numbers_are_named() {
        let form = RuleForm::from_fields(&posted(&[
            ("category", "bus"),
            ("curve", "buckets"),
            ("floor", "1"),
            ("cap", "2"),
            ("rounding_minor", "100"),
            ("bucket_0_share", "0.5"),
            ("bucket_0_multiplier", "1"),
            ("bucket_3_share", "0.5"),
            ("bucket_3_multiplier", "1.5"),
        ]));
        let rule = form.to_rule().expect("a rule");
        assert_eq!(
            rule.curve,
            Curve::Buckets(vec![
                Bucket {
                    share: 0.5,
                    multiplier: 1.0
                },
                Bucket {
                    share: 0.5,
                    multiplier: 1.5
                }
            ])
        );
        assert_eq!(form.bucket_rows().len(), 4);
        let bad = RuleForm::from_fields(&posted(&[
            ("category", "bus"),
            ("curve", "buckets"),
            ("floor", "one"),
            ("cap", "2"),
            ("rounding_minor", "1.5"),
            ("bucket_0_share", "0.5"),
            ("time_multiplier", "2"),
        ]));
        let errors = bad.to_rule().expect_err("not numbers");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "bus.floor",
                "bus.time_factor.hours_before",
                "bus.curve.buckets[0].multiplier",
                "bus.rounding_minor"
            ]
        );
        let shown = bad.with_errors(&errors);
        assert!(shown.error("floor").is_some());
        assert!(shown.error("time_hours_before").is_some());
        assert!(shown.error("bucket_0_multiplier").is_some());
    }
}
