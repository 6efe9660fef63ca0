//! The inventory's invariants, for `rezerve check` (offline, from the stores) and for the
//! running server (the live index against the stores):
//! no seat on any leg in two live holds; no live hold on a blocked seat; no hold beyond a
//! general-admission category's capacity; every hold's event and seats exist; and, live,
//! the in-memory index says exactly what the stores say.

use super::hold_store::HoldRecord;
use super::loader;
use super::seat_index::{EventSeats, Slot};
use crate::error::Error;
use crate::store::check::Finding;
use rusqlite::Connection;
use std::collections::HashMap;

/// What the stores say each seat-leg is: the id of the live hold on it, if any.
pub struct Expected {
    /// Event id → (seat no, leg) → hold id.
    pub holders: HashMap<String, HashMap<(u32, u16), String>>,
    pub indexes: HashMap<String, EventSeats>,
    pub problems: Vec<(&'static str, String)>,
}

/// Rebuilds, from SQLite and the live hold records, what every index should hold.
pub fn expected(conn: &Connection, live: &[HoldRecord]) -> Result<Expected, Error> {
    let indexes: HashMap<String, EventSeats> = loader::load_all(conn)?
        .into_iter()
        .map(|ix| (ix.event_id.clone(), ix))
        .collect();
    let mut holders: HashMap<String, HashMap<(u32, u16), String>> = HashMap::new();
    let mut ga_held: HashMap<(String, String), u32> = HashMap::new();
    let mut problems = Vec::new();
    for hold in live {
        let Some(ix) = indexes.get(&hold.event_id) else {
            problems.push((
                "every hold's event exists",
                format!("hold {} is for missing event {}", hold.id, hold.event_id),
            ));
            continue;
        };
        if hold.to_leg > ix.legs() || hold.from_leg >= hold.to_leg {
            problems.push((
                "every hold's seats exist",
                format!("hold {} has an impossible segment", hold.id),
            ));
            continue;
        }
        for label in &hold.seats {
            let Some(seat) = ix.seat_no(label) else {
                problems.push((
                    "every hold's seats exist",
                    format!("hold {} holds unknown seat {label}", hold.id),
                ));
                continue;
            };
            if ix.seats[seat as usize].blocked {
                problems.push((
                    "no hold on a blocked seat",
                    format!("hold {} holds blocked seat {label}", hold.id),
                ));
            }
            let event = holders.entry(hold.event_id.clone()).or_default();
            for leg in hold.from_leg..hold.to_leg {
                if let Some(other) = event.insert((seat, leg), hold.id.clone()) {
                    problems.push((
                        "no seat-leg in two live holds",
                        format!(
                            "seat {label} of {} leg {leg} is in holds {other} and {}",
                            hold.event_id, hold.id
                        ),
                    ));
                }
            }
        }
        if ix.general_admission {
            for line in &hold.lines {
                *ga_held
                    .entry((hold.event_id.clone(), line.category.clone()))
                    .or_default() += line.quantity;
            }
        }
    }
    for ((event_id, category), held) in ga_held {
        let capacity = indexes
            .get(&event_id)
            .and_then(|ix| {
                ix.category_index(&category)
                    .map(|c| ix.categories[c as usize].capacity)
            })
            .unwrap_or(0);
        if held > capacity {
            problems.push((
                "general admission within capacity",
                format!("{held} places of `{category}` held in {event_id}, capacity {capacity}"),
            ));
        }
    }
    Ok(Expected {
        holders,
        indexes,
        problems,
    })
}

/// The findings of an offline check.
pub fn findings(expected: &Expected) -> Vec<Finding> {
    [
        "no seat-leg in two live holds",
        "no hold on a blocked seat",
        "every hold's event exists",
        "every hold's seats exist",
        "general admission within capacity",
    ]
    .into_iter()
    .map(|check| {
        Finding::from_problems(
            check,
            expected
                .problems
                .iter()
                .filter(|(c, _)| *c == check)
                .map(|(_, p)| p.clone())
                .collect(),
        )
    })
    .collect()
}

/// Where a live index differs from what the stores say, as readable lines.
pub fn differences(
    live: &EventSeats,
    holder_ids: &HashMap<u64, String>,
    expected: &Expected,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(stored) = expected.indexes.get(&live.event_id) else {
        out.push(format!(
            "event {} is in the index but not in the database",
            live.event_id
        ));
        return out;
    };
    let empty = HashMap::new();
    let stored_holders = expected.holders.get(&live.event_id).unwrap_or(&empty);
    for (seat, info) in live.seats.iter().enumerate() {
        if stored.seats.get(seat).map(|s| s.blocked) != Some(info.blocked) {
            out.push(format!(
                "{} {}: blocked differs",
                live.event_id,
                live.label(seat as u32)
            ));
        }
        for leg in 0..live.legs() {
            let in_memory = match live.slot(seat as u32, leg) {
                Slot::Held(key) => holder_ids.get(&key).cloned(),
                _ => None,
            };
            let in_store = stored_holders.get(&(seat as u32, leg)).cloned();
            if in_memory != in_store {
                out.push(format!(
                    "{} {} leg {leg}: index says {:?}, stores say {:?}",
                    live.event_id,
                    live.label(seat as u32),
                    in_memory,
                    in_store
                ));
            }
        }
    }
    out
}
