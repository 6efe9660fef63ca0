//! The admin's user management: creating, listing and paging accounts, patching them, the
//! last admin kept, and the changes that revoke tokens.

use super::*;

#[tokio::test]
async fn admins_create_accounts_of_any_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (name, role) in [("cust", "customer"), ("desk", "staff"), ("boss2", "admin")] {
        let id = create_user(&app, &admin, name, role).await;
        let token = app.login(&format!("{name}@example.test"), PASSWORD).await;
        let me = app.get("/api/v1/auth/me", Some(&token)).await;
        assert_eq!(me.body["id"], id.as_str());
        assert_eq!(me.body["role"], role);
        let fetched = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
        fetched.assert_status(200);
        assert_eq!(fetched.body["email"], format!("{name}@example.test"));
    }

    let mut body = registration("odd");
    body["role"] = json!("superuser");
    let reply = app.post("/api/v1/users", Some(&admin), body).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["role".to_string()]);

    let mut body = registration("desk");
    body["role"] = json!("staff");
    app.post("/api/v1/users", Some(&admin), body)
        .await
        .assert_problem(409, "email_taken");

    let reply = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "x", "password": "short", "name": "", "role": "staff"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields().len(), 3, "{}", reply.text);
}

#[tokio::test]
async fn unknown_users_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for id in [
        "usr_0193b7c4e1d27c3a9f1e2d3c4b5a6978",
        "nope",
        "usr_'%20OR%201=1",
    ] {
        app.get(&format!("/api/v1/users/{id}"), Some(&admin))
            .await
            .assert_problem(404, "not_found");
        app.patch(
            &format!("/api/v1/users/{id}"),
            Some(&admin),
            json!({"name": "Ghost"}),
        )
        .await
        .assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn the_user_list_filters_by_role_and_text() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_user(&app, &admin, "alice", "staff").await;
    create_user(&app, &admin, "malika", "staff").await;
    create_user(&app, &admin, "bob", "customer").await;
    app.customer("alina").await;

    let emails = |reply: &Reply| -> Vec<String> {
        reply.assert_status(200);
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["email"].as_str().expect("email").to_string())
            .collect()
    };
    let staff = app.get("/api/v1/users?role=staff", Some(&admin)).await;
    assert_eq!(
        emails(&staff),
        ["alice@example.test", "malika@example.test"]
    );
    let customers = app.get("/api/v1/users?role=customer", Some(&admin)).await;
    assert_eq!(
        emails(&customers),
        ["bob@example.test", "alina@example.test"]
    );
    let text = app.get("/api/v1/users?q=ALI", Some(&admin)).await;
    assert_eq!(
        emails(&text),
        [
            "alice@example.test",
            "malika@example.test",
            "alina@example.test"
        ]
    );
    let both = app
        .get("/api/v1/users?q=ali&role=customer", Some(&admin))
        .await;
    assert_eq!(emails(&both), ["alina@example.test"]);
    // LIKE wildcards in the search are literal characters, not patterns.
    for wildcard in ["%25", "_", "a%25e"] {
        let reply = app
            .get(&format!("/api/v1/users?q={wildcard}"), Some(&admin))
            .await;
        assert!(
            emails(&reply).is_empty(),
            "q={wildcard} matched: {}",
            reply.text
        );
    }
    let bad = app.get("/api/v1/users?role=superuser", Some(&admin)).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["role".to_string()]);
}

