//! Reading and replacing the pricing rules (per event category, or an event's own), each
//! change repricing the events it touches; and a rule's curve as points for the editor.

use super::curve::{self, Factors};
use super::prices::PricesView;
use super::repo;
use super::rule::Rule;
use super::{Pricing, occupancy};
use crate::catalog::model::EventCategory;
use crate::error::{Error, Validator};
use crate::pagination::PageRequest;
use serde::Serialize;
use std::collections::BTreeMap;

/// A point of a rule's curve.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CurvePoint {
    pub occupancy: f64,
    pub price_minor: i64,
}

impl Pricing {
    /// The rule of every event category (stored or default).
    pub async fn rules(&self) -> Result<BTreeMap<String, Rule>, Error> {
        self.db
            .read(|conn| {
                let mut rules = BTreeMap::new();
                for category in EventCategory::ALL {
                    let name = category.as_str();
                    let rule =
                        repo::category_rule(conn, name)?.unwrap_or_else(|| Rule::default_for(name));
                    rules.insert(name.to_string(), rule);
                }
                Ok(rules)
            })
            .await
    }

    /// Replaces the rules of the categories given; every affected event is repriced.
    pub async fn put_rules(
        &self,
        rules: BTreeMap<String, Rule>,
    ) -> Result<BTreeMap<String, Rule>, Error> {
        let mut v = Validator::new();
        v.check(
            !rules.is_empty(),
            "body",
            "name at least one event category",
        );
        for (category, rule) in &rules {
            if EventCategory::parse(category).is_none() {
                v.add(
                    category.clone(),
                    "is not an event category (movie, concert, flight, bus, train)",
                );
            }
            rule.validate(category, &mut v);
        }
        v.finish()?;
        let now_ms = self.now_ms();
        let stored = rules.clone();
        let events = self
            .db
            .write(move |conn| {
                for (category, rule) in &stored {
                    repo::put_category_rule(conn, category, rule, now_ms)?;
                }
                let names: Vec<&str> = stored.keys().map(String::as_str).collect();
                crate::catalog::repo::event_ids_in_categories(conn, &names)
            })
            .await?;
        for event_id in events {
            self.recompute(&event_id, "rules").await?;
        }
        self.rules().await
    }

    /// Sets (`Some`) or removes an event's own rule, and reprices it.
    pub async fn put_event_rule(
        &self,
        event_id: &str,
        rule: Option<Rule>,
    ) -> Result<PricesView, Error> {
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let rule = rule.map(|r| r.checked("rule")).transpose()?;
        let now_ms = self.now_ms();
        let id = event_id.to_string();
        self.db
            .write(move |conn| {
                crate::catalog::repo::event_by_id(conn, &id)?.ok_or(Error::NotFound("event"))?;
                repo::put_event_rule(conn, &id, rule.as_ref(), now_ms)
            })
            .await?;
        self.recompute(event_id, "rules").await?;
        self.prices(event_id, PageRequest::parse(Some(20), None, 1)?)
            .await
    }

    /// A rule's curve as points, for a base price and capacity.
    pub fn preview(rule: &Rule, base_minor: i64, capacity: u32, points: u32) -> Vec<CurvePoint> {
        let points = points.clamp(2, 201);
        (0..points)
            .map(|i| {
                let sold =
                    (f64::from(i) / f64::from(points - 1) * f64::from(capacity)).round() as u32;
                CurvePoint {
                    occupancy: occupancy(sold, capacity),
                    price_minor: curve::price(rule, base_minor, sold, capacity, Factors::default()),
                }
            })
            .collect()
    }
}
