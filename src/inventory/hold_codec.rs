//! How hold records and seat changes are stored in redb: a tag byte, then postcard (serde,
//! varint integers, length-prefixed strings).
//!
//! Why not JSON: a redb commit copies every page it touches, so the record's size is written
//! again and again. A hold is about 180 bytes this way against about 350 as JSON. Records
//! written by format 1 (JSON, which always starts with `{`) are still read, so a store
//! upgraded in place keeps its live holds.

use crate::error::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Leads every postcard record; JSON records start with `{` instead.
const POSTCARD: u8 = 2;

/// The stored bytes of a record.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_extend(value, vec![POSTCARD]).map_err(Error::internal)
}

/// A record back from its stored bytes, either form.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    match bytes.split_first() {
        Some((&POSTCARD, rest)) => postcard::from_bytes(rest).map_err(Error::internal),
        Some((b'{', _)) => serde_json::from_slice(bytes).map_err(Error::internal),
        _ => Err(Error::internal("a hold store record of an unknown form")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::hold_record::{HoldRecord, HoldState, QuoteLine, SeatChange};

    fn record() -> HoldRecord {
        HoldRecord {
            id: crate::ids::new_id("hld"),
            event_id: crate::ids::new_id("evt"),
            owner: crate::ids::new_id("usr"),
            seats: vec!["A-1".into(), "A-2".into()],
            from_leg: 0,
            to_leg: 3,
            lines: vec![QuoteLine {
                seat: Some("A-1".into()),
                category: "stalls".into(),
                quantity: 1,
                unit_minor: -2_500,
            }],
            currency: "EUR".into(),
            created_at_ms: 1_796_000_000_000,
            expires_at_ms: 1_796_000_600_000,
            max_expires_at_ms: 1_796_001_800_000,
            state: HoldState::Booked,
            ended_at_ms: Some(1_796_000_100_000),
        }
    }

    #[test]
    fn records_and_changes_come_back_as_they_went_in_and_smaller_than_json() {
        let hold = record();
        let bytes = encode(&hold).unwrap();
        assert_eq!(decode::<HoldRecord>(&bytes).unwrap(), hold);
        let json = serde_json::to_vec(&hold).unwrap();
        assert!(
            bytes.len() * 3 < json.len() * 2,
            "{} vs {}",
            bytes.len(),
            json.len()
        );

        let change = SeatChange {
            event_id: hold.event_id.clone(),
            event_seq: u64::MAX,
            kind: "held".into(),
            hold_id: hold.id.clone(),
            seats: hold.seats.clone(),
            places: vec![("standing".into(), 4)],
            at_ms: -1,
            actor: None,
        };
        assert_eq!(
            decode::<SeatChange>(&encode(&change).unwrap()).unwrap(),
            change
        );
    }

    #[test]
    fn json_records_of_format_1_are_still_read() {
        let hold = record();
        let json = serde_json::to_vec(&hold).unwrap();
        assert_eq!(decode::<HoldRecord>(&json).unwrap(), hold);
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        for junk in [
            &b""[..],
            b"\x00",
            b"\x02",
            b"\x02\xff\xff\xff",
            b"{not json",
        ] {
            assert!(decode::<HoldRecord>(junk).is_err(), "{junk:?}");
        }
    }
}
