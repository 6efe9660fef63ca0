//! `rezerve migrate`: the schema brought up to date.

use super::*;

#[test]
fn migrate_applies_pending_migrations_once() {
    let work = Workdir::new();
    let first = work.run(&["migrate"]);
    first
        .assert_success()
        .assert_stdout("applied 0001_accounts")
        .assert_stdout("applied 0002_catalog");
    let applied = first
        .stdout
        .lines()
        .filter(|l| l.starts_with("applied "))
        .count();
    first.assert_stdout(&format!("schema is at version {applied}"));
    assert_eq!(mode(&work.data_dir()), 0o700);
    let version: i64 = work
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, applied as i64);

    let second = work.run(&["migrate"]);
    second
        .assert_success()
        .assert_stdout(&format!("schema is up to date (version {applied})"));
    assert!(!second.stdout.contains("applied "), "{}", second.stdout);
}

#[tokio::test]
async fn migrate_is_refused_while_the_data_dir_is_served() {
    let work = Workdir::new();
    let mut server = work.cmd(&["serve"]).serve().await;
    let refused = work.run(&["migrate"]);
    refused
        .assert_code(1)
        .assert_stderr("another rezerve process is using")
        .assert_stderr("stop `rezerve serve` first");
    assert!(!refused.stdout.contains("schema"), "{}", refused.stdout);
    // The server never noticed: it still answers.
    server.get("/readyz", None).await.assert_status(200);
    assert!(server.terminate().success());

    // Once the server has stopped, the same command works.
    work.run(&["migrate"])
        .assert_success()
        .assert_stdout("schema is up to date");
}

#[test]
fn migrate_upgrades_an_old_database_and_keeps_its_data() {
    let work = Workdir::new();
    // A data dir left by a build that only knew the first migration, with an account in it.
    std::fs::create_dir(work.data_dir()).expect("data dir");
    {
        let db = work.db_rw();
        db.execute_batch(include_str!(
            "../../../src/store/migrations/0001_accounts.sql"
        ))
        .expect("first migration");
        db.pragma_update(None, "user_version", 1)
            .expect("version 1");
        db.execute(
            "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
             VALUES ('usr_old', 'early@example.test', 'Early Bird', 'staff', 'x', 0, 0)",
            [],
        )
        .expect("old user");
    }
    let run = work.run(&["migrate"]);
    run.assert_success().assert_stdout("applied 0002_catalog");
    assert!(
        !run.stdout.contains("applied 0001_accounts"),
        "{}",
        run.stdout
    );
    work.run(&["user", "list"])
        .assert_success()
        .assert_stdout("early@example.test");

    // Data made through the CLI survives a later migrate too.
    work.cmd(&[
        "user",
        "add",
        "--email",
        "later@example.test",
        "--role",
        "customer",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_success();
    work.run(&["migrate"])
        .assert_success()
        .assert_stdout("up to date");
    let list = work.run(&["user", "list"]);
    list.assert_stdout("early@example.test")
        .assert_stdout("later@example.test");
    work.run(&["check"]).assert_success();
}

#[test]
fn a_database_newer_than_the_build_is_refused() {
    let work = Workdir::new();
    work.run(&["migrate"]).assert_success();
    work.db_rw()
        .pragma_update(None, "user_version", 9999)
        .expect("set version");

    work.run(&["migrate"])
        .assert_failure()
        .assert_stderr("newer than this build");
    work.cmd(&["serve"])
        .env("REZERVE_SERVER__LISTEN", "127.0.0.1:0")
        .run()
        .assert_failure()
        .assert_stderr("newer than this build");
    work.run(&["user", "list"])
        .assert_failure()
        .assert_stderr("newer than this build");
    work.run(&["check"])
        .assert_code(1)
        .assert_stdout("FAIL  schema version");
    let version: i64 = work
        .db()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 9999, "nothing rewrote the newer database");
}
