//! `rezerve --help` and the help of each verb.

use super::*;

#[test]
fn every_verb_has_help_and_help_touches_nothing() {
    let work = Workdir::new();
    let top = work.run(&["--help"]);
    top.assert_success().assert_stdout("Usage: rezerve");
    for verb in [
        "serve", "init", "migrate", "seed", "user", "check", "backup", "restore", "mail", "jobs",
    ] {
        top.assert_stdout(&format!("  {verb} "));
    }
    for verb in [
        &["serve"][..],
        &["init"],
        &["migrate"],
        &["seed"],
        &["seed", "demo"],
        &["user"],
        &["user", "add"],
        &["user", "passwd"],
        &["user", "list"],
        &["check"],
        &["backup"],
        &["restore"],
        &["mail"],
        &["mail", "preview"],
        &["mail", "test"],
        &["jobs"],
        &["jobs", "list"],
        &["jobs", "dead"],
        &["jobs", "retry"],
    ] {
        let mut args = verb.to_vec();
        args.push("--help");
        work.run(&args)
            .assert_success()
            .assert_stdout(&format!("Usage: rezerve {}", verb.join(" ")))
            .assert_stdout("--config <PATH>");
    }
    work.run(&["user", "add", "--help"])
        .assert_stdout("--email")
        .assert_stdout("--role");
    work.run(&["--version"])
        .assert_success()
        .assert_stdout(env!("CARGO_PKG_VERSION"));
    let left: Vec<_> = std::fs::read_dir(work.path()).expect("read dir").collect();
    assert!(left.is_empty(), "--help wrote files: {left:?}");
}

#[test]
fn an_unknown_verb_is_a_usage_error() {
    let work = Workdir::new();
    work.run(&["frobnicate"])
        .assert_code(2)
        .assert_stderr("frobnicate");
    assert!(!work.data_dir().exists());
}
