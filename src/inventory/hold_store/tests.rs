use super::*;
use crate::inventory::hold_record::hold;

#[tokio::test]
async fn a_format_1_store_is_upgraded_in_place_and_keeps_its_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holds.redb");
    let live = hold(HoldState::Live, None);
    let change = SeatChange {
        event_id: live.event_id.clone(),
        event_seq: 7,
        kind: "held".into(),
        hold_id: live.id.clone(),
        seats: live.seats.clone(),
        places: Vec::new(),
        at_ms: 5,
        actor: Some(live.owner.clone()),
    };
    {
        // What format 1 wrote: JSON records and two indexes nobody read.
        let db = redb::Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let meta: TableDefinition<&str, u64> = TableDefinition::new("meta");
            tx.open_table(meta)
                .unwrap()
                .insert("format_version", 1)
                .unwrap();
            let json = serde_json::to_vec(&live).unwrap();
            tx.open_table(HOLDS)
                .unwrap()
                .insert(live.id.as_str(), json.as_slice())
                .unwrap();
            let json = serde_json::to_vec(&change).unwrap();
            tx.open_table(OUTBOX)
                .unwrap()
                .insert(3, json.as_slice())
                .unwrap();
            for table in FORMAT_1_TABLES {
                tx.open_table(table)
                    .unwrap()
                    .insert((9, live.id.as_str()), ())
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    let db = HoldDb::open(&path).unwrap();
    let store = HoldStore::start(db.clone()).unwrap();
    assert_eq!(
        db.format_version().unwrap(),
        Some(crate::store::redb::FORMAT_VERSION)
    );
    assert_eq!(store.live_holds().unwrap(), vec![live.clone()]);
    assert_eq!(store.outbox(10).unwrap(), vec![(3, change)]);
    let tx = db.database().begin_read().unwrap();
    let tables: Vec<String> = tx
        .list_tables()
        .unwrap()
        .map(|t| redb::TableHandle::name(&t).to_string())
        .collect();
    assert!(!tables.iter().any(|t| t.starts_with("hold_")), "{tables:?}");
    drop(tx);

    // A JSON record ends like any other, and is written back in the new form.
    let end = vec![Op::End {
        id: live.id.clone(),
        state: HoldState::Released,
        at_ms: 11,
    }];
    HoldStore::committed(store.submit(end).unwrap())
        .await
        .unwrap();
    let ended = store.get(&live.id).unwrap().unwrap();
    assert_eq!(
        (ended.state, ended.ended_at_ms),
        (HoldState::Released, Some(11))
    );
    assert!(store.live_holds().unwrap().is_empty());
}

#[tokio::test]
async fn a_lock_a_panic_poisoned_stops_the_store_as_a_failed_commit_does() {
    let dir = tempfile::tempdir().unwrap();
    let store = HoldStore::start(HoldDb::open(&dir.path().join("holds.redb")).unwrap()).unwrap();
    store.probe().await.unwrap();

    // A panic half way through changing what the lock guards.
    let index = Arc::new(Mutex::new(vec![1, 2]));
    let changing = Arc::clone(&index);
    let panicked = std::thread::spawn(move || {
        let mut seats = changing.lock().unwrap();
        seats.push(3);
        panic!("half way through a change");
    })
    .join();
    assert!(panicked.is_err() && index.is_poisoned());

    // Reads go on; changes and readiness stop.
    let seats = index.lock().unwrap_or_else(|p| store.recover(p)).clone();
    assert_eq!(seats, vec![1, 2, 3]);
    assert!(store.is_poisoned());
    assert!(store.probe().await.is_err());
    assert!(store.submit(Vec::new()).is_err());
}
