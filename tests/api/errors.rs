//! The wire shape of each error kind.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{count, error_code, seller_input, spawn_app};

#[tokio::test]
async fn a_malformed_id_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            "{ seller(id: \"42\") { id } }",
            json!({}),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("global id")
    );
}

#[tokio::test]
async fn an_id_of_another_type_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            "{ seller(id: \"gid://dermaga/User/1\") { id } }",
            json!({}),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_missing_record_is_not_found() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            "{ seller(id: \"gid://dermaga/Seller/999999\") { id } }",
            json!({}),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["seller"]));
}

#[tokio::test]
async fn an_internal_error_hides_its_cause_and_stores_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let sellers_before = count(&app.db, "sellers").await;
    // Break the audit log so the seller's transaction fails half way.
    app.db
        .execute_unprepared("DROP TABLE audit_log")
        .await
        .unwrap();

    let body = app
        .onboard_seller_raw(
            &tenant.staff,
            seller_input("Sambal Bu Tini", "0812-9999-0000"),
        )
        .await;

    assert_eq!(error_code(&body), "INTERNAL", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("internal error (request id "),
        "{message}"
    );
    for leak in ["audit_log", "SELECT", "INSERT", "sqlx", ".rs", "/"] {
        assert!(
            !message.contains(leak),
            "the message leaks {leak}: {message}"
        );
    }
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    assert_eq!(count(&app.db, "sellers").await, sellers_before);
}

#[tokio::test]
async fn a_query_that_does_not_parse_gets_an_error_not_a_500() {
    let app = spawn_app().await;
    let response = app.post_graphql(&json!({ "query": "{ me { " }), None).await;
    assert!(response.status().is_success() || response.status() == 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["errors"][0]["message"].is_string());
}

#[tokio::test]
async fn a_too_large_page_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for first in [-1, 101, 100_000] {
        let body = app
            .graphql(
                "query($first: Int) { sellers(first: $first) { totalCount } }",
                json!({ "first": first }),
                Some(&admin.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "first: {first}");
    }
}

#[tokio::test]
async fn a_forged_cursor_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = app
        .graphql(
            "{ sellers(after: \"b2Zmc2V0OjQ\") { totalCount } }",
            json!({}),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}
