//! Observability as an operator meets it: the real binary's `/metrics` after real bookings,
//! check-ins and callbacks; the Grafana dashboard and alert rules checked against what the
//! binary exports; and a real Prometheus (Debian's package) scraping the running binary.
//!
//! These tests spawn the binary rather than an in-process app: the `metrics` recorder is
//! process-global, so only a process of its own gives series whose values a test can
//! assert exactly.

mod dashboard;
mod day;
mod domain;
mod prometheus;

use crate::cli::Server;
use crate::helpers::TestApp;

/// One scrape of the server's `/metrics` (on its metrics listener), asserting it answers.
pub async fn scrape(server: &Server) -> Scrape {
    assert!(
        !server.metrics_url.is_empty(),
        "serve did not announce its metrics address: {:?}",
        server.startup_output
    );
    let reply = TestApp::reply(
        server
            .http
            .get(&server.metrics_url)
            .send()
            .await
            .expect("metrics scraped"),
    )
    .await;
    reply.assert_status(200);
    Scrape(reply.text)
}

/// A Prometheus text exposition.
#[derive(Debug, Clone)]
pub struct Scrape(pub String);

/// One sample: its name, its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Scrape {
    /// Every sample, comments skipped.
    pub fn samples(&self) -> Vec<Sample> {
        self.0
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| parse_sample(l).unwrap_or_else(|| panic!("not a sample: {l}")))
            .collect()
    }

    /// The sum of the samples of `name` that carry every label in `labels` (0 when none
    /// does: a counter that never moved).
    #[track_caller]
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples()
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|s| s.value)
            .sum()
    }
}

/// Parses `name{k="v",…} value` or `name value`.
fn parse_sample(line: &str) -> Option<Sample> {
    let (series, value) = line.trim().rsplit_once(' ')?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let Some((name, rest)) = series.split_once('{') else {
        return Some(Sample {
            name: series.to_string(),
            labels: Vec::new(),
            value,
        });
    };
    let body = rest.strip_suffix('}')?;
    let mut labels = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('"') {
            return None;
        }
        let mut val = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => val.push(chars.next()?),
                '"' => break,
                c => val.push(c),
            }
        }
        labels.push((key.trim_start_matches(',').to_string(), val));
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    Some(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

#[test]
fn samples_parse_with_braces_inside_label_values() {
    let s = parse_sample(
        r#"rezerve_http_requests_total{method="GET",route="/api/v1/events/{id}",status="200"} 3"#,
    )
    .expect("parses");
    assert_eq!(s.name, "rezerve_http_requests_total");
    assert_eq!(
        s.labels,
        [
            ("method".to_string(), "GET".to_string()),
            ("route".to_string(), "/api/v1/events/{id}".to_string()),
            ("status".to_string(), "200".to_string())
        ]
    );
    assert_eq!(s.value, 3.0);
    assert_eq!(
        parse_sample("rezerve_holds_active 0")
            .expect("parses")
            .value,
        0.0
    );
}
