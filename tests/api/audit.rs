use serde_json::json;

use crate::helpers::{error_code, spawn_app};

const AUDIT: &str = "query($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { action entityType entityId actorId createdAt } } } }";

#[tokio::test]
async fn the_audit_log_shows_the_aggregators_changes_newest_first() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    app.tenant("jambi").await;
    let body = app
        .graphql(AUDIT, json!({}), Some(&medan.admin.access_token))
        .await;
    let log = &body["data"]["auditLog"];
    let actions: Vec<&str> = log["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    // tenant(): aggregator, admin login, staff login, seller, seller login.
    assert_eq!(
        actions,
        [
            "user.created",
            "seller.onboarded",
            "user.created",
            "user.created",
            "aggregator.created"
        ]
    );
    assert_eq!(log["totalCount"], 5);
}

#[tokio::test]
async fn the_audit_log_filters_by_actor_type_and_time() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let token = Some(medan.admin.access_token.as_str());
    let by_staff = app
        .graphql(
            AUDIT,
            json!({ "filter": { "actor": medan.staff_user_id } }),
            token,
        )
        .await;
    assert_eq!(by_staff["data"]["auditLog"]["totalCount"], 1, "{by_staff}");
    assert_eq!(
        by_staff["data"]["auditLog"]["edges"][0]["node"]["entityId"],
        medan.seller_id.as_str()
    );
    let users = app
        .graphql(AUDIT, json!({ "filter": { "entityType": "User" } }), token)
        .await;
    assert_eq!(users["data"]["auditLog"]["totalCount"], 3);
    let future = app
        .graphql(
            AUDIT,
            json!({ "filter": { "since": "2999-01-01T00:00:00Z" } }),
            token,
        )
        .await;
    assert_eq!(future["data"]["auditLog"]["totalCount"], 0, "{future}");
    let past = app
        .graphql(
            AUDIT,
            json!({ "filter": { "since": "2000-01-01T00:00:00Z" } }),
            token,
        )
        .await;
    assert_eq!(past["data"]["auditLog"]["totalCount"], 5, "{past}");
}

#[tokio::test]
async fn the_audit_log_pages_newest_first() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let token = Some(medan.admin.access_token.as_str());
    let first = app.graphql(AUDIT, json!({ "first": 3 }), token).await;
    let cursor = first["data"]["auditLog"]["pageInfo"]["endCursor"].clone();
    assert_eq!(first["data"]["auditLog"]["pageInfo"]["hasNextPage"], true);
    let rest = app
        .graphql(AUDIT, json!({ "first": 3, "after": cursor }), token)
        .await;
    let actions: Vec<&str> = rest["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.created", "aggregator.created"]);
}

#[tokio::test]
async fn staff_and_sellers_cannot_read_the_audit_log() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    for session in [&medan.staff, &medan.seller_login] {
        let body = app
            .graphql(AUDIT, json!({}), Some(&session.access_token))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
}
