use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn readyz_reports_the_database_and_the_cache() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["cache"], "ok");
    let expected_backend = if std::env::var("REDIS_URL").is_ok() {
        "redis"
    } else {
        "memory"
    };
    assert_eq!(body["cacheBackend"], expected_backend);
}

#[tokio::test]
async fn mutations_over_get_are_refused() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", "mutation { logout(input: {}) { revoked } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}
