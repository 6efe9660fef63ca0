//! Best-available seat selection for holds by quantity on seated events.
//!
//! The rules, in order: seats side by side in one row where possible; never leave a single
//! free seat stranded between the chosen block and a taken seat or the row's end when
//! another choice exists; earlier rows first (a seat map lists its rows in order of
//! preference); nearest the row's middle. When no row has room, the fewest, longest runs
//! are combined. Accessible seats (wheelchair spaces) are chosen first when asked for, with
//! companion seats preferred beside them.

use super::seat_index::{EventSeats, SeatNo};
use crate::catalog::model::SeatFlag;
use std::collections::HashMap;
use std::ops::Range;

/// What a quantity hold asks for.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub quantity: u32,
    /// Only seats of this category (index), except the accessible ones.
    pub category: Option<u16>,
    /// How many of the seats must be wheelchair spaces.
    pub accessible: u32,
}

/// A row's free, eligible seats split into runs of consecutive numbers.
struct Row {
    runs: Vec<Vec<SeatNo>>,
    center_x2: i64,
}

fn rows(ix: &EventSeats, eligible: &dyn Fn(SeatNo) -> bool) -> Vec<Row> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut members: HashMap<(String, String), Vec<SeatNo>> = HashMap::new();
    for (i, seat) in ix.seats.iter().enumerate() {
        let key = (seat.section.clone(), seat.row.clone());
        if !members.contains_key(&key) {
            order.push(key.clone());
        }
        members.entry(key).or_default().push(i as SeatNo);
    }
    order
        .into_iter()
        .map(|key| {
            let mut seats = members.remove(&key).unwrap_or_default();
            seats.sort_by_key(|&s| ix.seats[s as usize].number);
            let (min, max) = (
                seats.first().map_or(0, |&s| ix.seats[s as usize].number),
                seats.last().map_or(0, |&s| ix.seats[s as usize].number),
            );
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
            Row {
                runs,
                center_x2: i64::from(min + max),
            }
        })
        .collect()
}

/// How good a window of seats is, lower first: (orphans it leaves, row, distance from the
/// row's middle ×2).
type Score = (u8, usize, i64);

