//! What a seat costs now, and why: rules per event category (or per event), curves, fare
//! buckets and EMSR-b, the current price per price category and its history.
//!
//! Choreography: pricing consumes `seats-changed` jobs, recomputes from the live seat index,
//! records changes with their history in one transaction and tells the inventory the new
//! quote (no `price-changed` job: every reader — holds, pages, the API — reads the live quote
//! or the history, so such a job would have no consumer). Nobody waits for it; a hold keeps
//! the price it was quoted. Occupancy is per price category (premium sells out before standard, and its
//! price should move first), counting sold seats only (see `curve`).
//!
//! Owns pricing_rules, pricing_overrides, current_prices and price_history.

pub mod curve;
pub mod fare_buckets;
#[cfg(test)]
mod props;
pub mod repo;
pub mod rule;

use crate::catalog::model::EventCategory;
use crate::clock::SharedClock;
use crate::error::{Error, Validator};
use crate::inventory::Inventory;
use crate::jobs::JobRow;
use crate::money::Money;
use crate::pagination::{Page, PageRequest};
use crate::store::Sqlite;
use curve::Factors;
use repo::HistoryRow;
use rule::Rule;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The pricing handle.
#[derive(Clone)]
pub struct Pricing {
    db: Sqlite,
    inventory: Inventory,
    clock: SharedClock,
    /// One recompute at a time: two must not interleave their read and write.
    serial: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Pricing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pricing")
    }
}

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
    pub history: Page<HistoryRow>,
}

/// A point of a rule's curve.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CurvePoint {
    pub occupancy: f64,
    pub price_minor: i64,
}

/// What one category's inputs are during a recompute.
struct Input {
    category: String,
    base_minor: i64,
    sold: u32,
    capacity: u32,
}

impl Pricing {
    /// Pricing over the stores.
    pub fn new(db: Sqlite, inventory: Inventory, clock: SharedClock) -> Pricing {
        Pricing {
            db,
            inventory,
            clock,
            serial: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The seats-changed consumer: recomputes unless a newer state was priced already.
    pub async fn on_seats_changed(&self, job: JobRow) -> Result<(), String> {
        let payload: serde_json::Value =
            serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
        let Some(event_id) = payload["event_id"].as_str() else {
            return Err("seats-changed without event_id".into());
        };
        let cause = payload["reason"].as_str().unwrap_or("seats-changed");
        self.recompute(event_id, cause)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Recomputes an event's prices from the live index; returns how many changed.
    pub async fn recompute(&self, event_id: &str, cause: &str) -> Result<usize, Error> {
        let _one_at_a_time = self.serial.lock().await;
        let (Some(counts), Some(seq)) = (
            self.inventory.availability(event_id),
            self.inventory.event_seq(event_id),
        ) else {
            return Ok(0); // deleted meanwhile: nothing to price
        };
        let now_ms = self.now_ms();
        let id = event_id.to_string();
        let cause = cause.to_string();
        let (changed, quotes) = self
            .db
            .write(move |conn| {
                let Some(event) = crate::catalog::repo::event_by_id(conn, &id)? else {
                    return Ok((0, Vec::new()));
                };
                let rule = repo::effective_rule(conn, &id, &event.category)?;
                let current = repo::current(conn, &id)?;
                if current.values().any(|&(_, stored)| stored > seq) {
                    return Ok((0, Vec::new())); // a newer state is priced already
                }
                let factors = factors(conn, &rule, &id, event.starts_at, &counts, now_ms)?;
                // Base prices only: the counts come from the live index, and counting the
                // event's seats here would cost a pass over all of them per recompute.
                let bases: BTreeMap<String, i64> =
                    crate::catalog::repo::categories_uncounted(conn, &id)?
                        .into_iter()
                        .map(|c| (c.category, c.base_minor))
                        .collect();
                let mut changed = Vec::new();
                let mut quotes = Vec::with_capacity(counts.len());
                for (category, a) in &counts {
                    let input = Input {
                        category: category.clone(),
                        base_minor: bases.get(category).copied().unwrap_or(0),
                        sold: a.sold as u32,
                        capacity: a.total.saturating_sub(a.blocked) as u32,
                    };
                    let new =
                        curve::price(&rule, input.base_minor, input.sold, input.capacity, factors);
                    let old = current.get(category).map(|&(p, _)| p);
                    quotes.push((category.clone(), new));
                    if old == Some(new) {
                        continue;
                    }
                    repo::set_current(conn, &id, category, new, seq, now_ms)?;
                    if old.is_none() && new == input.base_minor {
                        continue; // first pricing at the base price: nothing moved
                    }
                    let occupancy = occupancy(input.sold, input.capacity);
                    repo::record(
                        conn,
                        &id,
                        &HistoryRow::new(
                            0,
                            category.clone(),
                            old.unwrap_or(input.base_minor),
                            new,
                            occupancy,
                            cause.clone(),
                            now_ms,
                            &event.currency,
                        ),
                    )?;
                    changed.push((input.category, new));
                }
                Ok((changed.len(), quotes))
            })
            .await?;
        // Only once committed, so nobody sees a price its history does not explain yet.
        // New holds quote these prices; live holds keep theirs. Every category is set, not
        // only those that moved: an admin's base-price edit sets the live quote to the new
        // base until this job reprices it, even when the stored price stands.
        for (category, price) in &quotes {
            self.inventory.set_price(event_id, category, *price);
        }
        crate::telemetry::record::prices_changed(changed);
        Ok(changed)
    }

    /// Recomputes every upcoming event (time factors move prices without seat changes).
    pub async fn recompute_upcoming(&self) -> Result<usize, Error> {
        let now_s = self.clock.now().unix_timestamp();
        let events = self
            .db
            .read(move |conn| repo::upcoming_events(conn, now_s))
            .await?;
        let mut changed = 0;
        for event_id in events {
            changed += self.recompute(&event_id, "time").await?;
        }
        Ok(changed)
    }

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
                let history = repo::history(conn, &id, &event.currency, &request)?;
                let factors = factors(conn, &rule, &id, event.starts_at, &read_counts, now_ms)?;
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
            history: Page::from_rows(history, &page, |h| vec![h.id.to_string()]),
        })
    }

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
                let json = serde_json::to_string(&names).map_err(Error::internal)?;
                Ok(conn
                    .prepare(
                        "SELECT id FROM events WHERE category IN (SELECT value FROM json_each(?1))",
                    )?
                    .query_map([json], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?)
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

fn occupancy(sold: u32, capacity: u32) -> f64 {
    if capacity == 0 {
        0.0
    } else {
        f64::from(sold) / f64::from(capacity)
    }
}

/// The time and demand factors in force for an event now.
fn factors(
    conn: &rusqlite::Connection,
    rule: &Rule,
    event_id: &str,
    starts_at_s: i64,
    counts: &[(String, crate::catalog::model::Availability)],
    now_ms: i64,
) -> Result<Factors, Error> {
    let last_minute = rule.time_factor.as_ref().is_some_and(|t| {
        now_ms >= starts_at_s * 1000 - (t.hours_before * 3_600_000.0) as i64
            && now_ms < starts_at_s * 1000
    });
    let high_demand = match &rule.demand_factor {
        Some(d) => {
            let seats: u64 = counts.iter().map(|(_, a)| a.total).sum();
            let since = now_ms / 1000 - i64::from(d.window_minutes) * 60;
            let holds = repo::holds_since(conn, event_id, since)?;
            seats > 0 && holds as f64 * 100.0 / seats as f64 >= d.holds_per_100_seats
        }
        None => false,
    };
    Ok(Factors {
        last_minute,
        high_demand,
    })
}
