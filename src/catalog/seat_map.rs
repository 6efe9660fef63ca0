//! Seat maps: sections → rows → seats, as admins write them, expanded into labelled seats.
//!
//! A row `{"row": "A", "seats": 12}` makes `A-1` … `A-12`; a row may instead list its seats to
//! give single seats their own number, category or flags. A section may carry a label
//! `prefix` so two sections can both have a row A (prefix `S-` gives `S-A-1` in the stalls,
//! `C-` gives `C-A-1` in the circle). Labels must be unique in the event: a duplicate is an error, never a silent merge.

use super::model::SeatFlag;
use crate::error::Validator;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// The most seats one event may have.
pub const MAX_SEATS: usize = 100_000;
/// The most seats in one row.
pub const MAX_SEATS_PER_ROW: u32 = 1_000;
/// Price category used when a row or seat names none.
pub const DEFAULT_CATEGORY: &str = "standard";

/// A seat map as sent by an admin.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeatMapInput {
    pub sections: Vec<SectionInput>,
}

/// A named block of rows.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SectionInput {
    pub name: String,
    /// Prepended to the labels of this section's seats, e.g. `C-` for the circle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub rows: Vec<RowInput>,
}

/// One row: a count of seats numbered from 1, or a list of seats.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowInput {
    pub row: String,
    pub seats: RowSeats,
    /// The price category of the row's seats (default `standard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Flags every seat of the row has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<SeatFlag>,
}

/// The seats of a row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum RowSeats {
    /// Seats numbered 1 to n.
    Count(u32),
    /// Seats one by one.
    List(Vec<SeatInput>),
}

/// Read by hand rather than as an untagged enum: an untagged enum can only say that "data
/// did not match any variant", while this names the bad seat (`…seats[3].flags[0]`) and value.
impl<'de> Deserialize<'de> for RowSeats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RowSeatsVisitor)
    }
}

/// Accepts a seat count or a list of seats.
struct RowSeatsVisitor;

impl<'de> Visitor<'de> for RowSeatsVisitor {
    type Value = RowSeats;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of seats or a list of seats")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<RowSeats, E> {
        u32::try_from(n)
            .map(RowSeats::Count)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(n), &self))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RowSeats, A::Error> {
        Vec::<SeatInput>::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(RowSeats::List)
    }
}

/// A single seat of a row.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeatInput {
    pub number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<SeatFlag>,
}

/// A seat ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatSpec {
    pub label: String,
    pub section: String,
    pub row: String,
    pub number: u32,
    pub category: String,
    pub flags: Vec<SeatFlag>,
}

