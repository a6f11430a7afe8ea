//! `GET /metrics` in the Prometheus text format.

use serde_json::json;

use crate::helpers::spawn_app;

async fn scrape(app: &crate::helpers::TestApp) -> String {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn requests_are_counted_per_operation_name() {
    let app = spawn_app().await;
    for _ in 0..2 {
        app.post_graphql(
            &json!({ "query": "query Tree { categories { slug } }", "operationName": "Tree" }),
            None,
        )
        .await;
    }

    let text = scrape(&app).await;

    assert!(
        text.contains("dermaga_graphql_requests_total{operation=\"Tree\",outcome=\"ok\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("dermaga_graphql_request_duration_seconds_count{operation=\"Tree\"} 2"),
        "{text}"
    );
    assert!(
        text.contains(
            "dermaga_graphql_request_duration_seconds_bucket{operation=\"Tree\",le=\"+Inf\"} 2"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn failed_operations_are_counted_apart() {
    let app = spawn_app().await;
    app.post_graphql(&json!({ "query": "query Broken { nope }" }), None)
        .await;

    let text = scrape(&app).await;

    assert!(
        text.contains(
            "dermaga_graphql_requests_total{operation=\"anonymous\",outcome=\"error\"} 1"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn cache_and_database_pool_are_reported() {
    let app = spawn_app().await;

    let text = scrape(&app).await;

    for metric in [
        "dermaga_cache_hits_total ",
        "dermaga_cache_misses_total ",
        "dermaga_db_pool_connections_in_use ",
        "dermaga_db_pool_connections ",
    ] {
        assert!(text.contains(metric), "{metric} missing from {text}");
    }
}
