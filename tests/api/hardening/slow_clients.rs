//! Slowloris: connections that send half a request head (and a byte now and then to look
//! alive), or nothing, or sit idle after an answer, are closed by the server; at the
//! connection cap the longest-quiet one makes room; a normal client is served throughout.

use crate::helpers::TestApp;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Opens a connection that sends half a request head and then one more header byte every
/// 300 ms; the task ends with how long the server kept it open (`None`: still open after
/// `give_up`).
async fn slowloris(addr: String, give_up: Duration) -> JoinHandle<Option<Duration>> {
    let stream = TcpStream::connect(&addr).await.expect("connect");
    tokio::spawn(async move {
        let opened = Instant::now();
        let (mut reader, mut writer) = stream.into_split();
        let drip = tokio::spawn(async move {
            if writer
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: rezerve\r\nX-Slow: ")
                .await
                .is_err()
            {
                return;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(300)).await;
                if writer.write_all(b"a").await.is_err() {
                    return;
                }
            }
        });
        let mut buf = [0u8; 1024];
        let closed = tokio::time::timeout(give_up, async {
            loop {
                match reader.read(&mut buf).await {
                    Ok(0) | Err(_) => return opened.elapsed(),
                    Ok(_) => {}
                }
            }
        })
        .await
        .ok();
        drip.abort();
        closed
    })
}

/// A normal client's request, on a fresh connection, must be answered within `limit`.
async fn served_promptly(app: &TestApp, limit: Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let started = Instant::now();
    let reply = tokio::time::timeout(
        limit,
        client.get(format!("{}/healthz", app.base_url)).send(),
    )
    .await
    .unwrap_or_else(|_| panic!("a normal client waited over {limit:?}"))
    .expect("answered");
    assert_eq!(reply.status().as_u16(), 200);
    eprintln!("normal client served in {:?}", started.elapsed());
}

#[tokio::test]
async fn slow_request_heads_and_idle_connections_are_closed() {
    let app = TestApp::spawn_with(|config| {
        config.server.header_read_timeout_seconds = 1;
        config.server.keep_alive_timeout_seconds = 3;
    })
    .await;
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..40 {
        slow.push(slowloris(addr.clone(), Duration::from_secs(20)).await);
    }
    served_promptly(&app, Duration::from_secs(5)).await;
    for task in slow {
        let open_for = task.await.expect("slow client task");
        let open_for = open_for.expect("a slow request head was still open after 20 s");
        // Dripping bytes does not buy time: the head has 1 s from its first byte.
        assert!(open_for < Duration::from_secs(8), "open for {open_for:?}");
    }

    // A keep-alive connection that goes quiet after its answer is closed after the
    // keep-alive timeout, not the (shorter) header timeout.
    let mut idle = TcpStream::connect(&addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: rezerve\r\n\r\n")
        .await
        .expect("request");
    let mut answer = vec![0u8; 4096];
    let n = idle.read(&mut answer).await.expect("answer");
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );
    let quiet = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match idle.read(&mut answer).await {
                Ok(0) | Err(_) => return quiet.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("an idle keep-alive connection was still open after 20 s");
    assert!(
        closed >= Duration::from_millis(2500),
        "closed after {closed:?}, before the keep-alive timeout"
    );
    // A connection that never sends anything is idle too.
    let mut silent = TcpStream::connect(&addr).await.expect("connect");
    tokio::time::timeout(Duration::from_secs(20), silent.read(&mut answer))
        .await
        .expect("a silent connection was still open after 20 s")
        .ok();
}

#[tokio::test]
async fn at_the_connection_cap_the_longest_quiet_connection_makes_room() {
    // Timeouts far away: only the cap can close anything during this test.
    let app = TestApp::spawn_with(|config| {
        config.server.header_read_timeout_seconds = 60;
        config.server.keep_alive_timeout_seconds = 600;
        config.server.max_connections = 10;
    })
    .await;
    let addr = app.base_url.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..30 {
        slow.push(slowloris(addr.clone(), Duration::from_secs(10)).await);
    }
    served_promptly(&app, Duration::from_secs(5)).await;
    let mut still_open = 0;
    for task in slow {
        if task.await.expect("slow client task").is_none() {
            still_open += 1;
        }
    }
    assert!(
        still_open <= 10,
        "{still_open} slow connections outlived the cap of 10"
    );
}
