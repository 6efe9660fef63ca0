//! Best-available seat selection for holds by quantity on seated events.
//!
//! The rules, in order: seats side by side in one row where possible; never leave a single
//! free seat stranded between the chosen block and a taken seat or the row's end when
//! another choice exists; earlier rows first (a seat map lists its rows in order of
//! preference); nearest the row's middle. When no row has room, the fewest, longest runs
//! are combined. Accessible seats (wheelchair spaces) are chosen first when asked for, with
//! companion seats preferred beside them.

use super::seat_index::{EventSeats, SeatNo};
use super::seat_layout::LayoutRow;
use crate::catalog::model::SeatFlag;
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

/// How good a window of seats is, lower first: (orphans it leaves, row, distance from the
/// row's middle ×2).
type Score = (u8, usize, i64);

/// Calls `each` with every run of a row: eligible seats of consecutive numbers, as a slice
/// of the row's seats (they are in order of number, so a run is contiguous there).
fn runs<'a>(
    ix: &EventSeats,
    row: &'a LayoutRow,
    eligible: &dyn Fn(SeatNo) -> bool,
    mut each: impl FnMut(&'a [SeatNo]),
) {
    let seats = &row.seats;
    let mut start = 0;
    let mut previous: Option<u32> = None;
    for (i, &s) in seats.iter().enumerate() {
        let number = ix.seats[s as usize].number;
        if !eligible(s) {
            if previous.is_some() {
                each(&seats[start..i]);
            }
            previous = None;
            continue;
        }
        match previous {
            Some(p) if number == p + 1 => {}
            Some(_) => {
                each(&seats[start..i]);
                start = i;
            }
            None => start = i,
        }
        previous = Some(number);
    }
    if previous.is_some() {
        each(&seats[start..]);
    }
}

/// Picks `n` seats among the eligible ones, or `None` if fewer are free.
fn pick(ix: &EventSeats, n: usize, eligible: &dyn Fn(SeatNo) -> bool) -> Option<Vec<SeatNo>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let rows = ix.layout().rows();
    let mut best: Option<(Score, &[SeatNo])> = None;
    for (ri, row) in rows.iter().enumerate() {
        if row.open() < n {
            // Too few seats that could be free: no window here.
            continue;
        }
        runs(ix, row, eligible, |run| {
            if run.len() < n {
                return;
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
        });
        if best
            .as_ref()
            .is_some_and(|((orphans, _, _), _)| *orphans == 0)
        {
            // Later rows score worse than a window that strands no seat in this one.
            break;
        }
    }
    if let Some((_, window)) = best {
        return Some(window.to_vec());
    }
    // No row has room: combine the longest runs.
    let mut all: Vec<(usize, &[SeatNo])> = Vec::new();
    for (ri, row) in rows.iter().enumerate() {
        if row.open() > 0 {
            runs(ix, row, eligible, |run| all.push((ri, run)));
        }
    }
    all.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let chosen: Vec<SeatNo> = all
        .iter()
        .flat_map(|(_, run)| run.iter().copied())
        .take(n)
        .collect();
    (chosen.len() == n).then_some(chosen)
}

/// Chooses seats for `want` on `legs`, or `None` when not enough are free.
pub fn choose(ix: &EventSeats, want: Want, legs: &Range<u16>, now_ms: i64) -> Option<Vec<SeatNo>> {
    let free = |s: SeatNo| ix.is_free(s, legs, now_ms);
    let has = |s: SeatNo, flag: SeatFlag| ix.seats[s as usize].flags.contains(flag);
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
        let layout = ix.layout();
        let mut rows_of_chosen: Vec<usize> = chosen.iter().map(|&s| layout.row_of(s)).collect();
        rows_of_chosen.sort_unstable();
        rows_of_chosen.dedup();
        let mut candidates: Vec<SeatNo> = rows_of_chosen
            .iter()
            .flat_map(|&r| layout.rows()[r].seats.iter().copied())
            .filter(|&s| available(s) && has(s, SeatFlag::Companion))
            .collect();
        // In seat-map order, as a scan of the whole map would find them.
        candidates.sort_unstable();
        let companions = candidates.into_iter().take(rest);
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
        let mut l: Vec<String> = seats.iter().map(|&s| ix.label(s).to_string()).collect();
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
