//! The shape of an event's seat map as best-available reads it: rows in order of preference,
//! each row's seats by number, and how many seats each category has. Built once with the
//! event's seat index (at start-up and whenever the catalog reloads an event), so choosing
//! seats never regroups the event's seats: a hold on a 100,000-seat event costs what it
//! costs on a 1,000-seat one.
//!
//! Each row also counts its *closed* seats (blocked, or sold on every leg): they can never
//! be free, so a row whose other seats are too few for a request is passed over without
//! looking at its seats. The seat index keeps that count as seats are sold and blocked.

use super::seat_index::{SeatInfo, SeatNo};
use std::collections::HashMap;

/// One row: its seats in order of number.
#[derive(Debug)]
pub struct LayoutRow {
    /// The section and row names, kept once per row rather than once per seat.
    section: Box<str>,
    name: Box<str>,
    /// Seats of the row, lowest number first (index order between equal numbers).
    pub seats: Vec<SeatNo>,
    /// Twice the middle of the row's numbers (lowest + highest).
    pub center_x2: i64,
    /// Seats that cannot be free on any leg: blocked, or sold on every leg.
    closed: u32,
}

impl LayoutRow {
    /// The most seats of this row that can be free for any request.
    pub fn open(&self) -> usize {
        self.seats.len().saturating_sub(self.closed as usize)
    }

    /// The section the row is in.
    pub fn section(&self) -> &str {
        &self.section
    }

    /// The row's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Rows and category sizes of one event.
#[derive(Debug)]
pub struct SeatLayout {
    /// In order of preference: the order in which the seat map first lists each
    /// (section, row).
    rows: Vec<LayoutRow>,
    /// The row of every seat.
    row_of: Vec<u32>,
    /// Seats per category index.
    per_category: Vec<u32>,
}

impl SeatLayout {
    /// Groups `seats` into rows; `closed` says which seats are closed to begin with.
    pub fn new(
        seats: &[SeatInfo],
        categories: usize,
        closed: impl Fn(SeatNo) -> bool,
    ) -> SeatLayout {
        let mut rows: Vec<LayoutRow> = Vec::new();
        let mut row_of = Vec::with_capacity(seats.len());
        let mut per_category = vec![0u32; categories];
        let mut by_name: HashMap<(&str, &str), u32> = HashMap::new();
        for (i, seat) in seats.iter().enumerate() {
            let key = (seat.section.as_str(), seat.row.as_str());
            let row = *by_name.entry(key).or_insert_with(|| {
                rows.push(LayoutRow {
                    section: seat.section.as_str().into(),
                    name: seat.row.as_str().into(),
                    seats: Vec::new(),
                    center_x2: 0,
                    closed: 0,
                });
                rows.len() as u32 - 1
            });
            rows[row as usize].seats.push(i as SeatNo);
            row_of.push(row);
            if let Some(count) = per_category.get_mut(seat.category as usize) {
                *count += 1;
            }
            if closed(i as SeatNo) {
                rows[row as usize].closed += 1;
            }
        }
        for row in &mut rows {
            row.seats.shrink_to_fit();
            row.seats.sort_by_key(|&s| seats[s as usize].number);
            let number = |s: Option<&SeatNo>| s.map_or(0, |&s| seats[s as usize].number);
            row.center_x2 = i64::from(number(row.seats.first()) + number(row.seats.last()));
        }
        SeatLayout {
            rows,
            row_of,
            per_category,
        }
    }

    /// The rows, in order of preference.
    pub fn rows(&self) -> &[LayoutRow] {
        &self.rows
    }

    /// The row a seat is in.
    pub fn row_of(&self, seat: SeatNo) -> usize {
        self.row_of[seat as usize] as usize
    }

    /// How many seats a category has.
    pub fn seats_in_category(&self, category: u16) -> u32 {
        self.per_category
            .get(category as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Records that a seat became closed (`true`) or open again (`false`). The seat index
    /// calls it only when the seat's closedness changed.
    pub(super) fn set_closed(&mut self, seat: SeatNo, closed: bool) {
        let row = &mut self.rows[self.row_of[seat as usize] as usize];
        if closed {
            row.closed += 1;
        } else {
            row.closed = row.closed.saturating_sub(1);
        }
    }
}
