//! An event's prices as the API and the console show them: per price category the base,
//! current, floor and cap prices, the occupancy, the next step and why, with the history.

use super::repo::{self, HistoryRow};
use super::rule::Rule;
use super::{Pricing, curve, factors, occupancy};
use crate::error::Error;
use crate::money::Money;
use crate::pagination::{Page, PageRequest};
use serde::Serialize;
use std::collections::BTreeMap;

/// The next price rise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NextStep {
    pub price: Money,
    /// Seats sold in the category when it comes.
    pub at_sold: u32,
    pub at_occupancy: f64,
}

/// One price category's price and where it can go.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryPrice {
    pub category: String,
    pub base_price: Money,
    pub current_price: Money,
    pub floor_price: Money,
    pub cap_price: Money,
    pub sold: u32,
    pub capacity: u32,
    pub occupancy: f64,
    pub next_step: Option<NextStep>,
    /// How the rule arrives at its price now (the current price may lag it for the
    /// moment a recompute takes).
    pub why: curve::Breakdown,
}

// As the API and the console show it; the schema keeps the name it was published under.
/// One price change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = HistoryRow)]
pub struct PriceChange {
    #[serde(skip)]
    pub id: i64,
    pub category: String,
    pub old_minor: i64,
    pub new_minor: i64,
    pub occupancy: f64,
    /// What moved it: `seats-changed`, `base-price`, `rules`, `time`.
    pub cause: String,
    pub at_ms: i64,
    /// The price before (`old_minor` repeats its amount).
    pub old_price: Money,
    /// The price after (`new_minor` repeats its amount).
    pub new_price: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

impl PriceChange {
    fn new(row: HistoryRow, currency: &str) -> PriceChange {
        PriceChange {
            old_price: Money::new(row.old_minor, currency),
            new_price: Money::new(row.new_minor, currency),
            at: crate::clock::at_ms(row.at_ms),
            id: row.id,
            category: row.category,
            old_minor: row.old_minor,
            new_minor: row.new_minor,
            occupancy: row.occupancy,
            cause: row.cause,
            at_ms: row.at_ms,
        }
    }
}

/// An event's prices, the rule behind them, and their history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PricesView {
    pub event_id: String,
    pub event_name: String,
    pub currency: String,
    pub rule: Rule,
    /// Whether the rule is the event's own (else its category's).
    pub event_rule: bool,
    pub categories: Vec<CategoryPrice>,
    pub history: Page<PriceChange>,
}

impl Pricing {
    /// An event's prices, range, next step and history.
    pub async fn prices(&self, event_id: &str, page: PageRequest) -> Result<PricesView, Error> {
        if !crate::ids::looks_like("evt", event_id) {
            return Err(Error::NotFound("event"));
        }
        let counts = self
            .inventory
            .availability(event_id)
            .ok_or(Error::NotFound("event"))?;
        let live: BTreeMap<String, i64> = self.inventory.prices(event_id).into_iter().collect();
        let now_ms = self.now_ms();
        let id = event_id.to_string();
        let request = page.clone();
        let read_counts = counts.clone();
        let (event, rule, own, bases, history, factors) = self
            .db
            .read(move |conn| {
                let event = crate::catalog::repo::event_by_id(conn, &id)?
                    .ok_or(Error::NotFound("event"))?;
                let own = repo::event_rule(conn, &id)?.is_some();
                let rule = repo::effective_rule(conn, &id, &event.category)?;
                // Base prices only: the counts come from the live index, and counting the
                // event's seats here would cost a pass over all of them per recompute.
                let bases: BTreeMap<String, i64> =
                    crate::catalog::repo::categories_uncounted(conn, &id)?
                        .into_iter()
                        .map(|c| (c.category, c.base_minor))
                        .collect();
                let history = repo::history(conn, &id, &request)?;
                let factors = factors(conn, &rule, &id, event.starts_at_ms, &read_counts, now_ms)?;
                Ok((event, rule, own, bases, history, factors))
            })
            .await?;
        let money = |minor: i64| Money::new(minor, &event.currency);
        let categories = counts
            .iter()
            .map(|(category, a)| {
                let base = bases.get(category).copied().unwrap_or(0);
                let (sold, capacity) = (a.sold as u32, a.total.saturating_sub(a.blocked) as u32);
                let (low, high) = curve::bounds(&rule, base);
                let current = live.get(category).copied().unwrap_or(base);
                CategoryPrice {
                    category: category.clone(),
                    base_price: money(base),
                    current_price: money(current),
                    floor_price: money(low),
                    cap_price: money(high),
                    sold,
                    capacity,
                    occupancy: occupancy(sold, capacity),
                    why: curve::breakdown(&rule, base, sold, capacity, factors),
                    next_step: curve::next_step(&rule, base, sold, capacity, factors).map(
                        |(price, at)| NextStep {
                            price: money(price),
                            at_sold: at,
                            at_occupancy: occupancy(at, capacity),
                        },
                    ),
                }
            })
            .collect();
        Ok(PricesView {
            event_id: event.id,
            event_name: event.name,
            currency: event.currency.clone(),
            rule,
            event_rule: own,
            categories,
            history: Page::from_rows(history, &page, |h| vec![h.id.to_string()])
                .map(|row| PriceChange::new(row, &event.currency)),
        })
    }
}