#[tokio::test]
async fn the_user_list_pages_through_every_account_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..6 {
        app.customer(&format!("c{i}")).await;
    }
    create_user(&app, &admin, "desk", "staff").await;

    let all = app.get("/api/v1/users?limit=200", Some(&admin)).await;
    all.assert_status(200);
    assert!(all.body["next_cursor"].is_null());
    let expected: Vec<Value> = all.body["items"].as_array().expect("items").clone();
    assert_eq!(expected.len(), 8);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=3&cursor={c}"),
            None => "/api/v1/users?limit=3".to_string(),
        };
        let page = app.get(&path, Some(&admin)).await;
        page.assert_status(200);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        seen.extend(items.iter().cloned());
        pages += 1;
        assert!(pages <= 4, "pagination does not end");
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, expected,
        "pages are the full list, in order, each account once"
    );

    // A filter holds across pages.
    let first = app
        .get("/api/v1/users?role=customer&limit=4", Some(&admin))
        .await;
    let next = first.body["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(
            &format!("/api/v1/users?role=customer&limit=4&cursor={next}"),
            Some(&admin),
        )
        .await;
    second.assert_status(200);
    assert!(second.body["next_cursor"].is_null());
    let customers: Vec<&Value> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(second.body["items"].as_array().expect("items"))
        .collect();
    assert_eq!(customers.len(), 6);
    assert!(customers.iter().all(|u| u["role"] == "customer"));
    let ids: HashSet<&str> = customers
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 6);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=many", "limit"),
        ("cursor=%25%25junk", "cursor"),
    ] {
        let reply = app
            .get(&format!("/api/v1/users?{query}"), Some(&admin))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            vec![field.to_string()],
            "{query}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn patch_changes_what_it_names_and_validates_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    let path = format!("/api/v1/users/{id}");

    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": "Ada Lovelace", "phone": "+44 20 7946 0000"}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["name"], "Ada Lovelace");
    assert_eq!(reply.body["phone"], "+442079460000");
    assert_eq!(reply.body["role"], "customer");
    // A name change does not sign anyone out.
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&ada)).await.body["name"],
        "Ada Lovelace"
    );

    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": " ", "password": "short"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    let fields = reply.error_fields();
    assert!(
        fields.contains(&"name".to_string()) && fields.contains(&"password".to_string()),
        "{}",
        reply.text
    );
    app.patch(&path, Some(&admin), json!({"role": "root"}))
        .await
        .assert_problem(422, "validation_failed");
    // Fields that cannot be patched are refused, not silently dropped.
    app.patch(&path, Some(&admin), json!({"email": "someone@else.test"}))
        .await
        .assert_problem(422, "validation_failed");

    let after = app.get(&path, Some(&admin)).await;
    assert_eq!(after.body["name"], "Ada Lovelace");
    assert_eq!(after.body["email"], "ada@example.test");
    app.get("/api/v1/auth/me", Some(&ada))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn patching_in_a_taken_phone_is_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut ada = registration("ada");
    ada["phone"] = json!("+91 98765 43210");
    app.post("/api/v1/auth/register", None, ada)
        .await
        .assert_status(201);
    let bob = app.customer("bob").await;
    let bob_id = user_id(&app, &bob).await;
    let path = format!("/api/v1/users/{bob_id}");
    for phone in ["+91 98765 43210", "+919876543210"] {
        app.patch(
            &path,
            Some(&admin),
            json!({"phone": phone, "name": "Bob B"}),
        )
        .await
        .assert_problem(409, "phone_taken");
    }
    let after = app.get(&path, Some(&admin)).await;
    assert_eq!(after.body["phone"], Value::Null);
    assert_eq!(after.body["name"], "bob", "a refused patch changes nothing");
    // Clearing and setting a free number work.
    let set = app
        .patch(&path, Some(&admin), json!({"phone": "+44 20 7946 0000"}))
        .await;
    set.assert_status(200);
    let cleared = app.patch(&path, Some(&admin), json!({"phone": ""})).await;
    cleared.assert_status(200);
    assert_eq!(cleared.body["phone"], Value::Null);
}

#[tokio::test]
async fn the_last_enabled_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = user_id(&app, &admin).await;
    let first_path = format!("/api/v1/users/{first}");

    app.patch(&first_path, Some(&admin), json!({"role": "staff"}))
        .await
        .assert_problem(409, "last_admin");
    app.patch(&first_path, Some(&admin), json!({"disabled": true}))
        .await
        .assert_problem(409, "last_admin");
    // Refused changes change nothing and revoke nothing.
    let still = app.get(&first_path, Some(&admin)).await;
    still.assert_status(200);
    assert_eq!(still.body["role"], "admin");
    assert_eq!(still.body["disabled"], false);

    // A disabled second admin does not count.
    let second = create_user(&app, &admin, "second", "admin").await;
    let second_path = format!("/api/v1/users/{second}");
    app.patch(&second_path, Some(&admin), json!({"disabled": true}))
        .await
        .assert_status(200);
    app.patch(&first_path, Some(&admin), json!({"role": "customer"}))
        .await
        .assert_problem(409, "last_admin");

    // With another enabled admin, the first may step down; then the second is the last.
    app.patch(&second_path, Some(&admin), json!({"disabled": false}))
        .await
        .assert_status(200);
    let demoted = app
        .patch(&first_path, Some(&admin), json!({"role": "staff"}))
        .await;
    demoted.assert_status(200);
    assert_eq!(demoted.body["role"], "staff");
    let second_token = app.login("second@example.test", PASSWORD).await;
    app.patch(
        &second_path,
        Some(&second_token),
        json!({"role": "customer"}),
    )
    .await
    .assert_problem(409, "last_admin");
    app.patch(&second_path, Some(&second_token), json!({"disabled": true}))
        .await
        .assert_problem(409, "last_admin");
    app.get("/api/v1/users", Some(&second_token))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let first = app.admin().await;
    let first_id = user_id(&app, &first).await;
    let second_id = create_user(&app, &first, "second", "admin").await;
    let second = app.login("second@example.test", PASSWORD).await;
    let (second_path, first_path) = (
        format!("/api/v1/users/{second_id}"),
        format!("/api/v1/users/{first_id}"),
    );
    let (a, b) = tokio::join!(
        app.patch(&second_path, Some(&first), json!({"role": "staff"})),
        app.patch(&first_path, Some(&second), json!({"role": "staff"})),
    );
    let statuses = [a.status.as_u16(), b.status.as_u16()];
    // Either one demotion wins and the other is refused (as the last admin, or because the
    // winner's token was revoked with its role), or both are refused; never both applied.
    assert!(
        statuses.iter().filter(|s| **s == 200).count() <= 1,
        "{a:?} {b:?}"
    );
    for reply in [&a, &b].into_iter().filter(|r| r.status.as_u16() != 200) {
        let code = reply.body["code"].as_str().unwrap_or_default();
        assert!(["last_admin", "unauthorized"].contains(&code), "{reply:?}");
    }
    let fresh = app.login("admin@example.test", PASSWORD).await;
    let fresh = match app
        .get("/api/v1/users?role=admin", Some(&fresh))
        .await
        .status
        .as_u16()
    {
        200 => fresh,
        _ => app.login("second@example.test", PASSWORD).await,
    };
    let admins = app.get("/api/v1/users?role=admin", Some(&fresh)).await;
    admins.assert_status(200);
    assert_eq!(
        admins.body["items"].as_array().expect("items").len(),
        1,
        "{}",
        admins.text
    );
}

