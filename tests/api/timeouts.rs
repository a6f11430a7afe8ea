//! Reads with a deadline: a client that stops sending a request head or body halfway gets
//! `408` and its connection is closed, instead of holding it for ever.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{TestApp, spawn_app_with};

/// A server that waits one second for a head or a body.
async fn impatient_app() -> TestApp {
    spawn_app_with(&[
        ("HTTP_HEADER_TIMEOUT_SECONDS", "1"),
        ("HTTP_BODY_TIMEOUT_SECONDS", "1"),
    ])
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address)
        .await
        .expect("the server accepts")
}

/// A `POST /graphql` head with `headers` (each without its line end), up to its blank line.
fn post_graphql_head(headers: &[&str], content_length: usize) -> String {
    let headers: String = headers
        .iter()
        .map(|header| format!("{header}\r\n"))
        .collect();
    format!(
        "POST /graphql HTTP/1.1\r\nhost: dermaga\r\n{headers}content-length: {content_length}\r\n\r\n"
    )
}

/// Asks for `/healthz` on a kept-alive connection and checks the answer is `200`.
async fn healthz_answers(stream: &mut TcpStream) {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: dermaga\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let read = stream.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"));
}

/// The server answered `408` with code `REQUEST_TIMEOUT`, and closed within 5 s.
fn assert_timed_out(answer: &str, took: Duration) {
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"REQUEST_TIMEOUT\""), "{answer}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// Everything the server sends until it closes the connection (at most 10 s), and how long
/// that took.
async fn read_until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the connection was still open after 10 s; got {:?}",
        String::from_utf8_lossy(&answer)
    );
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_json_body_that_stops_halfway_gets_408_and_the_connection_closes() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    let body = r#"{"query": "{ categories { slug } }"}"#;
    let head = post_graphql_head(&["content-type: application/json"], body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();

    let (answer, took) = read_until_closed(&mut stream).await;

    assert_timed_out(&answer, took);
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_upload_that_stops_halfway_gets_408_and_the_connection_closes() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    let operations = r#"{"query": "mutation($file: Upload!) { importSellers(file: $file) { job { id } } }", "variables": {"file": null}}"#;
    let body = format!(
        "--b\r\ncontent-disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n\
         --b\r\ncontent-disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.file\"]}}\r\n\
         --b\r\ncontent-disposition: form-data; name=\"0\"; filename=\"sellers.csv\"\r\ncontent-type: text/csv\r\n\r\n\
         business_name,phone\r\n"
    );
    // Promises a file of 100 KB and sends the first line only.
    let head = post_graphql_head(
        &["content-type: multipart/form-data; boundary=b"],
        body.len() + 100_000,
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();

    let (answer, took) = read_until_closed(&mut stream).await;

    assert_timed_out(&answer, took);
}

#[tokio::test]
async fn a_request_head_that_never_ends_gets_408_and_the_connection_closes() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nhost: dermaga\r\ncontent-ty")
        .await
        .unwrap();

    let (answer, took) = read_until_closed(&mut stream).await;

    assert_timed_out(&answer, took);
}

#[tokio::test]
async fn a_later_request_head_on_a_kept_alive_connection_that_never_ends_gets_408() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    healthz_answers(&mut stream).await;
    // Well past the first request: only a deadline on every head ends this one.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: derm")
        .await
        .unwrap();

    let (answer, took) = read_until_closed(&mut stream).await;

    assert_timed_out(&answer, took);
}

#[tokio::test]
async fn a_kept_alive_connection_serves_request_after_request() {
    let app = impatient_app().await;
    let mut stream = connect(&app).await;
    for _ in 0..3 {
        healthz_answers(&mut stream).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
}

#[tokio::test]
async fn a_body_sent_in_pieces_within_the_deadline_is_served() {
    let app = spawn_app_with(&[("HTTP_BODY_TIMEOUT_SECONDS", "3")]).await;
    let mut stream = connect(&app).await;
    let body = r#"{"query": "{ categories { slug } }"}"#;
    let head = post_graphql_head(
        &["connection: close", "content-type: application/json"],
        body.len(),
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in body.as_bytes().chunks(12) {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let (answer, _) = read_until_closed(&mut stream).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"categories\""), "{answer}");
}
