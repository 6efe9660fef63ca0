//! Pruning ended holds: in chunks of a bounded size, each its own commit, until none is left.

use super::*;
use crate::inventory::hold_record::hold;
use crate::store::HoldDb;

#[tokio::test]
async fn ended_holds_are_pruned_in_bounded_chunks_until_none_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let db = HoldDb::open(&dir.path().join("holds.redb")).unwrap();
    let store = HoldStore::start(db.clone()).unwrap();
    // Ids carry the real clock; the cutoff is just after they were made.
    let cutoff = crate::clock::ms(time::OffsetDateTime::now_utc()) + 1_000;
    let mut old = Vec::new();
    let mut kept = Vec::new();
    for i in 0..250 {
        let state = [HoldState::Released, HoldState::Expired, HoldState::Booked][i % 3];
        old.push(hold(state, Some(cutoff - 1)));
        // Holds that must stay, among them: one still live, one ended after the cutoff.
        if i == 120 {
            kept.push(hold(HoldState::Live, None));
            kept.push(hold(HoldState::Released, Some(cutoff + 1)));
        }
    }
    let puts = old.iter().chain(&kept).map(|r| Op::Put {
        record: Arc::new(r.clone()),
    });
    HoldStore::committed(store.submit(puts.collect()).unwrap())
        .await
        .unwrap();

    let forgotten = prune_in_chunks(&store, cutoff, 100).await.unwrap();
    assert_eq!(
        forgotten,
        [100, 100, 50],
        "one commit per chunk of 100 at most"
    );
    for record in &old {
        assert_eq!(store.get(&record.id).unwrap(), None);
    }
    for record in &kept {
        assert_eq!(store.get(&record.id).unwrap().as_ref(), Some(record));
    }
    assert!(
        prune_in_chunks(&store, cutoff, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // What is left is whole after a restart.
    store.close();
    let store = HoldStore::start(db).unwrap();
    assert_eq!(store.live_holds().unwrap(), [kept[0].clone()]);
    assert_eq!(store.get(&kept[1].id).unwrap().as_ref(), Some(&kept[1]));
}
