//! Tickets at the door: a code verifies offline with the public key alone; staff admit a
//! ticket once; forged codes, void tickets and other events' tickets are refused with
//! distinct codes.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};

/// The server's ticket key, fetched once as a scanner would before going offline.
async fn public_key(app: &TestApp) -> VerifyingKey {
    let reply = app.get("/api/v1/tickets/public-key", None).await;
    reply.assert_status(200);
    assert_eq!(reply.body["algorithm"], "Ed25519", "{}", reply.text);
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(text(&reply.body, "public_key"))
        .expect("base64url key")
        .try_into()
        .expect("32 bytes");
    VerifyingKey::from_bytes(&bytes).expect("an Ed25519 key")
}

/// What a scanner does with no network: split `RZ1.<payload>.<sig>`, check the signature
/// over `RZ1.<payload>`, and read the claims. `None` for anything that does not verify.
fn verify_offline(key: &VerifyingKey, code: &str) -> Option<Value> {
    let (signed, signature) = code.rsplit_once('.')?;
    let (prefix, payload) = signed.split_once('.')?;
    if prefix != "RZ1" {
        return None;
    }
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
    key.verify(signed.as_bytes(), &signature).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The code with its claims rewritten but the original signature kept.
fn forge(code: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = code.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload")).expect("JSON");
    change(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("JSON"));
    format!("{}.{payload}.{}", parts[0], parts[2])
}

/// The code with one character of its signature changed.
fn flip_signature(code: &str) -> String {
    let (signed, signature) = code.rsplit_once('.').expect("three parts");
    let first = if signature.starts_with('A') { "B" } else { "A" };
    format!("{signed}.{first}{}", &signature[1..])
}

/// `POST /checkins`.
async fn scan(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post("/api/v1/checkins", Some(token), body).await
}

#[tokio::test]
async fn codes_verify_offline_and_admit_once() {
    let app = spawn().await;
    let admin = app.admin().await;
    let door = app.account("doorkeeper", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let id = text(&bought(&app, &alice, &event, &["A-1", "A-2"]).await, "id");
    let issued = tickets(&app, &alice, &id).await;
    let key = public_key(&app).await;

    for ticket in &issued {
        let claims = verify_offline(&key, &text(ticket, "code")).expect("the code verifies");
        assert_eq!(claims["t"], ticket["id"], "{claims}");
        assert_eq!(claims["e"], event.as_str());
        assert_eq!(claims["s"], ticket["seat"]);
        assert_eq!(claims["c"], "standard");
    }
    let code = text(&issued[0], "code");
    let forged = forge(&code, |c| c["s"] = json!("A-9"));
    assert!(
        verify_offline(&key, &forged).is_none(),
        "a forgery verified"
    );

    // Admitted once, at the right door.
    let first = scan(&app, &door, json!({"code": code, "event_id": event})).await;
    first.assert_status(200);
    assert_eq!(first.body["ticket_id"], issued[0]["id"], "{}", first.text);
    assert_eq!(first.body["seat"], issued[0]["seat"]);
    assert_eq!(first.body["booking_id"], id.as_str());
    let when = text(&first.body, "checked_in_at");
    let second = scan(&app, &door, json!({"code": code})).await;
    second.assert_problem(409, "already_checked_in");
    let detail = text(&second.body, "detail");
    assert!(detail.contains(&when), "when: {detail}");
    assert!(detail.contains("doorkeeper"), "by whom: {detail}");
    // Another staff member scanning it is refused the same way.
    scan(&app, &admin, json!({"code": code}))
        .await
        .assert_problem(409, "already_checked_in");
    let now = tickets(&app, &alice, &id).await;
    let scanned = now
        .iter()
        .find(|t| t["id"] == issued[0]["id"])
        .expect("ticket");
    assert_eq!(scanned["status"], "checked_in");
    assert_eq!(scanned["checked_in_at"], when.as_str());
    let other = now
        .iter()
        .find(|t| t["id"] != issued[0]["id"])
        .expect("ticket");
    assert_eq!(other["status"], "valid");
}

#[tokio::test]
async fn forged_void_and_foreign_tickets_are_refused() {
    let app = spawn().await;
    let admin = app.admin().await;
    let door = app.account("doorkeeper", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let other_event = app.create_concert(&admin, 1, 10).await;
    let id = text(&bought(&app, &alice, &event, &["A-1"]).await, "id");
    let code = text(&tickets(&app, &alice, &id).await[0], "code");

    // Customers do not scan, not even their own ticket.
    scan(&app, &alice, json!({"code": code}))
        .await
        .assert_problem(403, "forbidden");
    scan(&app, "not-a-token", json!({"code": code}))
        .await
        .assert_problem(401, "unauthorized");
    // Forged or garbled.
    let bad_codes = [
        forge(&code, |c| c["s"] = json!("A-2")),
        forge(&code, |c| c["e"] = json!(other_event)),
        code.replacen("RZ1.", "RZ2.", 1),
        flip_signature(&code),
        "RZ1.e30.AAAA".to_string(),
        "hello".to_string(),
        String::new(),
    ];
    for bad in &bad_codes {
        scan(&app, &door, json!({"code": bad}))
            .await
            .assert_problem(422, "ticket_invalid");
    }
    // Another event's door.
    scan(&app, &door, json!({"code": code, "event_id": other_event}))
        .await
        .assert_problem(409, "wrong_event");
    assert_eq!(tickets(&app, &alice, &id).await[0]["status"], "valid");

    // A ticket of a booking cancelled since.
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .assert_status(200);
    scan(&app, &door, json!({"code": code, "event_id": event}))
        .await
        .assert_problem(409, "ticket_void");
    assert_eq!(tickets(&app, &alice, &id).await[0]["status"], "void");
    // The code itself still verifies offline: voiding is what the server knows.
    assert!(verify_offline(&public_key(&app).await, &code).is_some());
}
