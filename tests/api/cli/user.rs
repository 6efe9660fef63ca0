//! `rezerve user`: accounts made and changed from the command line.

use super::*;

#[tokio::test]
async fn user_add_list_and_passwd_work_beside_a_running_server() {
    let work = Workdir::new();
    let email = "boxoffice@example.test";
    let old = "first password 1";
    let new = "second password 2";
    let added = work
        .cmd(&[
            "user",
            "add",
            "--email",
            email,
            "--role",
            "staff",
            "--name",
            "Box Office",
        ])
        .stdin(&format!("{old}\n"))
        .run();
    added
        .assert_success()
        .assert_stdout(&format!("created staff {email}"));
    assert!(
        !added.stdout.contains(old) && !added.stderr.contains(old),
        "password echoed"
    );

    let list = work.run(&["user", "list"]);
    list.assert_success().assert_stdout("EMAIL");
    let line = list
        .stdout
        .lines()
        .find(|l| l.ends_with(email))
        .expect("listed");
    assert!(
        line.contains(" staff ") && line.contains(" active "),
        "{line}"
    );

    let server = work.cmd(&["serve"]).serve().await;
    let login = server.login(email, old).await;
    login.assert_status(200);
    assert_eq!(login.body["user"]["role"], "staff");
    let old_token = login.body["token"].as_str().expect("token").to_string();
    server
        .get("/api/v1/auth/me", Some(&old_token))
        .await
        .assert_status(200);

    work.cmd(&["user", "passwd", "--email", email])
        .stdin(&format!("{new}\n"))
        .run()
        .assert_success()
        .assert_stdout("password changed");
    server
        .login(email, old)
        .await
        .assert_problem(401, "invalid_credentials");
    server.login(email, new).await.assert_status(200);
    // Tokens issued before the change stop working: at once in the process that made the
    // change, within the server's short access cache when the CLI made it.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let me = server.get("/api/v1/auth/me", Some(&old_token)).await;
        if me.status.as_u16() == 401 {
            me.assert_problem(401, "unauthorized");
            break;
        }
        me.assert_status(200);
        assert!(
            Instant::now() < deadline,
            "the old token still works after `user passwd`"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    work.cmd(&["user", "passwd", "--email", "nobody@example.test"])
        .stdin("whatever password\n")
        .run()
        .assert_failure()
        .assert_stderr("not found");
}

#[test]
fn user_add_refuses_bad_roles_weak_passwords_and_duplicates() {
    let work = Workdir::new();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "wizard",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_code(2)
    .assert_stderr("`wizard` is not a role; use customer, staff or admin");
    assert!(!work.data_dir().exists(), "a usage error touches no data");

    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .stdin("short\n")
    .run()
    .assert_failure()
    .assert_stderr("password: must be at least 8 characters");
    work.run(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .assert_failure()
    .assert_stderr("no password on stdin");
    work.cmd(&["user", "add", "--email", "not-an-email", "--role", "staff"])
        .stdin("a good long password\n")
        .run()
        .assert_failure()
        .assert_stderr("email");
    let list = work.run(&["user", "list"]);
    assert!(!list.stdout.contains("x@example.test"), "{}", list.stdout);

    work.cmd(&[
        "user",
        "add",
        "--email",
        "x@example.test",
        "--role",
        "staff",
    ])
    .stdin("a good long password\n")
    .run()
    .assert_success();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "X@Example.test",
        "--role",
        "admin",
    ])
    .stdin("another long password\n")
    .run()
    .assert_failure()
    .assert_stderr("already exists");
    let list = work.run(&["user", "list"]);
    assert_eq!(
        list.stdout.to_lowercase().matches("x@example.test").count(),
        1,
        "{}",
        list.stdout
    );
    assert!(
        !list.stdout.contains(" admin "),
        "the duplicate did not land: {}",
        list.stdout
    );
}