/// Whether `name` is a usable price category: lower-case letters, digits and `_`, 1–32 long.
pub fn is_category_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Row names and prefixes: short, printable, no spaces (they become part of labels).
fn is_label_part(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl SeatMapInput {
    /// Expands the map into seats in reading order, recording every problem under `field`.
    pub fn expand(&self, field: &str, v: &mut Validator) -> Vec<SeatSpec> {
        let mut seats = Vec::new();
        let mut labels = HashSet::new();
        let mut duplicates = BTreeSet::new();
        if self.sections.is_empty() {
            v.add(
                format!("{field}.sections"),
                "must have at least one section",
            );
        }
        for (si, section) in self.sections.iter().enumerate() {
            let sf = format!("{field}.sections[{si}]");
            let name = section.name.trim();
            // Characters of the value as sent, as the OpenAPI document's maxLength counts.
            v.check(
                !name.is_empty() && section.name.chars().count() <= 100,
                format!("{sf}.name"),
                "must be 1 to 100 characters",
            );
            let prefix = section.prefix.as_deref().unwrap_or("");
            if !prefix.is_empty() {
                v.check(
                    is_label_part(prefix, 8),
                    format!("{sf}.prefix"),
                    "must be 1 to 8 letters, digits, '-' or '_'",
                );
            }
            if section.rows.is_empty() {
                v.add(format!("{sf}.rows"), "must have at least one row");
            }
            for (ri, row) in section.rows.iter().enumerate() {
                let rf = format!("{sf}.rows[{ri}]");
                v.check(
                    is_label_part(&row.row, 8),
                    format!("{rf}.row"),
                    "must be 1 to 8 letters, digits, '-' or '_'",
                );
                let row_category = row.category.as_deref().unwrap_or(DEFAULT_CATEGORY);
                if !is_category_name(row_category) {
                    v.add(
                        format!("{rf}.category"),
                        "must be 1 to 32 lower-case letters, digits or '_'",
                    );
                }
                let mut add = |number: u32,
                               category: &str,
                               flags: Vec<SeatFlag>,
                               sf_field: String,
                               v: &mut Validator| {
                    if number == 0 || number > 9_999 {
                        v.add(sf_field, "seat numbers run from 1 to 9999");
                        return;
                    }
                    let label = format!("{prefix}{}-{number}", row.row);
                    if !labels.insert(label.clone()) {
                        duplicates.insert(label.clone());
                    }
                    let mut flags = flags;
                    flags.sort();
                    flags.dedup();
                    seats.push(SeatSpec {
                        label,
                        section: name.to_string(),
                        row: row.row.clone(),
                        number,
                        category: category.to_string(),
                        flags,
                    });
                };
                match &row.seats {
                    RowSeats::Count(0) => {
                        v.add(format!("{rf}.seats"), "a row needs at least one seat")
                    }
                    RowSeats::Count(n) if *n > MAX_SEATS_PER_ROW => v.add(
                        format!("{rf}.seats"),
                        format!("a row has at most {MAX_SEATS_PER_ROW} seats"),
                    ),
                    RowSeats::Count(n) => {
                        for number in 1..=*n {
                            add(
                                number,
                                row_category,
                                row.flags.clone(),
                                format!("{rf}.seats"),
                                v,
                            );
                        }
                    }
                    RowSeats::List(list) if list.is_empty() => {
                        v.add(format!("{rf}.seats"), "a row needs at least one seat")
                    }
                    RowSeats::List(list) if list.len() > MAX_SEATS_PER_ROW as usize => v.add(
                        format!("{rf}.seats"),
                        format!("a row has at most {MAX_SEATS_PER_ROW} seats"),
                    ),
                    RowSeats::List(list) => {
                        for (i, seat) in list.iter().enumerate() {
                            let category = seat.category.as_deref().unwrap_or(row_category);
                            if !is_category_name(category) {
                                v.add(
                                    format!("{rf}.seats[{i}].category"),
                                    "must be 1 to 32 lower-case letters, digits or '_'",
                                );
                            }
                            let mut flags = row.flags.clone();
                            flags.extend(seat.flags.iter().copied());
                            add(
                                seat.number,
                                category,
                                flags,
                                format!("{rf}.seats[{i}].number"),
                                v,
                            );
                        }
                    }
                }
                if seats.len() > MAX_SEATS {
                    v.add(
                        field.to_string(),
                        format!("an event has at most {MAX_SEATS} seats"),
                    );
                    return seats;
                }
            }
        }
        if !duplicates.is_empty() {
            let shown: Vec<_> = duplicates.iter().take(10).cloned().collect();
            v.add(
                field.to_string(),
                format!(
                    "seat labels must be unique; repeated: {}{}",
                    shown.join(", "),
                    if duplicates.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ),
            );
        }
        seats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: serde_json::Value) -> SeatMapInput {
        serde_json::from_value(json).expect("seat map json")
    }

    #[test]
    fn counts_and_lists_expand_in_reading_order() {
        let m = map(serde_json::json!({"sections": [{"name": "Stalls", "rows": [
            {"row": "A", "seats": 3, "category": "premium", "flags": ["aisle"]},
            {"row": "B", "seats": [{"number": 1, "category": "accessible", "flags": ["wheelchair_space"]}, {"number": 2}]}
        ]}]}));
        let mut v = Validator::new();
        let seats = m.expand("seat_map", &mut v);
        assert!(v.is_clean(), "{v:?}");
        let labels: Vec<_> = seats.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["A-1", "A-2", "A-3", "B-1", "B-2"]);
        assert_eq!(seats[0].category, "premium");
        assert_eq!(seats[0].flags, vec![SeatFlag::Aisle]);
        assert_eq!(seats[3].category, "accessible");
        assert_eq!(seats[3].flags, vec![SeatFlag::WheelchairSpace]);
        assert_eq!(seats[4].category, "standard");
    }

    #[test]
    fn duplicates_zero_rows_and_bad_names_are_reported_together() {
        let m = map(serde_json::json!({"sections": [
            {"name": "Stalls", "rows": [{"row": "A", "seats": 2}, {"row": "B", "seats": 0}]},
            {"name": "Circle", "rows": [{"row": "A", "seats": 1}, {"row": "has space", "seats": 1, "category": "Bad"}]}
        ]}));
        let mut v = Validator::new();
        m.expand("seat_map", &mut v);
        let err = v.finish().expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("repeated: A-1"), "{text}");
        assert!(
            text.contains("seat_map.sections[0].rows[1].seats"),
            "{text}"
        );
        assert!(text.contains("seat_map.sections[1].rows[1].row"), "{text}");
        assert!(
            text.contains("seat_map.sections[1].rows[1].category"),
            "{text}"
        );
    }

    #[test]
    fn prefixes_keep_sections_apart() {
        let m = map(serde_json::json!({"sections": [
            {"name": "Stalls", "prefix": "S", "rows": [{"row": "A", "seats": 1}]},
            {"name": "Circle", "prefix": "C", "rows": [{"row": "A", "seats": 1}]}
        ]}));
        let mut v = Validator::new();
        let seats = m.expand("seat_map", &mut v);
        assert!(v.is_clean());
        assert_eq!(seats[0].label, "SA-1");
        assert_eq!(seats[1].label, "CA-1");
    }
}
