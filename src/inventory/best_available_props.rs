//! Property tests of best-available over the prebuilt seat layout: for any seat map, any
//! mix of held, expired, sold and blocked seats on any legs, and any request, `choose`
//! picks exactly the seats the original whole-map scan picked (kept here as the reference),
//! and each row's count of closed seats matches its seats.

use super::best_available::{Want, choose};
use super::seat_index::{CategoryState, EventSeats, LiveHold, SeatInfo, SeatNo, Slot};
use crate::catalog::model::SeatFlag;
use proptest::prelude::*;
use std::collections::HashMap;
use std::ops::Range;

/// The algorithm before the layout: regroups every seat into rows on each call.
mod reference {
    use super::*;

    type Score = (u8, usize, i64);

    struct Row {
        runs: Vec<Vec<SeatNo>>,
        center_x2: i64,
    }

    fn rows(ix: &EventSeats, eligible: &dyn Fn(SeatNo) -> bool) -> Vec<Row> {
        let mut order: Vec<(String, String)> = Vec::new();
        let mut members: HashMap<(String, String), Vec<SeatNo>> = HashMap::new();
        for seat in 0..ix.seats.len() as SeatNo {
            let key = (ix.section(seat).to_string(), ix.row_name(seat).to_string());
            if !members.contains_key(&key) {
                order.push(key.clone());
            }
            members.entry(key).or_default().push(seat);
        }
        order
            .into_iter()
            .map(|key| {
                let mut seats = members.remove(&key).unwrap_or_default();
                seats.sort_by_key(|&s| ix.seats[s as usize].number);
                let number = |s: Option<&SeatNo>| s.map_or(0, |&s| ix.seats[s as usize].number);
                let center_x2 = i64::from(number(seats.first()) + number(seats.last()));
                let mut runs: Vec<Vec<SeatNo>> = Vec::new();
                let mut previous: Option<u32> = None;
                for s in seats {
                    let number = ix.seats[s as usize].number;
                    if !eligible(s) {
                        previous = None;
                        continue;
                    }
                    match (previous, runs.last_mut()) {
                        (Some(p), Some(run)) if number == p + 1 => run.push(s),
                        _ => runs.push(vec![s]),
                    }
                    previous = Some(number);
                }
                Row { runs, center_x2 }
            })
            .collect()
    }

    fn pick(ix: &EventSeats, n: usize, eligible: &dyn Fn(SeatNo) -> bool) -> Option<Vec<SeatNo>> {
        if n == 0 {
            return Some(Vec::new());
        }
        let rows = rows(ix, eligible);
        let mut best: Option<(Score, &[SeatNo])> = None;
        for (ri, row) in rows.iter().enumerate() {
            for run in row.runs.iter().filter(|run| run.len() >= n) {
                for start in 0..=run.len() - n {
                    let right = run.len() - n - start;
                    let orphans = u8::from(start == 1) + u8::from(right == 1);
                    let first = ix.seats[run[start] as usize].number;
                    let last = ix.seats[run[start + n - 1] as usize].number;
                    let distance = (i64::from(first + last) - row.center_x2).abs();
                    let score = (orphans, ri, distance);
                    if best.as_ref().is_none_or(|(b, _)| score < *b) {
                        best = Some((score, &run[start..start + n]));
                    }
                }
            }
        }
        if let Some((_, window)) = best {
            return Some(window.to_vec());
        }
        let mut runs: Vec<(usize, &Vec<SeatNo>)> = rows
            .iter()
            .enumerate()
            .flat_map(|(ri, row)| row.runs.iter().map(move |run| (ri, run)))
            .collect();
        runs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let chosen: Vec<SeatNo> = runs
            .iter()
            .flat_map(|(_, r)| r.iter().copied())
            .take(n)
            .collect();
        (chosen.len() == n).then_some(chosen)
    }

    pub fn choose(
        ix: &EventSeats,
        want: Want,
        legs: &Range<u16>,
        now_ms: i64,
    ) -> Option<Vec<SeatNo>> {
        let free = |s: SeatNo| ix.is_free(s, legs, now_ms);
        let has = |s: SeatNo, flag: SeatFlag| ix.seats[s as usize].flags.contains(flag);
        let mut chosen = pick(ix, want.accessible as usize, &|s| {
            free(s) && has(s, SeatFlag::WheelchairSpace)
        })?;
        let rest = want.quantity.saturating_sub(want.accessible) as usize;
        if rest == 0 {
            return Some(chosen);
        }
        let taken = chosen.clone();
        let available = |s: SeatNo| free(s) && !taken.contains(&s);
        if !chosen.is_empty() {
            let rows_of_chosen: Vec<(&str, &str)> = chosen
                .iter()
                .map(|&s| (ix.section(s), ix.row_name(s)))
                .collect();
            let companions: Vec<SeatNo> = (0..ix.seats.len() as SeatNo)
                .filter(|&s| available(s) && has(s, SeatFlag::Companion))
                .filter(|&s| rows_of_chosen.contains(&(ix.section(s), ix.row_name(s))))
                .take(rest)
                .collect();
            chosen.extend(companions);
        }
        let rest = want.quantity as usize - chosen.len();
        let taken = chosen.clone();
        let in_category = |s: SeatNo| {
            want.category
                .is_none_or(|c| ix.seats[s as usize].category == c)
        };
        let more = pick(ix, rest, &|s| {
            free(s) && !taken.contains(&s) && in_category(s) && !has(s, SeatFlag::WheelchairSpace)
        })?;
        chosen.extend(more);
        Some(chosen)
    }
}

