use super::*;
use crate::inventory::hold_codec_old::POSTCARD;

/// A booked hold with ids of the shape `crate::ids` makes.
pub(in crate::inventory) fn record() -> HoldRecord {
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

/// Ids of the shape `crate::ids` makes are packed, and come back as they were; any other
/// id (another length, upper-case hex, no prefix) is kept as its text.
#[test]
fn ids_are_packed_and_come_back_exactly_and_other_ids_as_text() {
    let hold = record();
    let packed = encode(&hold).unwrap();
    let text = postcard::to_extend(&hold, vec![POSTCARD]).unwrap();
    assert_eq!(decode::<HoldRecord>(&text).unwrap(), hold, "format 2 reads");
    assert!(
        packed.len() + 3 * 16 <= text.len(),
        "{} packed vs {} with ids as text",
        packed.len(),
        text.len()
    );
    for other in [
        "walk-in",
        "",
        "hld_0193B7C4E1D27C3A9F1E2D3C4B5A6978",
        "hld_0193b7c4e1d27c3a9f1e2d3c4b5a697",
        "hld-0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        "HLD_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        "hld_0193b7c4e1d27c3a9f1e2d3c4b5a69zz",
        "hld_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        "évt_0193b7c4e1d27c3a9f1e2d3c4b5a697",
    ] {
        let odd = HoldRecord {
            owner: other.into(),
            ended_at_ms: None,
            ..hold.clone()
        };
        assert_eq!(decode::<HoldRecord>(&encode(&odd).unwrap()).unwrap(), odd);
        let change = SeatChange {
            event_id: other.into(),
            event_seq: 1,
            kind: "released".into(),
            hold_id: hold.id.clone(),
            seats: Vec::new(),
            places: Vec::new(),
            at_ms: 3,
            actor: Some(other.into()),
        };
        let bytes = encode(&change).unwrap();
        assert_eq!(decode::<SeatChange>(&bytes).unwrap(), change);
        let text = postcard::to_extend(&change, vec![POSTCARD]).unwrap();
        assert_eq!(
            decode::<SeatChange>(&text).unwrap(),
            change,
            "format 2 reads"
        );
    }
}

/// Format 4 leaves the id out (it is the key) and ends a hold at the same size; format 3
/// records still read.
#[test]
fn holds_are_stored_without_their_id_and_end_at_the_same_size() {
    let ended = record();
    let live = HoldRecord {
        state: HoldState::Live,
        ended_at_ms: None,
        ..ended.clone()
    };
    for hold in [&live, &ended] {
        let bytes = encode_hold(hold).unwrap();
        assert_eq!(bytes[0], KEYED);
        assert_eq!(&decode_hold(&hold.id, &bytes).unwrap(), hold);
        let format_3 = encode(hold).unwrap();
        assert!(
            bytes.len() + 16 <= format_3.len(),
            "{} vs {} in format 3",
            bytes.len(),
            format_3.len()
        );
        assert_eq!(&decode_hold(&hold.id, &format_3).unwrap(), hold);
    }
    assert_eq!(
        encode_hold(&live).unwrap().len(),
        encode_hold(&ended).unwrap().len()
    );
    for state in [HoldState::Released, HoldState::Expired, HoldState::Booked] {
        let odd = HoldRecord {
            state,
            owner: "walk-in".into(),
            ..ended.clone()
        };
        assert_eq!(
            decode_hold(&odd.id, &encode_hold(&odd).unwrap()).unwrap(),
            odd
        );
    }
    // Ends that do not fit the fixed width are written in format 3.
    let day = 86_400_000;
    for after in [-1, 50 * day, i64::from(u32::MAX), i64::from(NOT_ENDED) - 1] {
        let late = HoldRecord {
            ended_at_ms: Some(ended.created_at_ms + after),
            ..ended.clone()
        };
        let bytes = encode_hold(&late).unwrap();
        assert_eq!(decode_hold(&late.id, &bytes).unwrap(), late, "{after}");
    }
}

#[test]
fn seat_changes_keep_their_kind_in_a_byte_and_other_kinds_by_name() {
    let hold = record();
    for kind in [
        "held",
        "released",
        "expired",
        "booked",
        "sold at the door",
        "",
    ] {
        let change = SeatChange {
            event_id: hold.event_id.clone(),
            event_seq: 9,
            kind: kind.into(),
            hold_id: hold.id.clone(),
            seats: hold.seats.clone(),
            places: vec![("standing".into(), 2)],
            at_ms: 1_796_000_000_000,
            actor: Some(hold.owner.clone()),
        };
        let bytes = encode_change(&change).unwrap();
        assert_eq!(bytes[0], KEYED);
        assert_eq!(decode_change(&bytes).unwrap(), change);
        // Encoded from borrowed fields, as the inventory encodes its own: the same bytes.
        let of = ChangeOf {
            event_id: &change.event_id,
            event_seq: change.event_seq,
            kind: &change.kind,
            hold_id: &change.hold_id,
            seats: &change.seats,
            places: &change.places,
            at_ms: change.at_ms,
            actor: change.actor.as_deref(),
        };
        assert_eq!(encode_change_of(of).unwrap(), bytes);
        assert_eq!(of.to_owned(), change);
        let format_3 = encode(&change).unwrap();
        // The four kinds a byte (their names were 4 to 8); any other its name and a byte.
        let known = ["held", "released", "expired", "booked"].contains(&kind);
        let most = if known {
            format_3.len() - 4
        } else {
            format_3.len() + 1
        };
        assert!(
            bytes.len() <= most,
            "{kind}: {} vs {}",
            bytes.len(),
            format_3.len()
        );
        assert_eq!(decode_change(&format_3).unwrap(), change, "format 3 reads");
    }
}

#[test]
fn junk_is_an_error_not_a_panic() {
    for junk in [
        &b""[..],
        b"\x00",
        b"\x02",
        b"\x02\xff\xff\xff",
        b"\x03",
        b"\x03\x00\xff\xff",
        b"\x03\x07",
        b"{not json",
    ] {
        assert!(decode::<HoldRecord>(junk).is_err(), "{junk:?}");
        assert!(decode_hold("hld_1", junk).is_err(), "{junk:?}");
        assert!(decode_change(junk).is_err(), "{junk:?}");
    }
    for junk in [
        &b"\x04"[..],
        b"\x04\x00",
        b"\x04\x00\x00\x00\x00\x00",
        b"\x04\x07\x07",
    ] {
        assert!(decode_hold("hld_1", junk).is_err(), "{junk:?}");
        assert!(decode_change(junk).is_err(), "{junk:?}");
    }
}
