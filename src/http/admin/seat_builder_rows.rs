//! One row of the seat-map builder read into the API's row: its name, seat count and
//! category, and the single-seat overrides typed beside it (`1:accessible:wheelchair_space
//! 2:companion`). What it cannot read goes into the form's errors under the row's inputs.

use super::form_errors::Errs;
use super::seat_builder::RowForm;
use crate::catalog::model::SeatFlag;
use crate::catalog::seat_map::{RowInput, RowSeats, SeatInput};
use std::collections::BTreeMap;

/// One single-seat override: the seat number(s) and what differs about them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Single {
    numbers: std::ops::RangeInclusive<u32>,
    category: Option<String>,
    flags: Vec<SeatFlag>,
}

/// Reads `1:accessible:wheelchair_space, 2:companion 10-12:restricted_view`: entries split by
/// commas, semicolons or spaces; each a seat number or range, then categories and flags in
/// any order (a known flag name is a flag, any other word the category).
fn parse_singles(text: &str) -> Result<Vec<Single>, String> {
    let mut out = Vec::new();
    for entry in text
        .split([',', ';', ' ', '\n', '\r', '\t'])
        .filter(|e| !e.is_empty())
    {
        let mut parts = entry.split(':');
        let numbers = parts.next().unwrap_or("");
        let range = match numbers.split_once('-') {
            Some((a, b)) => a.parse::<u32>().ok().zip(b.parse::<u32>().ok()),
            None => numbers.parse::<u32>().ok().map(|n| (n, n)),
        };
        let Some((first, last)) = range.filter(|(a, b)| *a >= 1 && a <= b && *b <= 9_999) else {
            return Err(format!(
                "`{entry}` must start with a seat number (1 to 9999) or a range such as 3-5"
            ));
        };
        let mut single = Single {
            numbers: first..=last,
            category: None,
            flags: Vec::new(),
        };
        for word in parts {
            match SeatFlag::ALL.into_iter().find(|f| f.as_str() == word) {
                Some(flag) => single.flags.push(flag),
                None if single.category.is_none() && !word.is_empty() => {
                    single.category = Some(word.to_string())
                }
                None => {
                    return Err(format!(
                        "`{entry}` names more than one category; flags are {}",
                        SeatFlag::ALL.map(SeatFlag::as_str).join(", ")
                    ));
                }
            }
        }
        if single.category.is_none() && single.flags.is_empty() {
            return Err(format!(
                "`{entry}` says nothing about the seat: add a category or a flag, e.g. {entry}:aisle"
            ));
        }
        out.push(single);
    }
    Ok(out)
}

pub(super) fn build_row(row: &RowForm, errs: &mut Errs) -> Option<RowInput> {
    let seats_key = format!("{}_seats", row.key);
    let singles_key = format!("{}_singles", row.key);
    let count = match row.seats.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.add(seats_key, "must be a whole number of seats, e.g. 20");
                return None;
            }
        },
    };
    let category = match row.category.trim() {
        "" => None,
        c => Some(c.to_string()),
    };
    let singles = match parse_singles(&row.singles) {
        Ok(s) => s,
        Err(message) => {
            errs.add(singles_key, message);
            return None;
        }
    };
    let seats = if singles.is_empty() {
        RowSeats::Count(count.unwrap_or(0))
    } else {
        let mut overrides: BTreeMap<u32, SeatInput> = BTreeMap::new();
        for single in &singles {
            for number in single.numbers.clone() {
                if count.is_some_and(|n| number > n) {
                    errs.add(
                        singles_key,
                        format!(
                            "seat {number} is beyond the row's {} seats",
                            count.unwrap_or(0)
                        ),
                    );
                    return None;
                }
                if overrides.contains_key(&number) {
                    errs.add(singles_key, format!("seat {number} is listed twice"));
                    return None;
                }
                overrides.insert(
                    number,
                    SeatInput {
                        number,
                        category: single.category.clone(),
                        flags: single.flags.clone(),
                    },
                );
            }
        }
        let list = match count {
            // Every seat of the row, the overridden ones as typed.
            Some(n) if n as usize <= crate::catalog::seat_map::MAX_SEATS_PER_ROW as usize => (1
                ..=n)
                .map(|number| {
                    overrides.remove(&number).unwrap_or(SeatInput {
                        number,
                        category: None,
                        flags: Vec::new(),
                    })
                })
                .collect(),
            // Too many: the catalog says so about the count.
            Some(n) => return Some(row_input(row, RowSeats::Count(n), category)),
            // No count: the row is just the seats listed.
            None => overrides.into_values().collect(),
        };
        RowSeats::List(list)
    };
    Some(row_input(row, seats, category))
}

fn row_input(row: &RowForm, seats: RowSeats, category: Option<String>) -> RowInput {
    RowInput {
        row: row.row.trim().to_string(),
        seats,
        category,
        flags: Vec::new(),
    }
}
