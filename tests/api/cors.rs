//! CORS: the browser origins of `CORS_ALLOWED_ORIGINS` get their preflights answered and
//! `Access-Control-Allow-Origin` on their responses; any other origin gets nothing a browser
//! would let a page use, and when the list is empty (the default) no CORS header is sent at all.

use reqwest::{Method, Response, header};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const DASHBOARD: &str = "https://dash.example.com";

async fn dashboard_app() -> TestApp {
    spawn_app_with(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://dash.example.com, http://localhost:3000",
    )])
    .await
}

async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.client
        .request(Method::OPTIONS, format!("{}/graphql", app.address))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type,authorization,idempotency-key,x-request-id",
        )
        .send()
        .await
        .unwrap()
}

async fn query_from(app: &TestApp, origin: &str) -> Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .header(header::ORIGIN, origin)
        .json(&json!({ "query": "{ categories { slug } }" }))
        .send()
        .await
        .unwrap()
}

fn header_of(response: &Response, name: header::HeaderName) -> Option<&str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn has_no_cors_header(response: &Response) -> bool {
    response
        .headers()
        .keys()
        .all(|name| !name.as_str().starts_with("access-control-"))
}

/// No header that lets a browser hand the answer to the page. (`Access-Control-Expose-Headers`
/// may still come: it means nothing without `Access-Control-Allow-Origin`.)
fn grants_nothing(response: &Response) -> bool {
    let headers = response.headers();
    !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        && !headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        && !headers.contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)
        && !headers.contains_key(header::ACCESS_CONTROL_ALLOW_HEADERS)
}

#[tokio::test]
async fn a_listed_origin_gets_its_preflight_answered() {
    let app = dashboard_app().await;
    let response = preflight(&app, DASHBOARD).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(DASHBOARD)
    );
    let methods = header_of(&response, header::ACCESS_CONTROL_ALLOW_METHODS).unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = header_of(&response, header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "content-type",
        "authorization",
        "idempotency-key",
        "x-request-id",
    ] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
}

#[tokio::test]
async fn a_listed_origin_may_read_the_answer_and_its_request_id() {
    let app = dashboard_app().await;
    let response = query_from(&app, "http://localhost:3000").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header_of(&response, header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("http://localhost:3000")
    );
    let exposed = header_of(&response, header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    assert!(exposed.contains("retry-after"), "{exposed}");
}

#[tokio::test]
async fn an_unlisted_origin_is_granted_nothing() {
    let app = dashboard_app().await;
    let refused = preflight(&app, "https://dash.example.com.evil.example").await;
    let answered = query_from(&app, "https://evil.example").await;

    assert!(has_no_cors_header(&refused), "{:?}", refused.headers());
    assert_ne!(refused.status(), 200);
    // The server still answers (a browser hides it from the page; other clients need no CORS).
    assert_eq!(answered.status(), 200);
    assert!(grants_nothing(&answered), "{:?}", answered.headers());
}

#[tokio::test]
async fn without_an_allowlist_no_origin_gets_cors_headers() {
    let app = spawn_app().await;
    let refused = preflight(&app, DASHBOARD).await;
    let answered = query_from(&app, DASHBOARD).await;

    assert!(has_no_cors_header(&refused), "{:?}", refused.headers());
    assert_ne!(refused.status(), 200);
    assert!(has_no_cors_header(&answered), "{:?}", answered.headers());
}
