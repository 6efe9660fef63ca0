//! Seats counted by state: per price category for the API ([`Availability`]) and per section
//! for the console's overview of a big event ([`SectionCounts`]), counted without building a
//! view of every seat.

use super::model::SeatStatus;
use serde::{Deserialize, Serialize};

/// Seat counts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Availability {
    pub total: u64,
    pub available: u64,
    pub held: u64,
    pub sold: u64,
    pub blocked: u64,
}

impl Availability {
    /// Adds another count into this one.
    pub fn add(&mut self, other: &Availability) {
        self.total += other.total;
        self.available += other.available;
        self.held += other.held;
        self.sold += other.sold;
        self.blocked += other.blocked;
    }
}

/// One section's seats by state over a segment, for the console's overview of a big event:
/// counted in the live index, with no per-seat view built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionCounts {
    pub name: String,
    pub total: u64,
    pub available: u64,
    pub held: u64,
    /// Sold and not checked in.
    pub sold: u64,
    /// Sold and checked in.
    pub checked_in: u64,
    pub blocked: u64,
}

impl SectionCounts {
    /// An empty count for a section.
    pub fn named(name: &str) -> SectionCounts {
        SectionCounts {
            name: name.to_string(),
            ..SectionCounts::default()
        }
    }

    /// Counts one seat of `status`; `checked_in` says whether a sold seat was admitted.
    pub fn count(&mut self, status: SeatStatus, checked_in: bool) {
        self.total += 1;
        match status {
            SeatStatus::Available => self.available += 1,
            SeatStatus::Held => self.held += 1,
            SeatStatus::Sold if checked_in => self.checked_in += 1,
            SeatStatus::Sold => self.sold += 1,
            SeatStatus::Blocked => self.blocked += 1,
        }
    }

    /// Adds another section's counts into this one.
    pub fn add(&mut self, other: &SectionCounts) {
        self.total += other.total;
        self.available += other.available;
        self.held += other.held;
        self.sold += other.sold;
        self.checked_in += other.checked_in;
        self.blocked += other.blocked;
    }

    /// Share of seats taken (held, sold or checked in), 0–100.
    pub fn fill_pct(&self) -> u64 {
        ((self.held + self.sold + self.checked_in) * 100)
            .checked_div(self.total)
            .unwrap_or(0)
    }

    /// Width of the taken part on a 0–1000 scale, for the overview's bars.
    pub fn taken_w(&self) -> u64 {
        ((self.held + self.sold + self.checked_in) * 1000)
            .checked_div(self.total)
            .unwrap_or(0)
    }
}

/// Adds a seat to the counts of its section; seats of a section are contiguous in seat
/// order, so the last section is checked first.
pub fn count_in_section(
    sections: &mut Vec<SectionCounts>,
    section: &str,
    status: SeatStatus,
    checked_in: bool,
) {
    let at = match sections.iter().rposition(|c| c.name == section) {
        Some(at) => at,
        None => {
            sections.push(SectionCounts::named(section));
            sections.len() - 1
        }
    };
    sections[at].count(status, checked_in);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_counts_tally_each_status_per_section_in_seat_order() {
        let mut sections = Vec::new();
        for (section, status, admitted) in [
            ("Stalls", SeatStatus::Available, false),
            ("Stalls", SeatStatus::Sold, false),
            ("Stalls", SeatStatus::Held, false),
            ("Circle", SeatStatus::Blocked, false),
            ("Circle", SeatStatus::Sold, true),
        ] {
            count_in_section(&mut sections, section, status, admitted);
        }
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].name, "Stalls");
        assert_eq!(
            (
                sections[0].total,
                sections[0].available,
                sections[0].held,
                sections[0].sold
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(sections[0].fill_pct(), 66);
        assert_eq!(sections[0].taken_w(), 666);
        assert_eq!((sections[1].blocked, sections[1].checked_in), (1, 1));
        let mut all = SectionCounts::named("All seats");
        sections.iter().for_each(|s| all.add(s));
        assert_eq!((all.total, all.sold, all.checked_in), (5, 1, 1));
        assert_eq!(SectionCounts::named("Empty").fill_pct(), 0);
    }
}
