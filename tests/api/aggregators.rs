use serde_json::json;

use crate::helpers::{count, spawn_app, user_error_codes};

const CREATE: &str = "mutation($input: CreateAggregatorInput!) { createAggregator(input: $input) {
    aggregator { id slug kind contactPhone } userErrors { field message code } } }";

#[tokio::test]
async fn a_platform_admin_creates_an_aggregator_and_it_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            CREATE,
            json!({ "input": { "name": "JNE Digital Jambi", "slug": "jne-jambi", "kind": "COURIER_PARTNER",
                "province": "Jambi", "city": "Kota Jambi", "contactPhone": "0741 123456" } }),
            Some(&admin.access_token),
        )
        .await;
    let aggregator = &body["data"]["createAggregator"]["aggregator"];
    assert_eq!(aggregator["slug"], "jne-jambi", "{body}");
    assert_eq!(aggregator["contactPhone"], "+62741123456");
    assert_eq!(count(&app.db, "audit_log").await, 1);
}

#[tokio::test]
async fn a_taken_slug_and_bad_fields_are_user_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_aggregator(&admin, "koperasi-madiun").await;
    let before = count(&app.db, "aggregators").await;
    let body = app
        .graphql(
            CREATE,
            json!({ "input": { "name": "Again", "slug": "koperasi-madiun", "kind": "COOPERATIVE",
                "province": "Jawa Timur", "city": "Madiun" } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["createAggregator"]),
        ["TAKEN"],
        "{body}"
    );
    let body = app
        .graphql(
            CREATE,
            json!({ "input": { "name": "", "slug": "Bad Slug", "kind": "COOPERATIVE",
                "province": "Jawa Timur", "city": "Madiun", "contactEmail": "nope" } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["createAggregator"]),
        ["BLANK", "INVALID", "INVALID"],
        "{body}"
    );
    assert_eq!(count(&app.db, "aggregators").await, before);
}
