use super::*;

fn seat(label: &str, category: u16) -> SeatInfo {
    SeatInfo {
        label: label.into(),
        section: "S".into(),
        row: "A".into(),
        number: 1,
        category,
        flags: Vec::new(),
        blocked: false,
    }
}

fn index(stops: usize) -> EventSeats {
    EventSeats::new(
        "evt".into(),
        "INR".into(),
        (0..stops).map(|i| format!("stop{i}")).collect(),
        vec![CategoryState {
            name: "standard".into(),
            price_minor: 100,
            capacity: 2,
            ga_held: 0,
            ga_sold: 0,
        }],
        vec![seat("A-1", 0), seat("A-2", 0)],
        false,
    )
}

fn hold(id: &str, seats: Vec<SeatNo>, legs: Range<u16>, expires: i64) -> LiveHold {
    LiveHold {
        id: id.into(),
        owner: "u".into(),
        seats,
        places: Vec::new(),
        legs,
        expires_at_ms: expires,
    }
}

#[test]
fn segments_share_a_seat_without_overlap() {
    let mut ix = index(4); // three legs
    assert_eq!(ix.legs(), 3);
    ix.install(1, hold("h1", vec![0], 0..2, 1000));
    assert!(!ix.is_free(0, &(0..1), 0));
    assert!(!ix.is_free(0, &(1..3), 0));
    assert!(ix.is_free(0, &(2..3), 0));
    ix.install(2, hold("h2", vec![0], 2..3, 1000));
    assert!(ix.double_holds().is_empty());
    assert_eq!(ix.status(0, &ix.all_legs(), 0), SeatStatus::Held);
    ix.remove(1);
    assert!(ix.is_free(0, &(0..2), 0));
    assert!(!ix.is_free(0, &(0..3), 0));
}

#[test]
fn a_seat_keeps_its_label_section_row_and_flags() {
    let mut a = seat("Stalls B-7", 0);
    a.section = "Stalls".into();
    a.row = "B".into();
    a.number = 7;
    a.flags = vec![SeatFlag::Window, SeatFlag::WheelchairSpace];
    let ix = EventSeats::new(
        "evt".into(),
        "INR".into(),
        Vec::new(),
        index(0).categories,
        vec![seat("A-1", 0), a],
        false,
    );
    assert_eq!(ix.seat_no("Stalls B-7"), Some(1));
    assert_eq!(ix.label(1), "Stalls B-7");
    assert_eq!((ix.section(1), ix.row_name(1)), ("Stalls", "B"));
    assert_eq!((ix.section(0), ix.row_name(0)), ("S", "A"));
    assert_eq!(ix.seats[1].number, 7);
    for flag in SeatFlag::ALL {
        let set = matches!(flag, SeatFlag::Window | SeatFlag::WheelchairSpace);
        assert_eq!(ix.seats[1].flags.contains(flag), set, "{flag:?}");
        assert!(!ix.seats[0].flags.contains(flag), "{flag:?}");
    }
}

#[test]
fn expired_holds_count_as_free() {
    let mut ix = index(0);
    ix.install(1, hold("h1", vec![1], 0..1, 1000));
    assert!(!ix.is_free(1, &(0..1), 999));
    assert!(ix.is_free(1, &(0..1), 1000));
    assert_eq!(ix.availability(999)[0].held, 1);
    assert_eq!(ix.availability(1000)[0].available, 2);
}
