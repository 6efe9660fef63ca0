//! `/admin/users`: creating accounts (a generated password shown once, or a chosen one),
//! changing a role, disabling and enabling, resetting a password — each checked through the
//! API and through the changed account's own console session, which every one of these
//! changes ends; the last admin cannot demote or disable themselves; bad input on every
//! form is a 422 page with the field's message, and nothing is written.

use super::{Console, PASSWORD};
use crate::helpers::TestApp;
use serde_json::Value;

/// The account behind an email, through the API.
async fn user(app: &TestApp, admin: &str, email: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/users?q={email}"), Some(admin))
        .await;
    reply.assert_status(200);
    let items = reply.body["items"].as_array().expect("items");
    items
        .iter()
        .find(|u| u["email"] == email)
        .cloned()
        .unwrap_or(Value::Null)
}

/// How many accounts exist, through the API.
async fn user_count(app: &TestApp, admin: &str) -> usize {
    let reply = app.get("/api/v1/users?limit=200", Some(admin)).await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").len()
}

/// The password a page shows once.
fn shown_password(html: &str) -> String {
    let start = html
        .find("id=\"generated-password\"")
        .unwrap_or_else(|| panic!("no generated password on the page:\n{html}"));
    let rest = &html[start..];
    let value = rest.find("value=\"").expect("value") + "value=\"".len();
    rest[value..value + rest[value..].find('"').expect("end")].to_string()
}

/// Signs `email` in to the console with `password`; whether it worked.
async fn console_sign_in(app: &TestApp, email: &str, password: &str) -> bool {
    let mut c = Console::anonymous(app);
    c.sign_in(email, password).await.status.as_u16() == 303
}

#[tokio::test]
async fn an_admin_creates_accounts_with_a_chosen_or_a_generated_password() {
    let app = TestApp::spawn().await;
    let mut admin = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let csrf = admin.csrf().await;

    // Generated: shown once, on the answer to the form.
    let created = admin
        .post_form(
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", " Kim@Example.test "),
                ("name", "Kim"),
                ("role", "staff"),
                ("password", ""),
            ],
        )
        .await;
    created.assert_html(201);
    assert!(created.text.contains("Shown once"), "{}", created.text);
    let password = shown_password(&created.text);
    assert_eq!(password.len(), 23, "{password}");
    let kim = user(&app, &token, "kim@example.test").await;
    assert_eq!(kim["role"], "staff");
    assert_eq!(kim["disabled"], false);
    assert!(console_sign_in(&app, "kim@example.test", &password).await);
    // The account's page does not show it again.
    let page = admin
        .get(&format!("/admin/users/{}", kim["id"].as_str().expect("id")))
        .await;
    page.assert_html(200);
    assert!(!page.text.contains(&password));

    // Chosen: the account's page, saying so.
    let created = admin
        .post_form(
            "/admin/users/new",
            &[
                ("csrf", &csrf),
                ("email", "lee@example.test"),
                ("name", "Lee"),
                ("role", "admin"),
                ("password", "a chosen password"),
            ],
        )
        .await;
    assert_eq!(created.status.as_u16(), 303, "{}", created.text);
    let lee = user(&app, &token, "lee@example.test").await;
    assert_eq!(lee["role"], "admin");
    assert_eq!(
        created.location(),
        format!(
            "/admin/users/{}?done=created",
            lee["id"].as_str().expect("id")
        )
    );
    assert!(
        admin
            .get(created.location())
            .await
            .text
            .contains("Account created")
    );
    app.login("lee@example.test", "a chosen password").await;

    // The list finds them by part of the email or name.
    let found = admin.get("/admin/users?q=ki").await;
    found.assert_html(200);
    assert_eq!(
        found.text.matches("data-user=").count(),
        1,
        "{}",
        found.text
    );
    assert!(found.text.contains("kim@example.test"));
    let admins = admin.get("/admin/users?role=admin").await;
    assert_eq!(admins.text.matches("data-user=").count(), 2);
}

