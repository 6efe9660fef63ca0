//! The seat labels of one event, packed: every label in one string, and a table of seat
//! numbers for finding a seat by its label.
//!
//! Why packed: an event's index lives as long as the process, and a label kept as its own
//! `String` (plus a second copy as a hash map key) cost about 100 bytes of heap per seat
//! for labels of five or six characters — 12 MiB of the 120,000 seats of the load bench.
//! Here a label costs its bytes, four for its end offset and 8–16 for its slot in the table.
//! Finding a label hashes it and compares it with the one or two seats its probe meets. (A
//! binary search over the seats in label order, four bytes a seat, was 3 % of the server's
//! CPU in a profile of the holds level: 10–15 comparisons, each a cache miss into `text`.)

use super::seat_index::SeatNo;

/// An empty slot of the table.
const EMPTY: SeatNo = SeatNo::MAX;

/// Labels by seat number, and seat numbers by label.
#[derive(Debug)]
pub struct SeatLabels {
    /// Every label, one after the other, in seat order.
    text: String,
    /// Where each seat's label ends in `text` (it starts where the previous one ends).
    ends: Vec<u32>,
    /// Open addressing with linear probing: seat numbers at their label's hash, at most half
    /// the slots used so a probe is short. Of seats with the same label (the catalog never
    /// stores two), the last in seat order is kept, as a map would.
    slots: Box<[SeatNo]>,
    /// `slots.len() == 1 << bits`.
    bits: u32,
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
        let size = (ends.len() * 2).max(2).next_power_of_two();
        let mut packed = SeatLabels {
            text,
            ends,
            slots: vec![EMPTY; size].into_boxed_slice(),
            bits: size.trailing_zeros(),
        };
        for seat in 0..packed.ends.len() as SeatNo {
            let mut slot = packed.first_slot(packed.get(seat));
            loop {
                let there = packed.slots[slot];
                if there == EMPTY || packed.get(there) == packed.get(seat) {
                    packed.slots[slot] = seat;
                    break;
                }
                slot = (slot + 1) & (packed.slots.len() - 1);
            }
        }
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
        let mut slot = self.first_slot(label);
        loop {
            match self.slots[slot] {
                EMPTY => return None,
                seat if self.get(seat) == label => return Some(seat),
                _ => slot = (slot + 1) & (self.slots.len() - 1),
            }
        }
    }

    /// Where a label's probe starts: FNV-1a over its bytes, its top bits by a multiply
    /// (FNV's low bits alone are poor for labels that differ in their last digit).
    fn first_slot(&self, label: &str) -> usize {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &byte in label.as_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bits)) as usize
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
    fn every_seat_of_a_large_event_is_found_and_the_table_stays_half_empty() {
        let labels: Vec<String> = (0..40)
            .flat_map(|row| (1..=500).map(move |n| format!("R{row}-{n}")))
            .collect();
        let packed = SeatLabels::new(labels.iter().map(String::as_str));
        for (seat, label) in labels.iter().enumerate() {
            assert_eq!(packed.find(label), Some(seat as SeatNo), "{label}");
        }
        assert_eq!(packed.find("R40-1"), None);
        assert_eq!(packed.find("R0-501"), None);
        let used = packed.slots.iter().filter(|&&s| s != EMPTY).count();
        assert_eq!(used, labels.len());
        assert!(packed.slots.len() >= 2 * labels.len());
    }

    #[test]
    fn of_equal_labels_the_last_seat_is_found_as_a_map_would_keep_it() {
        let packed = SeatLabels::new(["A-1", "A-2", "A-1"].into_iter());
        assert_eq!(packed.find("A-1"), Some(2));
        assert_eq!(packed.find("A-2"), Some(1));
    }
}