/// Applies `patch` to a customer and checks their old token stops working while a fresh
/// login (with `password`) works.
#[tokio::test]
async fn racing_first_admins_make_one_and_the_rest_are_told_why() {
    let app = TestApp::spawn().await;
    let core = rezerve::app::Core::open(app.config.clone(), std::sync::Arc::new(app.clock.clone()))
        .await
        .expect("core opens beside the server");
    assert!(core.auth.existing_admin().await.expect("asked").is_none());
    let attempts = (0..4).map(|i| {
        let auth = core.auth.clone();
        tokio::spawn(async move {
            auth.create_first_admin(&format!("boss{i}@example.test"), PASSWORD, "Boss")
                .await
        })
    });
    let mut winners = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        match attempt.await.expect("joined") {
            Ok(user) => winners.push(user.email),
            Err(e @ rezerve::Error::Conflict(_)) => {
                assert_eq!(e.status_and_code().1, "admin_exists")
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let admin = core
        .auth
        .existing_admin()
        .await
        .expect("asked")
        .expect("one admin");
    assert_eq!(admin.email, winners[0]);
    core.close().await;
    // The winner is a real admin.
    let token = app.login(&winners[0], PASSWORD).await;
    app.get("/api/v1/users", Some(&token))
        .await
        .assert_status(200);
}

async fn assert_patch_revokes(patch: Value, password: &str, role_after: &str) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    app.patch(&format!("/api/v1/users/{id}"), Some(&admin), patch.clone())
        .await
        .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&ada)).await);
    let fresh = app.login("ada@example.test", password).await;
    let me = app.get("/api/v1/auth/me", Some(&fresh)).await;
    me.assert_status(200);
    assert_eq!(me.body["role"], role_after, "after {patch}");
    // The old token stays dead after the fresh login.
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&ada)).await);
}

#[tokio::test]
async fn a_role_change_revokes_tokens() {
    assert_patch_revokes(json!({"role": "staff"}), PASSWORD, "staff").await;
}

#[tokio::test]
async fn a_new_password_revokes_tokens() {
    assert_patch_revokes(
        json!({"password": "a brand new password"}),
        "a brand new password",
        "customer",
    )
    .await;
}

#[tokio::test]
async fn disabling_revokes_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let desk = app.account("desk", "staff").await;
    let id = user_id(&app, &desk).await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"disabled": true}),
    )
    .await
    .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&desk)).await);
    // Re-enabling does not resurrect the old token; a fresh login works.
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"disabled": false}),
    )
    .await
    .assert_status(200);
    assert_unauthorized(&app.get("/api/v1/auth/me", Some(&desk)).await);
    let fresh = app.login("desk@example.test", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&fresh)).await.body["role"],
        "staff"
    );
}

#[tokio::test]
async fn the_old_password_stops_working_after_a_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        json!({"password": "a brand new password"}),
    )
    .await
    .assert_status(200);
    app.post(
        "/api/v1/auth/login",
        None,
        json!({"email": "ada@example.test", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn a_patch_that_changes_no_access_keeps_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ada = app.customer("ada").await;
    let id = user_id(&app, &ada).await;
    for patch in [
        json!({"role": "customer"}),
        json!({"disabled": false}),
        json!({"name": "Ada L"}),
        json!({}),
    ] {
        app.patch(&format!("/api/v1/users/{id}"), Some(&admin), patch.clone())
            .await
            .assert_status(200);
        app.get("/api/v1/auth/me", Some(&ada))
            .await
            .assert_status(200);
    }
}
