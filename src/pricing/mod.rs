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
mod prices;
#[cfg(test)]
mod props;
pub mod repo;
pub mod rule;
mod rule_edit;

pub use prices::{CategoryPrice, NextStep, PricesView};
pub use rule_edit::CurvePoint;

use crate::catalog::seats_changed::SeatsChanged;
use crate::clock::SharedClock;
use crate::error::Error;
use crate::inventory::Inventory;
use crate::jobs::{JobRow, message};
use crate::store::Sqlite;
use curve::Factors;
use repo::HistoryRow;
use rule::Rule;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The pricing handle.
#[derive(Clone)]
pub struct Pricing {
    db: Sqlite,
    inventory: Inventory,
    clock: SharedClock,
    /// One recompute at a time per event: two of the same event must not interleave their
    /// read, write and quote update. Events are independent, so theirs run side by side and
    /// their writes share the SQLite writer's group commits.
    serial: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl std::fmt::Debug for Pricing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pricing")
    }
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
            serial: Arc::default(),
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The seats-changed consumer: recomputes unless a newer state was priced already.
    pub async fn on_seats_changed(&self, job: JobRow) -> Result<(), String> {
        let changed: SeatsChanged = message::read(&job)?;
        self.recompute(&changed.event_id, changed.reason.as_str())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Recomputes an event's prices from the live index; returns how many changed.
    pub async fn recompute(&self, event_id: &str, cause: &str) -> Result<usize, Error> {
        let event_lock = Arc::clone(
            self.serial
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(event_id.to_string())
                .or_default(),
        );
        let _one_at_a_time = event_lock.lock().await;
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
                let factors = factors(conn, &rule, &id, event.starts_at_ms, &counts, now_ms)?;
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
                        &HistoryRow {
                            id: 0,
                            category: category.clone(),
                            old_minor: old.unwrap_or(input.base_minor),
                            new_minor: new,
                            occupancy,
                            cause: cause.clone(),
                            at_ms: now_ms,
                        },
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
        crate::metric::record::prices_changed(changed);
        Ok(changed)
    }

    /// Recomputes every upcoming event (time factors move prices without seat changes).
    pub async fn recompute_upcoming(&self) -> Result<usize, Error> {
        let now_ms = crate::catalog::model::floor_second_ms(self.clock.now_ms());
        let events = self
            .db
            .read(move |conn| repo::upcoming_events(conn, now_ms))
            .await?;
        let mut changed = 0;
        for event_id in events {
            changed += self.recompute(&event_id, "time").await?;
        }
        Ok(changed)
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
    starts_at_ms: i64,
    counts: &[(String, crate::catalog::model::Availability)],
    now_ms: i64,
) -> Result<Factors, Error> {
    let last_minute = rule.time_factor.as_ref().is_some_and(|t| {
        now_ms >= starts_at_ms - (t.hours_before * 3_600_000.0) as i64 && now_ms < starts_at_ms
    });
    let high_demand = match &rule.demand_factor {
        Some(d) => {
            let seats: u64 = counts.iter().map(|(_, a)| a.total).sum();
            // From a whole second, as when the seat history kept seconds.
            let since = crate::catalog::model::floor_second_ms(now_ms)
                - i64::from(d.window_minutes) * 60_000;
            let holds = crate::catalog::history_repo::seats_held_since(conn, event_id, since)?;
            seats > 0 && holds as f64 * 100.0 / seats as f64 >= d.holds_per_100_seats
        }
        None => false,
    };
    Ok(Factors {
        last_minute,
        high_demand,
    })
}
