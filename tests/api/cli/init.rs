//! `rezerve init`: the documented config file written out.

use super::*;

#[tokio::test]
async fn init_writes_the_config_the_data_dir_its_secrets_and_a_first_admin() {
    let work = Workdir::new();
    let run = work.run(&["init", "--generate-password"]);
    run.assert_success()
        .assert_stdout("wrote rezerve.toml")
        .assert_stdout("created admin admin@rezerve.local");

    let written = std::fs::read_to_string(work.path().join("rezerve.toml")).expect("rezerve.toml");
    assert_eq!(
        written, SHIPPED_CONFIG,
        "init writes the repo's documented rezerve.toml"
    );
    let data = work.data_dir();
    assert_eq!(mode(&data), 0o700, "data dir mode");
    assert_eq!(mode(&data.join("secrets")), 0o700, "secrets dir mode");
    let secrets: Vec<PathBuf> = std::fs::read_dir(data.join("secrets"))
        .expect("secrets dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    for required in ["token_key", "webhook_secret"] {
        assert!(
            secrets.iter().any(|p| p.ends_with(required)),
            "{required} missing: {secrets:?}"
        );
    }
    for secret in &secrets {
        assert_eq!(mode(secret), 0o600, "{} mode", secret.display());
    }
    assert!(data.join("rezerve.db").exists());

    // The password is printed once, on stdout only, never into the log.
    let passwords = printed_passwords(&run.stdout);
    assert_eq!(passwords.len(), 1, "one password line\n{}", run.stdout);
    let password = &passwords[0];
    assert!(
        password.len() >= 16,
        "a strong generated password: {password}"
    );
    assert_eq!(
        run.stdout.matches(password.as_str()).count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(password.as_str()),
        "password leaked to the log"
    );
    let token_key = std::fs::read(data.join("secrets/token_key")).expect("token key");
    for secret in &secrets {
        let secret = std::fs::read(secret).expect("secret");
        let secret = String::from_utf8_lossy(&secret);
        assert!(
            !run.stdout.contains(secret.trim()) && !run.stderr.contains(secret.trim()),
            "a secret was printed"
        );
    }

    // A second init keeps an operator's edits, the secrets and the one admin.
    let edited = format!("{SHIPPED_CONFIG}\n# edited by the operator\n");
    work.write("rezerve.toml", &edited);
    let again = work.run(&["init", "--generate-password"]);
    again
        .assert_success()
        .assert_stdout("exists; leaving it")
        .assert_stdout("an admin already exists (admin@rezerve.local)");
    assert!(
        printed_passwords(&again.stdout).is_empty(),
        "no new password: {}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("rezerve.toml")).expect("toml"),
        edited
    );
    assert_eq!(
        std::fs::read(data.join("secrets/token_key")).expect("token key"),
        token_key
    );
    let list = work.run(&["user", "list"]);
    list.assert_success();
    assert_eq!(list.stdout.matches(" admin ").count(), 1, "{}", list.stdout);

    // The printed password signs the admin in.
    let server = work.cmd(&["serve"]).serve().await;
    let reply = server.login("admin@rezerve.local", password).await;
    reply.assert_status(200);
    assert_eq!(reply.body["user"]["role"], "admin");
    server
        .login("admin@rezerve.local", "not the password")
        .await
        .assert_status(401);
}

#[tokio::test]
async fn init_reads_the_admin_password_from_stdin() {
    let work = Workdir::new();
    let password = "piped in, never echoed";
    let run = work
        .cmd(&[
            "init",
            "--admin-email",
            "boss@example.test",
            "--admin-name",
            "The Boss",
        ])
        .stdin(&format!("{password}\n"))
        .run();
    run.assert_success()
        .assert_stdout("created admin boss@example.test");
    assert!(!run.stdout.contains(password) && !run.stderr.contains(password));
    work.run(&["user", "list"])
        .assert_success()
        .assert_stdout("boss@example.test");

    let server = work.cmd(&[]).serve().await;
    server
        .login("boss@example.test", password)
        .await
        .assert_status(200);
}

#[test]
fn init_without_a_password_creates_no_admin() {
    let work = Workdir::new();
    work.run(&["init"])
        .assert_failure()
        .assert_stderr("no password on stdin");
    work.cmd(&["init"])
        .stdin("short\n")
        .run()
        .assert_failure()
        .assert_stderr("at least 8 characters");
    let list = work.run(&["user", "list"]);
    list.assert_success();
    assert!(
        !list.stdout.contains("admin@rezerve.local"),
        "{}",
        list.stdout
    );
}