/// Picks `n` seats among the eligible ones, or `None` if fewer are free.
fn pick(ix: &EventSeats, n: usize, eligible: &dyn Fn(SeatNo) -> bool) -> Option<Vec<SeatNo>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let rows = rows(ix, eligible);
    let mut best: Option<(Score, &[SeatNo])> = None;
    for (ri, row) in rows.iter().enumerate() {
        for run in &row.runs {
            if run.len() < n {
                continue;
            }
            for start in 0..=run.len() - n {
                let left = start;
                let right = run.len() - n - start;
                let orphans = u8::from(left == 1) + u8::from(right == 1);
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
    // No row has room: combine the longest runs.
    let mut runs: Vec<(usize, &Vec<SeatNo>)> = rows
        .iter()
        .enumerate()
        .flat_map(|(ri, row)| row.runs.iter().map(move |run| (ri, run)))
        .collect();
    runs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let mut chosen = Vec::with_capacity(n);
    for (_, run) in runs {
        for &seat in run {
            if chosen.len() == n {
                break;
            }
            chosen.push(seat);
        }
    }
    (chosen.len() == n).then_some(chosen)
}

/// Chooses seats for `want` on `legs`, or `None` when not enough are free.
pub fn choose(ix: &EventSeats, want: Want, legs: &Range<u16>, now_ms: i64) -> Option<Vec<SeatNo>> {
    let free = |s: SeatNo| ix.is_free(s, legs, now_ms);
    let has = |s: SeatNo, flag: SeatFlag| ix.seats[s as usize].flags.contains(&flag);
    let mut chosen = pick(ix, want.accessible as usize, &|s| {
        free(s) && has(s, SeatFlag::WheelchairSpace)
    })?;
    let rest = want.quantity.saturating_sub(want.accessible) as usize;
    if rest == 0 {
        return Some(chosen);
    }
    let in_category = |s: SeatNo| {
        want.category
            .is_none_or(|c| ix.seats[s as usize].category == c)
    };
    let taken = chosen.clone();
    let available = |s: SeatNo| free(s) && !taken.contains(&s);
    if !chosen.is_empty() {
        // Companions sit beside the wheelchair spaces, whatever their category.
        let rows_of_chosen: Vec<(&str, &str)> = chosen
            .iter()
            .map(|&s| {
                (
                    ix.seats[s as usize].section.as_str(),
                    ix.seats[s as usize].row.as_str(),
                )
            })
            .collect();
        let companions: Vec<SeatNo> = (0..ix.seats.len() as SeatNo)
            .filter(|&s| available(s) && has(s, SeatFlag::Companion))
            .filter(|&s| {
                let seat = &ix.seats[s as usize];
                rows_of_chosen.contains(&(seat.section.as_str(), seat.row.as_str()))
            })
            .take(rest)
            .collect();
        chosen.extend(companions);
    }
    let rest = want.quantity as usize - chosen.len();
    let taken = chosen.clone();
    let more = pick(ix, rest, &|s| {
        free(s) && !taken.contains(&s) && in_category(s) && !has(s, SeatFlag::WheelchairSpace)
    })?;
    chosen.extend(more);
    Some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::seat_index::{CategoryState, LiveHold, SeatInfo};

    /// Rows of `len` seats; `taken` lists labels already held.
    fn index(rows: &[(&str, u32)], taken: &[&str]) -> EventSeats {
        let mut seats = Vec::new();
        for (row, len) in rows {
            for n in 1..=*len {
                seats.push(SeatInfo {
                    label: format!("{row}-{n}"),
                    section: "S".into(),
                    row: row.to_string(),
                    number: n,
                    category: 0,
                    flags: Vec::new(),
                    blocked: false,
                });
            }
        }
        let mut ix = EventSeats::new(
            "e".into(),
            "INR".into(),
            Vec::new(),
            vec![CategoryState {
                name: "standard".into(),
                price_minor: 1,
                capacity: 0,
                ga_held: 0,
                ga_sold: 0,
            }],
            seats,
            false,
        );
        let seats: Vec<SeatNo> = taken
            .iter()
            .map(|l| ix.seat_no(l).expect("label"))
            .collect();
        if !seats.is_empty() {
            ix.install(
                1,
                LiveHold {
                    id: "h".into(),
                    owner: "o".into(),
                    seats,
                    places: Vec::new(),
                    legs: 0..1,
                    expires_at_ms: i64::MAX,
                },
            );
        }
        ix
    }

    fn labels(ix: &EventSeats, seats: &[SeatNo]) -> Vec<String> {
        let mut l: Vec<String> = seats
            .iter()
            .map(|&s| ix.seats[s as usize].label.clone())
            .collect();
        l.sort();
        l
    }

    fn want(n: u32) -> Want {
        Want {
            quantity: n,
            category: None,
            accessible: 0,
        }
    }

    #[test]
    fn picks_a_block_in_the_middle_of_the_first_row() {
        let ix = index(&[("A", 10), ("B", 10)], &[]);
        let seats = choose(&ix, want(2), &(0..1), 0).expect("room");
        assert_eq!(labels(&ix, &seats), ["A-5", "A-6"]);
    }

    #[test]
    fn never_strands_a_single_seat_when_another_choice_exists() {
        // Row A: 1 and 5 taken → free run 2,3,4. Two seats at 2-3 or 3-4 would strand one.
        let ix = index(&[("A", 5), ("B", 4)], &["A-1", "A-5"]);
        let seats = choose(&ix, want(2), &(0..1), 0).expect("room");
        let chosen = labels(&ix, &seats);
        assert!(chosen.iter().all(|l| l.starts_with("B-")), "{chosen:?}");
        assert_eq!(chosen, ["B-1", "B-2"]);
    }

    #[test]
    fn takes_the_stranding_block_when_it_is_the_only_one() {
        let ix = index(&[("A", 5)], &["A-1", "A-5"]);
        let seats = choose(&ix, want(2), &(0..1), 0).expect("room");
        assert_eq!(seats.len(), 2);
    }

    #[test]
    fn splits_across_rows_only_when_no_row_has_room() {
        let ix = index(&[("A", 3), ("B", 3)], &["A-2", "B-2"]);
        let seats = choose(&ix, want(3), &(0..1), 0).expect("room");
        assert_eq!(seats.len(), 3);
        assert!(choose(&ix, want(5), &(0..1), 0).is_none());
    }
}
