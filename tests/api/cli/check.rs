//! `rezerve check`: the data dir's invariants, and what it says when one is broken.

use super::*;

#[test]
fn check_passes_a_healthy_dir_and_names_what_is_broken() {
    let work = Workdir::new();
    work.run(&["check"])
        .assert_failure()
        .assert_stderr("no database");
    assert!(
        !work.data_dir().exists(),
        "check does not create a data dir"
    );

    work.run(&["seed", "demo"]).assert_success();
    let healthy = work.run(&["check"]);
    healthy
        .assert_success()
        .assert_stdout("ok    sqlite integrity")
        .assert_stdout("all checks passed");
    assert!(
        healthy
            .stdout
            .lines()
            .filter(|l| l.starts_with("ok "))
            .count()
            >= 4,
        "{}",
        healthy.stdout
    );
    assert!(!healthy.stdout.contains("FAIL"), "{}", healthy.stdout);

    let event_of = |category: &str| -> String {
        work.db()
            .query_row(
                "SELECT id FROM events WHERE category = ?1 AND general_admission = 0 LIMIT 1",
                [category],
                |r| r.get(0),
            )
            .expect("a seated event")
    };

    // A seated event that lost its seats.
    let bus = event_of("bus");
    work.db_rw()
        .execute("DELETE FROM seats WHERE event_id = ?1", [&bus])
        .expect("delete seats");
    let broken = work.run(&["check"]);
    broken
        .assert_code(1)
        .assert_stdout("FAIL  seated events have seats")
        .assert_stdout(&bus)
        .assert_stdout("the data dir has problems");

    // A seated event with a general-admission capacity.
    let flight = event_of("flight");
    work.db_rw()
        .execute(
            "UPDATE price_categories SET capacity = 10 WHERE event_id = ?1",
            [&flight],
        )
        .expect("set capacity");
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout(&flight)
        .assert_stdout(&bus);

    // An event deleted behind the foreign keys' back: its stops and categories are orphans
    // (an unsold one, so they are what the report's first lines name).
    let movie: String = work
        .db()
        .query_row(
            "SELECT id FROM events WHERE category = 'movie' \
             AND id NOT IN (SELECT event_id FROM bookings) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an unsold movie");
    let db = work.db_rw();
    db.pragma_update(None, "foreign_keys", false)
        .expect("foreign keys off");
    db.execute("DELETE FROM events WHERE id = ?1", [&movie])
        .expect("delete event");
    drop(db);
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("FAIL  foreign keys")
        .assert_stdout("price_categories row ? points to a missing events")
        .assert_stdout(&bus);

    // Seats whose price categories vanished: reported like everything else, not an abort.
    let concert = event_of("concert");
    let db = work.db_rw();
    db.pragma_update(None, "foreign_keys", false)
        .expect("foreign keys off");
    db.execute(
        "DELETE FROM price_categories WHERE event_id = ?1",
        [&concert],
    )
    .expect("delete categories");
    drop(db);
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("seats row ? points to a missing price_categories")
        .assert_stdout("FAIL  every event has a priced category")
        .assert_stdout(&concert)
        .assert_stdout("the data dir has problems");
}

#[tokio::test]
async fn backup_while_serving_and_restore_into_an_empty_dir() {
    let source = Workdir::new();
    source.run(&["seed", "demo"]).assert_success();
    let mut server = source.cmd(&["serve"]).serve().await;
    let backup = source.path().join("snapshot.tar");
    let backup_arg = backup.to_str().expect("utf-8 path");
    source
        .run(&["backup", "--out", backup_arg])
        .assert_success()
        .assert_stdout("schema version");
    source
        .run(&["restore", backup_arg, "--force"])
        .assert_failure()
        .assert_stderr("another rezerve process");
    assert!(server.terminate().success());

    let target = Workdir::new();
    target
        .run(&["restore", backup_arg])
        .assert_success()
        .assert_stdout("restored");
    target
        .run(&["user", "list"])
        .assert_success()
        .assert_stdout("customer@demo.rezerve.test");
    target.run(&["check"]).assert_success();
    let events = |work: &Workdir| count(&work.db(), "SELECT count(*) FROM events");
    assert_eq!(events(&target), events(&source));
    let key =
        |work: &Workdir| std::fs::read(work.data_dir().join("secrets/token_key")).expect("key");
    assert_eq!(
        key(&target),
        key(&source),
        "tokens and tickets still verify"
    );

    // A second restore needs --force; a damaged file changes nothing even with it.
    target
        .run(&["restore", backup_arg])
        .assert_failure()
        .assert_stderr("--force");
    let damaged = target.write("damaged.tar", "not a tar file at all");
    target
        .run(&["restore", damaged.to_str().expect("utf-8 path"), "--force"])
        .assert_failure();
    let truncated = std::fs::read(&backup).expect("backup");
    let truncated = &truncated[..truncated.len() / 2];
    std::fs::write(target.path().join("truncated.tar"), truncated).expect("write");
    target
        .run(&["restore", "truncated.tar", "--force"])
        .assert_failure();
    assert_eq!(events(&target), events(&source));
    target.run(&["check"]).assert_success();
}

#[test]
fn mail_verbs_preview_templates_and_send_through_the_file_transport() {
    let work = Workdir::new();
    work.run(&["mail", "preview", "welcome"])
        .assert_success()
        .assert_stdout("priya@example.com");
    work.run(&["mail", "preview", "telegram"])
        .assert_failure()
        .assert_stderr("`telegram` is not an email kind")
        .assert_stderr("booking-confirmed");
    work.run(&[
        "mail",
        "preview",
        "booking-confirmed",
        "--out",
        "confirmed.eml",
    ])
    .assert_success();
    let eml = std::fs::read_to_string(work.path().join("confirmed.eml")).expect("eml");
    assert!(eml.contains("To: ") && eml.contains("Subject: "), "{eml}");

    work.run(&["mail", "test", "--to", "ops@example.test"])
        .assert_success()
        .assert_stdout("ops@example.test");
    // The default transport writes one .eml per message under the data dir.
    let mut delivered = String::new();
    let deadline = Instant::now() + RUN_LIMIT;
    while delivered.is_empty() {
        if let Ok(entries) = std::fs::read_dir(work.data_dir().join("mail")) {
            for entry in entries.flatten() {
                delivered.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        assert!(Instant::now() < deadline, "no .eml under data/mail");
        std::thread::sleep(POLL);
    }
    assert!(delivered.contains("ops@example.test"), "{delivered}");
}

#[test]
fn jobs_verbs_show_the_queue_and_refuse_what_they_cannot_do() {
    let work = Workdir::new();
    work.run(&["seed", "demo"]).assert_success();
    work.run(&["jobs", "list"])
        .assert_success()
        .assert_stdout("KIND");
    work.run(&["jobs", "dead"])
        .assert_success()
        .assert_stdout("(no jobs)");
    work.run(&["jobs", "list", "--status", "sleeping"])
        .assert_failure()
        .assert_stderr("--status");
    work.run(&["jobs", "list", "--limit", "0"])
        .assert_failure()
        .assert_stderr("--limit");
    work.run(&["jobs", "retry", "999999"]).assert_failure();
    work.run(&["jobs", "retry", "not-a-number"]).assert_code(2);
}
