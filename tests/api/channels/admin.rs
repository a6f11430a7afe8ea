//! Registering channels (platform admins) and enabling them (aggregator admins).

use serde_json::json;

use super::*;

#[tokio::test]
async fn the_signing_secret_is_shown_once_and_never_again() {
    let app = quiet_app().await;
    let (_, secret) = register_channel(
        &app,
        "tokomaju",
        "https://partner.example.com/hook",
        json!({}),
    )
    .await;
    assert!(
        secret.starts_with("whsec_") && secret.len() > 30,
        "{secret}"
    );

    let admin = app.admin().await;
    let listed = app
        .graphql(
            "{ channels { id code name kind webhookUrl isActive rules { minPrice } } }",
            json!({}),
            token(&admin),
        )
        .await;
    assert_eq!(
        listed["data"]["channels"][0]["code"], "tokomaju",
        "{listed}"
    );
    assert!(!listed.to_string().contains(&secret));
    let fields = app
        .graphql(
            "{ __type(name: \"Channel\") { fields { name } } }",
            json!({}),
            None,
        )
        .await;
    assert!(
        !fields.to_string().to_lowercase().contains("secret"),
        "{fields}"
    );
}

#[tokio::test]
async fn urls_that_are_not_http_are_refused() {
    let app = quiet_app().await;
    for url in [
        "ftp://partner.example.com/hook",
        "javascript:alert(1)",
        "not a url",
    ] {
        let payload = register_channel_raw(&app, "bad", url, json!({})).await;
        assert_eq!(user_error_codes(&payload), ["INVALID"], "{url}: {payload}");
        assert!(payload["channel"].is_null());
    }
}

#[tokio::test]
async fn private_and_loopback_webhooks_are_refused_outside_development() {
    let app = spawn_app().await;
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
    ] {
        let payload = register_channel_raw(&app, "private", url, json!({})).await;
        assert_eq!(user_error_codes(&payload), ["INVALID"], "{url}: {payload}");
    }
    let payload =
        register_channel_raw(&app, "public", "https://partner.example.com/h", json!({})).await;
    assert!(payload["channel"].is_object(), "{payload}");
}

#[tokio::test]
async fn only_platform_admins_register_channels() {
    let app = quiet_app().await;
    let tenant = app.tenant("nonadmin").await;
    let body = app
        .graphql(
            "mutation($input: RegisterChannelInput!) { registerChannel(input: $input) {
                channel { id } } }",
            json!({ "input": { "code": "x", "name": "X", "kind": "EXPO" } }),
            token(&tenant.admin),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn a_duplicate_code_is_taken() {
    let app = quiet_app().await;
    register_channel(&app, "dup", "https://a.example.com/", json!({})).await;
    let payload = register_channel_raw(&app, "dup", "https://b.example.com/", json!({})).await;
    assert_eq!(user_error_codes(&payload), ["TAKEN"], "{payload}");
}

#[tokio::test]
async fn stock_is_allocated_by_share_or_by_buffer_not_both() {
    let app = quiet_app().await;
    let tenant = app.tenant("alloc").await;
    let (channel, _) = register_channel(&app, "alloc", "https://a.example.com/", json!({})).await;
    let body = app
        .graphql(
            "mutation($input: EnableChannelInput!) { enableChannel(input: $input) {
                feedToken userErrors { field code } } }",
            json!({ "input": { "channelId": channel, "stockSharePercent": 50, "stockBuffer": 2 } }),
            token(&tenant.admin),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["enableChannel"]),
        ["CONFLICT"],
        "{body}"
    );
    assert!(body["data"]["enableChannel"]["feedToken"].is_null());
}