/// A seat as generated: (section, row, number step, category, flag, blocked).
type SeatSpec = (u8, u8, u8, u16, u8, bool);

/// A change applied to the index before choosing: (kind, seat, first leg, leg count).
type Change = (u8, usize, u16, u16);

fn build(specs: &[SeatSpec], legs: usize, changes: &[Change]) -> EventSeats {
    let mut next_number: HashMap<(u8, u8), u32> = HashMap::new();
    let seats: Vec<SeatInfo> = specs
        .iter()
        .enumerate()
        .map(|(i, &(section, row, step, category, flag, blocked))| {
            let number = next_number.entry((section, row)).or_insert(0);
            // Steps of 0 repeat a number, of 2 or more leave a gap.
            *number += u32::from(step);
            let flags = match flag {
                1 => vec![SeatFlag::WheelchairSpace],
                2 => vec![SeatFlag::Companion],
                _ => Vec::new(),
            };
            SeatInfo {
                label: format!("s{i}"),
                section: format!("S{section}"),
                row: format!("R{row}"),
                number: *number,
                category,
                flags,
                blocked,
            }
        })
        .collect();
    let categories = (0..2)
        .map(|c| CategoryState {
            name: format!("c{c}"),
            price_minor: 100,
            capacity: 0,
            ga_held: 0,
            ga_sold: 0,
        })
        .collect();
    let stops = if legs > 1 {
        (0..=legs).map(|i| format!("stop{i}")).collect()
    } else {
        Vec::new()
    };
    let mut ix = EventSeats::new("e".into(), "INR".into(), stops, categories, seats, false);
    let count = ix.seats.len();
    let all = ix.legs();
    for (key, &(kind, seat, first, span)) in changes.iter().enumerate() {
        let seat = (seat % count) as SeatNo;
        let first = first % all;
        let range = first..(first + 1 + span % (all - first)).min(all);
        match kind % 5 {
            // Held live (expires at 1,000) or held and expired (at 10).
            0 | 1 => ix.install(
                key as u64 + 1,
                LiveHold {
                    id: format!("h{key}"),
                    owner: "o".into(),
                    seats: vec![seat],
                    places: Vec::new(),
                    legs: range,
                    expires_at_ms: if kind % 5 == 0 { 1_000 } else { 10 },
                },
            ),
            2 => ix.mark_sold(seat, range),
            3 => ix.unsell(seat, range),
            _ => {
                let blocked = ix.seats[seat as usize].blocked;
                ix.set_blocked(seat, !blocked);
            }
        }
    }
    ix
}

fn seat_spec() -> impl Strategy<Value = SeatSpec> {
    (
        0u8..2,
        0u8..4,
        prop_oneof![8 => Just(1u8), 1 => Just(0u8), 1 => Just(3u8)],
        0u16..2,
        0u8..6,
        prop::bool::weighted(0.1),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn choose_picks_what_the_whole_map_scan_picked(
        specs in prop::collection::vec(seat_spec(), 1..60),
        legs in 1usize..4,
        changes in prop::collection::vec((0u8..5, 0usize..60, 0u16..3, 0u16..3), 0..40),
        quantity in 1u32..7,
        accessible in 0u32..3,
        category in prop::option::of(0u16..2),
        from in 0u16..3,
    ) {
        let ix = build(&specs, legs, &changes);
        let all = ix.legs();
        let legs = (from % all)..all;
        let want = Want { quantity, category, accessible: accessible.min(quantity) };
        prop_assert_eq!(choose(&ix, want, &legs, 100), reference::choose(&ix, want, &legs, 100));
        for row in ix.layout().rows() {
            let closed = row
                .seats
                .iter()
                .filter(|&&s| {
                    ix.seats[s as usize].blocked
                        || (0..all).all(|leg| ix.slot(s, leg) == Slot::Sold)
                })
                .count();
            prop_assert_eq!(row.open(), row.seats.len() - closed);
        }
    }
}
