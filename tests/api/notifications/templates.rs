//! Emails rendered from awkward data, through the whole pipeline to the SMTP server: markup
//! in names is escaped in the HTML part and kept verbatim in the text part; very long names
//! and non-Latin scripts (Devanagari, CJK) survive encoding in the body and the subject.

use super::*;

/// A 200-character name (the longest accepted), without spaces at its ends.
fn long_name() -> String {
    let name: String = "Priya Raghunathan-Subramaniam Venkataraman "
        .chars()
        .cycle()
        .take(200)
        .collect();
    let name = name.trim_end().to_string();
    let pad = 200 - name.chars().count();
    name + &"x".repeat(pad)
}

/// Registers `name` as `local@example.test` and returns the token.
async fn register(app: &TestApp, local: &str, name: &str) -> String {
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": format!("{local}@example.test"), "password": "correct horse battery", "name": name}),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(reply.body["user"]["name"].as_str().unwrap_or(name), name);
    text(&reply.body, "token")
}

#[tokio::test]
async fn names_with_markup_length_and_other_scripts_are_escaped_and_intact() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let long = long_name();
    assert_eq!(long.chars().count(), 200);
    let people = [
        ("script", "<script>alert(1)</script>".to_string()),
        ("long", long.clone()),
        ("devanagari", "प्रिया रघुनाथन".to_string()),
        ("cjk", "山田 花子".to_string()),
        (
            "mixed",
            "Zoë O'Brien & \"Ana\" <b>Ló</b> — 李小龙 · संध्या".to_string(),
        ),
    ];
    for (local, name) in &people {
        register(&app, local, name).await;
    }
    for (local, name) in &people {
        let m = mail(&sink, &format!("{local}@example.test"), "Welcome").await;
        assert_branded(&m);
        let greeting = format!("Hello {name},");
        assert!(
            m.text.contains(&greeting),
            "text keeps {name:?}: {}",
            m.text
        );
        assert!(
            m.html_as_read().contains(&greeting),
            "HTML keeps {name:?}: {}",
            m.html
        );
    }
    let script = mail(&sink, "script@example.test", "Welcome").await;
    assert!(!script.html.contains("<script"), "{}", script.html);
    assert!(
        script
            .html
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || script
                .html
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        script.html
    );
    let mixed = mail(&sink, "mixed@example.test", "Welcome").await;
    assert!(!mixed.html.contains("<b>Ló</b>"), "{}", mixed.html);
}

#[tokio::test]
async fn a_confirmation_for_an_awkward_event_and_customer_keeps_both_intact() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let customer = register(&app, "script", "<script>alert(1)</script> 山田").await;
    // Long enough that the encoded Subject header is folded over several lines.
    let name = format!(
        "Raga & <Friends> — संध्या राग · 夜の音楽 · {}",
        "Evening Raga Festival ".repeat(7).trim_end()
    );
    let name = name.as_str();
    assert!(name.chars().count() <= 200, "{}", name.chars().count());
    let venue = "Rang Bhavan <Main> & \"Annexe\"";
    let mut body =
        concert_body(json!({"sections": [{"name": "Stalls", "rows": [{"row": "A", "seats": 4}]}]}));
    body["name"] = json!(name);
    body["venue"] = json!({"name": venue});
    let event = create_event(&app, &admin, body).await;
    let booking = buy(&app, &customer, &event, &["A-1"]).await;
    let codes = ticket_codes(&app, &customer, &text(&booking, "id")).await;

    let m = mail(&sink, "script@example.test", "Your tickets").await;
    assert_branded(&m);
    assert_eq!(
        m.subject,
        format!("Your tickets for {name}"),
        "subject intact"
    );
    let html = m.html_as_read();
    for part in [&m.text, &html] {
        assert!(
            part.contains("Hello <script>alert(1)</script> 山田,"),
            "{part}"
        );
        assert!(part.contains(name), "{part}");
        assert!(part.contains(venue), "{part}");
        assert!(part.contains(&codes[0].1), "{part}");
    }
    for raw in ["<script", "<Friends>", "<Main>"] {
        assert!(!m.html.contains(raw), "{raw} unescaped in {}", m.html);
    }
    assert_eq!(m.images.len(), 1);
}
