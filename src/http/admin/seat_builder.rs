//! The seat-map builder of the event form: sections, each with rows of "row name + number of
//! seats + price category", and single seats with their own category and flags typed as
//! overrides (`1:accessible:wheelchair_space 2:companion`). Works without JavaScript: "Add
//! rows" and "Add section" post the form back to itself, which shows it again with the
//! rows added and everything typed kept.
//!
//! Turns what was typed into the API's [`SeatMapInput`]; never decides what a valid map is
//! (the catalog does), only what it cannot even read.

use super::form_errors::Errs;
use super::seat_builder_rows::build_row;
use crate::catalog::seat_map::{RowSeats, SeatMapInput, SectionInput};

/// The most sections and rows a form keeps (far beyond any hall; the body limit bounds the
/// rest).
pub const MAX_SECTIONS: usize = 100;

pub const MAX_ROWS: usize = 500;

/// The most rows one "Add rows" adds.
pub const MAX_ADD: usize = 50;

/// A section as typed.
#[derive(Debug, Clone, Default)]
pub struct SectionForm {
    /// Its inputs' name prefix, `s0`.
    pub key: String,
    pub name: String,
    pub prefix: String,
    /// How many rows "Add rows" adds.
    pub add: String,
    pub rows: Vec<RowForm>,
    /// Focus lands here after the form came back (a section just added).
    pub focus: bool,
}

/// A row as typed.
#[derive(Debug, Clone, Default)]
pub struct RowForm {
    /// Its inputs' name prefix, `s0_r3`.
    pub key: String,
    pub row: String,
    pub seats: String,
    pub category: String,
    /// Single seats with their own category or flags.
    pub singles: String,
    pub focus: bool,
}

impl SectionForm {
    /// Rows that say something (a row name alone is what "Add rows" prefills).
    pub fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.rows.iter().all(RowForm::is_blank)
    }

    /// The seats its rows make, as far as they can be counted, for the running total.
    pub fn seat_count(&self) -> u64 {
        self.rows
            .iter()
            .filter_map(|r| r.seats.trim().parse::<u64>().ok())
            .sum()
    }
}

impl RowForm {
    /// Neither seats nor single seats typed.
    pub fn is_blank(&self) -> bool {
        self.seats.trim().is_empty() && self.singles.trim().is_empty()
    }
}

/// A section with one empty row `A`, as a new form shows it.
pub fn new_section() -> SectionForm {
    SectionForm {
        add: "1".into(),
        rows: vec![RowForm {
            row: "A".into(),
            category: crate::catalog::seat_map::DEFAULT_CATEGORY.into(),
            ..RowForm::default()
        }],
        ..SectionForm::default()
    }
}

/// The row after `name`: `A`→`B`, `Z`→`AA`, `AZ`→`BA`, `9`→`10`, `R9`→`R10`; anything else
/// gets `name` + `'`, which a person will rename.
pub fn next_row_name(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        return "A".into();
    }
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        let (head, tail) = name.split_at(name.len() - digits);
        if let Ok(n) = tail.parse::<u64>() {
            return format!("{head}{}", n + 1);
        }
    }
    if name.chars().all(|c| c.is_ascii_uppercase()) || name.chars().all(|c| c.is_ascii_lowercase())
    {
        let (first, last) = if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            (b'A', b'Z')
        } else {
            (b'a', b'z')
        };
        let mut bytes = name.as_bytes().to_vec();
        for i in (0..bytes.len()).rev() {
            if bytes[i] < last {
                bytes[i] += 1;
                return String::from_utf8(bytes).unwrap_or_default();
            }
            bytes[i] = first;
        }
        bytes.insert(0, first);
        return String::from_utf8(bytes).unwrap_or_default();
    }
    format!("{name}'")
}

/// Adds `n` rows to a section, continuing the last row's name, seats and category.
pub fn add_rows(section: &mut SectionForm, n: usize) {
    for i in 0..n.clamp(1, MAX_ADD) {
        if section.rows.len() >= MAX_ROWS {
            break;
        }
        let row = match section.rows.last() {
            Some(last) => RowForm {
                row: next_row_name(&last.row),
                seats: last.seats.clone(),
                category: last.category.clone(),
                focus: i == 0,
                ..RowForm::default()
            },
            None => RowForm {
                focus: true,
                ..new_section().rows.remove(0)
            },
        };
        section.rows.push(row);
    }
}

/// What the builder made: the API's seat map, which form section and row each of its
/// sections and rows came from (to put the catalog's messages at the right input), and the
/// categories it uses.
#[derive(Debug, Clone, Default)]
pub struct BuiltMap {
    pub map: SeatMapInput,
    /// `sections[i]` of the map is the form's section `origins[i].0`, its rows `origins[i].1`.
    pub origins: Vec<(usize, Vec<usize>)>,
}