#[tokio::test]
async fn role_disable_and_password_changes_end_the_accounts_sessions() {
    let app = TestApp::spawn().await;
    let mut admin = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let sam_console = Console::signed_in(&app, "sam", "staff").await;
    let sam_token = app.login("sam@example.test", PASSWORD).await;
    let sam = user(&app, &token, "sam@example.test").await;
    let sam_id = sam["id"].as_str().expect("id").to_string();
    let csrf = admin.csrf().await;
    let base = format!("/admin/users/{sam_id}");

    // A new role: the API shows it, and sam's console session and token have ended.
    let changed = admin
        .post_form(
            &format!("{base}/role"),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(changed.status.as_u16(), 303, "{}", changed.text);
    assert_eq!(changed.location(), format!("{base}?done=role"));
    assert!(
        admin
            .get(changed.location())
            .await
            .text
            .contains("Role changed")
    );
    assert_eq!(
        user(&app, &token, "sam@example.test").await["role"],
        "admin"
    );
    sam_console.get("/admin/").await.assert_redirect_to_login();
    app.get("/api/v1/users", Some(&sam_token))
        .await
        .assert_problem(401, "unauthorized");

    // Disabled: signed out, and no new sign-in.
    let sam_console = Console::signed_in_as(&app, "sam@example.test").await;
    let disabled = admin
        .post_form(&format!("{base}/disable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(disabled.status.as_u16(), 303, "{}", disabled.text);
    assert_eq!(
        user(&app, &token, "sam@example.test").await["disabled"],
        true
    );
    sam_console.get("/admin/").await.assert_redirect_to_login();
    let mut again = Console::anonymous(&app);
    let refused = again.sign_in("sam@example.test", PASSWORD).await;
    refused.assert_html(403);
    assert!(refused.text.contains("This account is disabled"));
    let page = admin.get(&base).await;
    assert!(page.text.contains("Enable the account"));

    // Enabled: they sign in again.
    let enabled = admin
        .post_form(&format!("{base}/enable"), &[("csrf", &csrf)])
        .await;
    assert_eq!(enabled.status.as_u16(), 303, "{}", enabled.text);
    assert_eq!(
        user(&app, &token, "sam@example.test").await["disabled"],
        false
    );
    let sam_console = Console::signed_in_as(&app, "sam@example.test").await;

    // A chosen new password: signed out; the old one no longer works, the new one does.
    let reset = admin
        .post_form(
            &format!("{base}/password"),
            &[("csrf", &csrf), ("password", "a brand new secret")],
        )
        .await;
    assert_eq!(reset.status.as_u16(), 303, "{}", reset.text);
    assert_eq!(reset.location(), format!("{base}?done=password"));
    sam_console.get("/admin/").await.assert_redirect_to_login();
    assert!(!console_sign_in(&app, "sam@example.test", PASSWORD).await);
    assert!(console_sign_in(&app, "sam@example.test", "a brand new secret").await);

    // A generated one: shown once; it works, and the one before does not.
    let sam_console = Console::signed_in_with(&app, "sam@example.test", "a brand new secret").await;
    let reset = admin
        .post_form(
            &format!("{base}/password"),
            &[("csrf", &csrf), ("password", "")],
        )
        .await;
    reset.assert_html(200);
    let generated = shown_password(&reset.text);
    sam_console.get("/admin/").await.assert_redirect_to_login();
    app.login("sam@example.test", &generated).await;
    assert!(!console_sign_in(&app, "sam@example.test", "a brand new secret").await);
    // The admin who did all this is still signed in.
    admin.get("/admin/users").await.assert_html(200);
}

#[tokio::test]
async fn the_last_admin_cannot_demote_or_disable_themselves() {
    let app = TestApp::spawn().await;
    let mut ada = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let id = user(&app, &token, "ada@example.test").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let base = format!("/admin/users/{id}");
    let own = ada.get(&base).await;
    own.assert_html(200);
    assert!(
        own.text.contains("This is your own account"),
        "{}",
        own.text
    );
    let csrf = ada.csrf().await;

    for (path, fields) in [
        (
            format!("{base}/role"),
            vec![("csrf", csrf.as_str()), ("role", "staff")],
        ),
        (format!("{base}/disable"), vec![("csrf", csrf.as_str())]),
    ] {
        let refused = ada.post_form(&path, &fields).await;
        refused.assert_html(409);
        assert!(
            refused.text.contains("this is the last enabled admin"),
            "{path}: {}",
            refused.text
        );
        assert!(
            refused.text.contains("nothing was changed"),
            "{}",
            refused.text
        );
    }
    let ada_now = user(&app, &token, "ada@example.test").await;
    assert_eq!(
        (ada_now["role"].as_str(), ada_now["disabled"].as_bool()),
        (Some("admin"), Some(false))
    );
    ada.get("/admin/users").await.assert_html(200);

    // With a second admin, ada may step down; her own session ends with it.
    app.account("bob", "admin").await;
    let stepped = ada
        .post_form(
            &format!("{base}/role"),
            &[("csrf", &csrf), ("role", "staff")],
        )
        .await;
    assert_eq!(stepped.status.as_u16(), 303, "{}", stepped.text);
    ada.get(stepped.location()).await.assert_redirect_to_login();
    assert_eq!(
        user(
            &app,
            &app.login("bob@example.test", PASSWORD).await,
            "ada@example.test"
        )
        .await["role"],
        "staff"
    );
}

#[tokio::test]
async fn bad_input_on_the_user_forms_gets_a_422_page_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let mut admin = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let sam_console = Console::signed_in(&app, "sam", "staff").await;
    let csrf = admin.csrf().await;
    let before = user_count(&app, &token).await;

    let create = |fields: Vec<(&'static str, &'static str)>| fields;
    for (fields, status, messages) in [
        (
            create(vec![
                ("email", "not-an-email"),
                ("name", " "),
                ("role", "staff"),
                ("password", "short"),
            ]),
            422,
            vec![
                "Email must be an email address",
                "Name must not be empty",
                "Password must be at least 8 characters",
            ],
        ),
        (
            create(vec![
                ("email", "x@example.test"),
                ("name", "X"),
                ("role", "root"),
                ("password", ""),
            ]),
            422,
            vec!["Role: choose customer, staff or admin"],
        ),
        (
            create(vec![
                ("email", "SAM@example.test"),
                ("name", "Sam again"),
                ("role", "staff"),
                ("password", ""),
            ]),
            409,
            vec!["Email is already used by another account"],
        ),
        (create(vec![]), 422, vec!["Nothing was created"]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        let page = admin.post_form("/admin/users/new", &fields).await;
        page.assert_html(status);
        for m in messages {
            assert!(page.text.contains(m), "{m:?} missing:\n{}", page.text);
        }
        // What was typed is kept, except the password.
        if let Some((_, email)) = fields.iter().find(|(k, _)| *k == "email") {
            assert!(page.text.contains(&format!("value=\"{email}\"")));
        }
        assert!(!page.text.contains("value=\"short\""));
    }
    assert_eq!(
        user_count(&app, &token).await,
        before,
        "nothing was created"
    );

    let sam = user(&app, &token, "sam@example.test").await;
    let base = format!("/admin/users/{}", sam["id"].as_str().expect("id"));
    let page = admin
        .post_form(
            &format!("{base}/role"),
            &[("csrf", &csrf), ("role", "owner")],
        )
        .await;
    page.assert_html(422);
    assert!(page.text.contains("Role: choose customer, staff or admin"));
    let page = admin
        .post_form(
            &format!("{base}/password"),
            &[("csrf", &csrf), ("password", "short")],
        )
        .await;
    page.assert_html(422);
    assert!(
        page.text.contains("Password must be at least 8 characters"),
        "{}",
        page.text
    );
    assert!(page.text.contains("aria-invalid=\"true\""));
    // Nothing changed: sam keeps the role, the password and the session.
    assert_eq!(
        user(&app, &token, "sam@example.test").await["role"],
        "staff"
    );
    sam_console.get("/admin/").await.assert_html(200);
    app.login("sam@example.test", PASSWORD).await;

    // Unknown accounts and junk ids: 404 pages.
    for path in [
        "/admin/users/usr_0123456789abcdef0123456789abcdef",
        "/admin/users/nobody",
    ] {
        admin.get(path).await.assert_html(404);
        admin
            .post_form(&format!("{path}/disable"), &[("csrf", &csrf)])
            .await
            .assert_html(404);
    }
    // Staff may not see or change accounts.
    let mut staff = Console::signed_in(&app, "kim", "staff").await;
    let staff_csrf = staff.csrf().await;
    staff.get(&base).await.assert_html(403);
    staff
        .post_form(
            &format!("{base}/role"),
            &[("csrf", &staff_csrf), ("role", "admin")],
        )
        .await
        .assert_html(403);
    assert_eq!(
        user(&app, &token, "sam@example.test").await["role"],
        "staff"
    );
}
