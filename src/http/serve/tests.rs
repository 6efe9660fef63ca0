use super::serve;
use crate::http::connections::{ConnectionLimits, Connections};
use crate::http::listener::ServeListener;
use crate::shutdown::CancellationToken;
use axum::Router;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Serves `router` on a fresh loopback port until the returned token is cancelled.
async fn start(router: Router) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let limits = ConnectionLimits {
        header_read: Duration::from_secs(10),
        keep_alive: Duration::from_secs(10),
        max_connections: 8,
    };
    let stop = CancellationToken::new();
    let served = tokio::spawn(serve(
        ServeListener::plain(listener, Connections::new(limits)),
        router,
        stop.clone().cancelled_owned(),
    ));
    (addr, stop, served)
}

/// A route that answers once `release` is notified, after telling `started` it began.
fn waiting_route(started: Arc<Notify>, release: Arc<Notify>) -> Router {
    Router::new().route(
        "/wait",
        get(move || async move {
            started.notify_one();
            release.notified().await;
            "answered"
        }),
    )
}

/// A client connected to `addr` that has sent `GET /wait`.
async fn ask_to_wait(addr: std::net::SocketAddr) -> TcpStream {
    let mut client = TcpStream::connect(addr).await.expect("connect");
    client
        .write_all(b"GET /wait HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("write");
    client
}

async fn read_answer(mut client: TcpStream) -> String {
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.expect("read");
    answer
}

#[tokio::test]
async fn a_client_that_closes_its_sending_side_still_gets_its_answer() {
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (addr, stop, served) = start(waiting_route(started.clone(), release.clone())).await;
    let mut client = ask_to_wait(addr).await;
    client.shutdown().await.expect("close the sending side");
    started.notified().await;
    // Let the connection see the end of the client's stream before the answer is ready.
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.notify_one();
    let answer = read_answer(client).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.ends_with("answered"), "{answer:?}");
    stop.cancel();
    served.await.expect("the server stops");
}

#[tokio::test]
async fn shutting_down_answers_the_request_in_flight_then_returns() {
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (addr, stop, served) = start(waiting_route(started.clone(), release.clone())).await;
    let client = ask_to_wait(addr).await;
    started.notified().await;
    stop.cancel();
    // Stopped accepting, but still waiting for the request in flight.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !served.is_finished(),
        "serve returned with a request in flight"
    );
    release.notify_one();
    let answer = read_answer(client).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    served.await.expect("the server stops");
}