/// Builds the API's seat map from the sections typed, skipping blank sections and rows;
/// what it cannot read goes into `errs` under the row's input names.
pub fn build(sections: &[SectionForm], errs: &mut Errs) -> BuiltMap {
    let mut built = BuiltMap::default();
    for (si, section) in sections.iter().enumerate() {
        if section.is_blank() {
            continue;
        }
        let mut rows = Vec::new();
        let mut row_origins = Vec::new();
        for (ri, row) in section.rows.iter().enumerate() {
            if row.is_blank() {
                continue;
            }
            if let Some(input) = build_row(row, errs) {
                rows.push(input);
                row_origins.push(ri);
            }
        }
        let prefix = section.prefix.trim();
        built.map.sections.push(SectionInput {
            name: section.name.trim().to_string(),
            prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
            rows,
        });
        built.origins.push((si, row_origins));
    }
    built
}

/// Every price category a seat of these sections is in, in the order first used.
pub fn categories_used(map: &SeatMapInput) -> Vec<String> {
    let default = crate::catalog::seat_map::DEFAULT_CATEGORY;
    let mut used: Vec<String> = Vec::new();
    let mut note = |c: &str| {
        if !c.is_empty() && !used.iter().any(|u| u == c) {
            used.push(c.to_string());
        }
    };
    for section in &map.sections {
        for row in &section.rows {
            let row_category = row.category.as_deref().unwrap_or(default);
            match &row.seats {
                RowSeats::Count(_) => note(row_category),
                RowSeats::List(seats) => {
                    for seat in seats {
                        note(seat.category.as_deref().unwrap_or(row_category));
                    }
                }
            }
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::SeatFlag;

    #[test]
    fn row_names_continue() {
        assert_eq!(next_row_name("A"), "B");
        assert_eq!(next_row_name("Z"), "AA");
        assert_eq!(next_row_name("AZ"), "BA");
        assert_eq!(next_row_name("b"), "c");
        assert_eq!(next_row_name("9"), "10");
        assert_eq!(next_row_name("R9"), "R10");
        assert_eq!(next_row_name(""), "A");
        assert_eq!(next_row_name("Box-A"), "Box-A'");
    }

    #[test]
    fn singles_give_seats_their_own_category_and_flags() {
        let mut sections = vec![new_section()];
        sections[0].name = "Stalls".into();
        sections[0].rows[0].seats = "4".into();
        sections[0].rows[0].singles = "1:accessible:wheelchair_space, 2-3:aisle".into();
        sections[0].rows[0].key = "s0_r0".into();
        let mut errs = Errs::default();
        let built = build(&sections, &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        let RowSeats::List(seats) = &built.map.sections[0].rows[0].seats else {
            panic!("a list of seats");
        };
        assert_eq!(seats.len(), 4);
        assert_eq!(seats[0].category.as_deref(), Some("accessible"));
        assert_eq!(seats[0].flags, vec![SeatFlag::WheelchairSpace]);
        assert_eq!(seats[2].flags, vec![SeatFlag::Aisle]);
        assert_eq!(seats[3].category, None);
        assert_eq!(
            categories_used(&built.map),
            vec!["accessible".to_string(), "standard".to_string()]
        );
    }

    #[test]
    fn unreadable_rows_say_why() {
        for (seats, singles, field) in [
            ("abc", "", "seats"),
            ("4", "9:aisle", "singles"),
            ("4", "x:aisle", "singles"),
            ("4", "1", "singles"),
            ("4", "1:aisle 1:window", "singles"),
            ("4", "1:a:b", "singles"),
        ] {
            let mut sections = vec![new_section()];
            sections[0].rows[0].seats = seats.into();
            sections[0].rows[0].singles = singles.into();
            sections[0].rows[0].key = "s0_r0".into();
            let mut errs = Errs::default();
            build(&sections, &mut errs);
            assert!(errs.has(&format!("s0_r0_{field}")), "{seats} / {singles}");
        }
    }

    #[test]
    fn adding_rows_continues_the_last_one() {
        let mut section = new_section();
        section.rows[0].seats = "20".into();
        section.rows[0].category = "premium".into();
        add_rows(&mut section, 3);
        let names: Vec<_> = section.rows.iter().map(|r| r.row.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D"]);
        assert!(
            section
                .rows
                .iter()
                .all(|r| r.seats == "20" && r.category == "premium")
        );
        assert!(section.rows[1].focus && !section.rows[2].focus);
    }
}
