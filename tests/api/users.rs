use serde_json::json;

use crate::helpers::{PASSWORD, count, error_code, spawn_app, user_error_codes};

#[tokio::test]
async fn an_aggregator_admin_creates_staff_and_seller_logins() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .graphql(
            "{ me { role aggregator { id } } }",
            json!({}),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert_eq!(body["data"]["me"]["role"], "AGGREGATOR_STAFF");
    assert_eq!(
        body["data"]["me"]["aggregator"]["id"],
        tenant.aggregator_id.as_str()
    );
    let body = app
        .graphql(
            "{ me { role seller { id } } }",
            json!({}),
            Some(&tenant.seller_login.access_token),
        )
        .await;
    assert_eq!(body["data"]["me"]["role"], "SELLER");
    assert_eq!(
        body["data"]["me"]["seller"]["id"],
        tenant.seller_id.as_str()
    );
}

#[tokio::test]
async fn a_taken_email_is_a_user_error() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let before = count(&app.db, "users").await;
    let body = app
        .create_user_raw(
            &tenant.admin,
            "STAFF@medan.test",
            "AGGREGATOR_STAFF",
            None,
            None,
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["createUser"]),
        ["TAKEN"],
        "{body}"
    );
    assert_eq!(count(&app.db, "users").await, before);
}

#[tokio::test]
async fn weak_passwords_and_bad_emails_are_user_errors() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .graphql(
            "mutation { createUser(input: { email: \"not-an-email\", password: \"short\", displayName: \"\", role: AGGREGATOR_STAFF }) { user { id } userErrors { field code } } }",
            json!({}),
            Some(&tenant.admin.access_token),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["createUser"]),
        ["INVALID", "TOO_SHORT", "BLANK"],
        "{body}"
    );
}

#[tokio::test]
async fn a_seller_login_needs_a_seller() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .create_user_raw(&tenant.admin, "s2@medan.test", "SELLER", None, None)
        .await;
    assert_eq!(user_error_codes(&body["data"]["createUser"]), ["BLANK"]);
}

#[tokio::test]
async fn a_disabled_login_can_no_longer_log_in_and_its_sessions_end() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    app.disable_user(&tenant.admin, &tenant.staff_user_id).await;
    let login = app.login_raw("staff@medan.test", PASSWORD).await;
    assert_eq!(
        user_error_codes(&login["data"]["login"]),
        ["INVALID_CREDENTIALS"]
    );
    let me = app
        .graphql("{ me { id } }", json!({}), Some(&tenant.staff.access_token))
        .await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
}
