//! Lays an event's seats out for the console's SVG seat map: sections stacked from the stage
//! back, rows as lines, seats by number. Pure: the seats and their statuses in, positions and
//! marks out, so the seat map page and the box office draw the same map.
//!
//! Every seat carries its status three ways, never by colour alone: a shape (round when free,
//! square when taken), a letter (H held, S sold, ✓ checked in, × blocked; free seats show
//! their number) and a colour. Big events are shown as sections with their counts first
//! (see [`DRAW_ALL_UP_TO`]); only the opened section's seats are drawn.

pub use crate::catalog::model::SectionCounts;
use crate::catalog::model::{EventCategory, SeatStatus, SeatView};
use std::collections::HashSet;

/// Events with up to this many seats draw every seat at once; bigger ones open by section.
pub const DRAW_ALL_UP_TO: usize = 1_500;

/// Distance between seat centres, and a seat's size, in SVG units (CSS pixels).
const PITCH: u32 = 26;
const SEAT: u32 = 22;
/// Room left of the seats for the row names.
const ROW_LABEL: u32 = 34;
const MARGIN: u32 = 12;
/// The screen, stage or front of the vehicle, and each section's heading.
const STAGE: u32 = 40;
const HEADING: u32 = 30;

/// What a seat shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Available,
    Held,
    Sold,
    CheckedIn,
    Blocked,
}

impl Mark {
    fn of(status: SeatStatus, checked_in: bool) -> Mark {
        match status {
            SeatStatus::Available => Mark::Available,
            SeatStatus::Held => Mark::Held,
            SeatStatus::Sold if checked_in => Mark::CheckedIn,
            SeatStatus::Sold => Mark::Sold,
            SeatStatus::Blocked => Mark::Blocked,
        }
    }

    /// The CSS class, and the word people read.
    pub fn class(self) -> &'static str {
        match self {
            Mark::Available => "available",
            Mark::Held => "held",
            Mark::Sold => "sold",
            Mark::CheckedIn => "checked-in",
            Mark::Blocked => "blocked",
        }
    }

    /// The word people read.
    pub fn word(self) -> &'static str {
        match self {
            Mark::Available => "available",
            Mark::Held => "held",
            Mark::Sold => "sold",
            Mark::CheckedIn => "checked in",
            Mark::Blocked => "blocked",
        }
    }

    fn letter(self) -> &'static str {
        match self {
            Mark::Available => "",
            Mark::Held => "H",
            Mark::Sold => "S",
            Mark::CheckedIn => "✓",
            Mark::Blocked => "×",
        }
    }
}

/// One seat, placed.
#[derive(Debug, Clone)]
pub struct DrawnSeat {
    pub label: String,
    pub x: u32,
    pub y: u32,
    pub mark: Mark,
    /// What is written in the seat: its number when free, else the status letter.
    pub text: String,
    /// Hover text: label, status, category, price, block reason.
    pub title: String,
    pub selected: bool,
}

/// A row name, placed.
#[derive(Debug, Clone)]
pub struct DrawnRow {
    pub name: String,
    pub y: u32,
}

/// A section heading and its rows and seats.
#[derive(Debug, Clone)]
pub struct DrawnSection {
    pub name: String,
    pub heading_y: u32,
    pub rows: Vec<DrawnRow>,
    pub seats: Vec<DrawnSeat>,
}

/// The whole drawing.
#[derive(Debug, Clone)]
pub struct SeatDrawing {
    pub width: u32,
    pub height: u32,
    /// What the seats face: "Screen", "Stage" or "Front" (of a vehicle).
    pub front: &'static str,
    pub sections: Vec<DrawnSection>,
    pub seat_count: usize,
}

/// A row's name and its seats, in seat order.
type SeatRow<'a> = (&'a str, Vec<&'a SeatView>);

