//! `rezerve seed demo`: the demo catalog.

use super::*;

#[tokio::test]
async fn seed_demo_builds_a_living_catalog_once() {
    let work = Workdir::new();
    let run = work.run(&["seed", "demo"]);
    run.assert_success().assert_stdout("demo catalog");
    let accounts: Vec<(String, String, String)> = run
        .stdout
        .lines()
        .filter(|l| l.contains("password: "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (
                words[0].to_string(),
                words[1].to_string(),
                words[3].to_string(),
            )
        })
        .collect();
    let roles: BTreeSet<&str> = accounts.iter().map(|(role, _, _)| role.as_str()).collect();
    assert_eq!(
        roles,
        BTreeSet::from(["admin", "customer", "staff"]),
        "{}",
        run.stdout
    );
    assert_eq!(mode(&work.data_dir().join("demo-credentials.txt")), 0o600);
    for (_, _, password) in &accounts {
        assert!(
            !run.stderr.contains(password.as_str()),
            "a demo password reached the log"
        );
    }

    let (events, users) = {
        let db = work.db();
        (
            count(&db, "SELECT count(*) FROM events"),
            count(&db, "SELECT count(*) FROM users"),
        )
    };
    work.run(&["seed", "demo"])
        .assert_success()
        .assert_stdout("already has events");
    {
        let db = work.db();
        assert_eq!(
            count(&db, "SELECT count(*) FROM events"),
            events,
            "seeding twice duplicated events"
        );
        assert_eq!(
            count(&db, "SELECT count(*) FROM users"),
            users,
            "seeding twice duplicated accounts"
        );
    }

    let mut server = work.cmd(&["serve"]).serve().await;
    let list = server.get("/api/v1/events?limit=100", None).await;
    list.assert_status(200);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len() as i64, events);
    let categories: BTreeSet<&str> = items
        .iter()
        .filter_map(|e| e["category"].as_str())
        .collect();
    for category in ["movie", "concert", "flight", "bus", "train"] {
        assert!(
            categories.contains(category),
            "no {category} in {categories:?}"
        );
    }
    let first = |category: &str| {
        items
            .iter()
            .find(|e| e["category"] == category)
            .unwrap_or_else(|| panic!("a {category}"))
            .clone()
    };
    let flight = first("flight");
    assert_eq!(flight["availability"]["total"], 180, "{flight}");
    let premium = flight["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == "premium")
        .expect("a premium cabin");
    assert!(premium["total"].as_i64().expect("total") > 0);
    let seats = server
        .get(
            &format!(
                "/api/v1/events/{}/seats",
                flight["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    seats.assert_status(200);
    let seats = seats.body["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 180);
    assert!(seats.iter().any(|s| s["category"] == "premium"));
    for seat in seats {
        let status = seat["status"].as_str().expect("status");
        assert!(
            ["available", "held", "sold", "blocked"].contains(&status),
            "{seat}"
        );
    }
    assert_eq!(first("bus")["availability"]["total"], 40);

    // The printed passwords work.
    for (role, email, password) in &accounts {
        let login = server.login(email, password).await;
        login.assert_status(200);
        assert_eq!(login.body["user"]["role"], role.as_str());
    }

    // Seeding beside a running server is refused; checking beside it is fine.
    work.run(&["seed", "demo"])
        .assert_failure()
        .assert_stderr("another rezerve process");
    work.run(&["check"]).assert_success();
    assert!(server.terminate().success());
}

#[tokio::test]
async fn serve_demo_seeds_an_empty_catalog_only() {
    let work = Workdir::new();
    let mut server = work.cmd(&["serve", "--demo"]).serve().await;
    let startup = server.startup_output.join("\n");
    assert!(
        startup.contains("demo catalog") && startup.contains("password: "),
        "{startup}"
    );
    let events = server.get("/api/v1/events?limit=100", None).await;
    let seeded = events.body["items"].as_array().expect("items").len();
    assert!(seeded >= 5, "{}", events.text);
    assert!(server.terminate().success());

    let mut server = work.cmd(&["serve", "--demo"]).serve().await;
    let startup = server.startup_output.join("\n");
    assert!(
        startup.contains("already has events") && !startup.contains("password: "),
        "{startup}"
    );
    let events = server.get("/api/v1/events?limit=100", None).await;
    assert_eq!(
        events.body["items"].as_array().expect("items").len(),
        seeded
    );
    assert!(server.terminate().success());
}
