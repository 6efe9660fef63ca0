//! The seat labels of one event, packed: every label in one string, and the seats in label
//! order for finding a seat by its label.
//!
//! Why packed: an event's index lives as long as the process, and a label kept as its own
//! `String` (plus a second copy as a hash map key) cost about 100 bytes of heap per seat
//! for labels of five or six characters — 12 MiB of the 120,000 seats of the load bench.
//! Here a label costs its bytes and eight more (its end offset, its place in the order).
//! Finding a label is a binary search: about 15 comparisons of short strings on a
//! 20,000-seat event, next to a hold's hundreds of microseconds.

use super::seat_index::SeatNo;

/// Labels by seat number, and seat numbers by label.
#[derive(Debug)]
pub struct SeatLabels {
    /// Every label, one after the other, in seat order.
    text: String,
    /// Where each seat's label ends in `text` (it starts where the previous one ends).
    ends: Vec<u32>,
    /// The seats in label order. Of seats with the same label (the catalog never stores
    /// two), the last in seat order is found.
    by_label: Vec<SeatNo>,
}

impl SeatLabels {
    /// Packs the labels, given in seat order.
    pub fn new<'a>(labels: impl ExactSizeIterator<Item = &'a str>) -> SeatLabels {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(labels.len());
        for label in labels {
            text.push_str(label);
            ends.push(text.len() as u32);
        }
        text.shrink_to_fit();
        let mut packed = SeatLabels {
            text,
            ends,
            by_label: Vec::new(),
        };
        let mut by_label: Vec<SeatNo> = (0..packed.ends.len() as SeatNo).collect();
        // Stable, so equal labels keep seat order and the search below finds the last.
        by_label.sort_by(|&a, &b| packed.get(a).cmp(packed.get(b)));
        packed.by_label = by_label;
        packed
    }

    /// The label of a seat.
    pub fn get(&self, seat: SeatNo) -> &str {
        let seat = seat as usize;
        let start = match seat {
            0 => 0,
            _ => self.ends[seat - 1] as usize,
        };
        &self.text[start..self.ends[seat] as usize]
    }

    /// The seat with this label.
    pub fn find(&self, label: &str) -> Option<SeatNo> {
        // The first seat whose label is greater; the one before it is the last equal one.
        let after = self
            .by_label
            .partition_point(|&seat| self.get(seat) <= label);
        let seat = *self.by_label.get(after.checked_sub(1)?)?;
        (self.get(seat) == label).then_some(seat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_is_found_at_its_seat_and_no_other_is() {
        let labels = ["B-10", "A-2", "", "A-10", "ü-1", "A-1", "B-1"];
        let packed = SeatLabels::new(labels.iter().copied());
        for (seat, label) in labels.iter().enumerate() {
            assert_eq!(packed.get(seat as SeatNo), *label);
            assert_eq!(packed.find(label), Some(seat as SeatNo), "{label}");
        }
        for missing in ["A", "A-", "A-3", "B-100", "C-1", "ü"] {
            assert_eq!(packed.find(missing), None, "{missing}");
        }
        assert_eq!(SeatLabels::new(std::iter::empty()).find(""), None);
    }

    #[test]
    fn of_equal_labels_the_last_seat_is_found_as_a_map_would_keep_it() {
        let packed = SeatLabels::new(["A-1", "A-2", "A-1"].into_iter());
        assert_eq!(packed.find("A-1"), Some(2));
        assert_eq!(packed.find("A-2"), Some(1));
    }
}