/// Places `seats` (those of the sections to draw, in seat order); `price` formats a seat's
/// current price for its hover text.
pub fn draw(
    seats: &[&SeatView],
    checked_in: &HashSet<String>,
    selected: &HashSet<String>,
    category: EventCategory,
    price: impl Fn(&SeatView) -> String,
) -> SeatDrawing {
    // Sections in order of first appearance, rows likewise within each.
    let mut groups: Vec<(&str, Vec<SeatRow<'_>>)> = Vec::new();
    for seat in seats {
        let at = match groups.iter().position(|(s, _)| *s == seat.section) {
            Some(at) => at,
            None => {
                groups.push((seat.section.as_str(), Vec::new()));
                groups.len() - 1
            }
        };
        let section = &mut groups[at];
        match section.1.iter_mut().find(|(r, _)| *r == seat.row) {
            Some(row) => row.1.push(seat),
            None => section.1.push((seat.row.as_str(), vec![seat])),
        }
    }
    let mut y = MARGIN + STAGE;
    let mut width = 0;
    let mut sections = Vec::with_capacity(groups.len());
    for (name, rows) in groups {
        let heading_y = y + HEADING - 10;
        y += HEADING;
        let first = rows
            .iter()
            .flat_map(|(_, s)| s.iter().map(|s| s.number))
            .min()
            .unwrap_or(1);
        let mut drawn_rows = Vec::with_capacity(rows.len());
        let mut drawn = Vec::new();
        for (row, row_seats) in rows {
            drawn_rows.push(DrawnRow {
                name: row.to_string(),
                y: y + SEAT / 2 + 5,
            });
            for seat in row_seats {
                let mark = Mark::of(seat.status, checked_in.contains(&seat.label));
                let x = MARGIN + ROW_LABEL + (seat.number.saturating_sub(first)) * PITCH;
                width = width.max(x + PITCH);
                let mut title = format!(
                    "{} · {} · {} · {}",
                    seat.label,
                    mark.word(),
                    seat.category,
                    price(seat)
                );
                if let Some(reason) = &seat.blocked_reason {
                    title.push_str(&format!(" · blocked: {reason}"));
                }
                drawn.push(DrawnSeat {
                    label: seat.label.clone(),
                    x,
                    y,
                    mark,
                    text: match mark {
                        Mark::Available => seat.number.to_string(),
                        other => other.letter().to_string(),
                    },
                    title,
                    selected: selected.contains(&seat.label),
                });
            }
            y += PITCH;
        }
        sections.push(DrawnSection {
            name: name.to_string(),
            heading_y,
            rows: drawn_rows,
            seats: drawn,
        });
        y += PITCH / 2;
    }
    SeatDrawing {
        width: (width + MARGIN).max(320),
        height: y + MARGIN,
        front: category.front_label(),
        sections,
        seat_count: seats.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn seat(section: &str, row: &str, number: u32, status: SeatStatus) -> SeatView {
        SeatView {
            label: format!("{row}-{number}"),
            section: section.to_string(),
            row: row.to_string(),
            number,
            category: "standard".to_string(),
            flags: Vec::new(),
            status,
            price: Money::new(1000, "EUR"),
            blocked_reason: None,
        }
    }

    #[test]
    fn seats_are_placed_by_section_row_and_number_and_marked_by_status() {
        let seats = [
            seat("Stalls", "A", 1, SeatStatus::Available),
            seat("Stalls", "A", 2, SeatStatus::Sold),
            seat("Stalls", "B", 1, SeatStatus::Held),
            seat("Circle", "C", 3, SeatStatus::Blocked),
            seat("Circle", "C", 4, SeatStatus::Sold),
        ];
        let refs: Vec<&SeatView> = seats.iter().collect();
        let checked: HashSet<String> = ["C-4".to_string()].into();
        let selected: HashSet<String> = ["A-1".to_string()].into();
        let d = draw(&refs, &checked, &selected, EventCategory::Concert, |_| {
            "EUR 10.00".into()
        });
        assert_eq!(d.sections.len(), 2);
        let stalls = &d.sections[0].seats;
        assert_eq!(
            stalls[0].x + PITCH,
            stalls[1].x,
            "neighbours one pitch apart"
        );
        assert!(stalls[2].y > stalls[0].y, "row B behind row A");
        assert_eq!(stalls[0].text, "1");
        assert!(stalls[0].selected && !stalls[1].selected);
        assert_eq!(stalls[1].text, "S");
        assert_eq!(stalls[2].text, "H");
        let circle = &d.sections[1].seats;
        assert_eq!(
            circle[0].x, stalls[0].x,
            "each section starts at its lowest number"
        );
        assert_eq!(circle[0].mark, Mark::Blocked);
        assert_eq!(circle[1].mark, Mark::CheckedIn);
        assert!(
            circle[1]
                .title
                .contains("C-4 · checked in · standard · EUR 10.00")
        );
        assert!(d.sections[1].heading_y > stalls[2].y);
        assert!(d.height > circle[0].y && d.width > circle[1].x);
    }
}
