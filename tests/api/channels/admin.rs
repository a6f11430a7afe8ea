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
            admin.token(),
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
            tenant.admin.token(),
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
            tenant.admin.token(),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["enableChannel"]),
        ["CONFLICT"],
        "{body}"
    );
    assert!(body["data"]["enableChannel"]["feedToken"].is_null());
}

const UPDATE: &str = "mutation($input: UpdateChannelInput!) { updateChannel(input: $input) {
    channel { id name webhookUrl isActive rules { minPrice maxTitleLength } }
    userErrors { field message code } } }";
const DEACTIVATE: &str = "mutation($id: ID!) { deactivateChannel(input: { id: $id }) {
    channel { isActive } userErrors { message code } } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateChannel(input: { id: $id }) {
    channel { isActive } userErrors { message code } } }";
const ROTATE: &str = "mutation($id: ID!) { rotateChannelSecret(input: { id: $id }) {
    channel { id } signingSecret userErrors { code } } }";

#[tokio::test]
async fn a_platform_admin_updates_deactivates_reactivates_and_rotates_a_channel() {
    // No worker, and private webhooks refused.
    let vars: Vec<(&str, &str)> = FAST_WORKER
        .iter()
        .copied()
        .filter(|(name, _)| *name != "ALLOW_PRIVATE_WEBHOOKS")
        .collect();
    let app = spawn_app_with(&vars).await;
    let tenant = app.tenant("chanadmin").await;
    let (channel, secret) =
        register_channel(&app, "adminme", "https://p.example.com/h", json!({})).await;
    let feed_token = enable_channel(&app, &tenant, &channel, json!({})).await;
    let admin = app.admin().await;

    // An aggregator admin may call none of them.
    for (query, vars) in [
        (UPDATE, json!({ "input": { "id": channel, "name": "X" } })),
        (DEACTIVATE, json!({ "id": channel })),
        (REACTIVATE, json!({ "id": channel })),
        (ROTATE, json!({ "id": channel })),
    ] {
        let body = app.graphql(query, vars, tenant.admin.token()).await;
        assert!(body["errors"].is_array(), "{body}");
        assert!(!body.to_string().contains("whsec_"), "{body}");
    }

    // Registration's validation, the private-address rule included.
    for url in [
        "ftp://p.example.com/h",
        "http://127.0.0.1/h",
        "http://10.1.2.3/h",
    ] {
        let body = app
            .graphql(
                UPDATE,
                json!({ "input": { "id": channel, "webhookUrl": url } }),
                admin.token(),
            )
            .await;
        assert_eq!(
            user_error_codes(&body["data"]["updateChannel"]),
            ["INVALID"],
            "{url}: {body}"
        );
    }
    let body = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": channel, "name": "Toko Baru",
                "webhookUrl": "https://q.example.com/hook", "rules": { "minPrice": 5000 } } }),
            admin.token(),
        )
        .await;
    let updated = &body["data"]["updateChannel"]["channel"];
    assert_eq!(updated["name"], "Toko Baru", "{body}");
    assert_eq!(updated["webhookUrl"], "https://q.example.com/hook");
    assert_eq!(updated["rules"]["minPrice"], 5000);

    // A new secret, shown once.
    let body = app
        .graphql(ROTATE, json!({ "id": channel }), admin.token())
        .await;
    let rotated = body["data"]["rotateChannelSecret"]["signingSecret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(rotated.starts_with("whsec_") && rotated != secret);

    // Deactivated: not enabled, not published to, no feed.
    let csv = format!("/feeds/adminme/chanadmin.csv?token={feed_token}");
    let get = |path: String| {
        let request = app.client.get(format!("{}{path}", app.address));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(get(csv.clone()).await, 200);
    let body = app
        .graphql(DEACTIVATE, json!({ "id": channel }), admin.token())
        .await;
    assert_eq!(
        body["data"]["deactivateChannel"]["channel"]["isActive"], false,
        "{body}"
    );
    let again = app
        .graphql(DEACTIVATE, json!({ "id": channel }), admin.token())
        .await;
    assert_eq!(
        user_error_codes(&again["data"]["deactivateChannel"]),
        ["CONFLICT"]
    );
    assert_eq!(get(csv.clone()).await, 404);
    let body = app
        .graphql(
            "mutation($input: EnableChannelInput!) { enableChannel(input: $input) {
                feedToken userErrors { message code } } }",
            json!({ "input": { "channelId": channel } }),
            tenant.admin.token(),
        )
        .await;
    let message = body["data"]["enableChannel"]["userErrors"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(message.contains("deactivated"), "{body}");
    let product = product(&app, &tenant, "Keripik").await;
    let payload = publish(
        &app,
        &tenant.staff,
        &product,
        json!([{ "channelId": channel }]),
    )
    .await;
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("deactivated")),
        "{payload}"
    );

    let body = app
        .graphql(REACTIVATE, json!({ "id": channel }), admin.token())
        .await;
    assert_eq!(
        body["data"]["reactivateChannel"]["channel"]["isActive"], true,
        "{body}"
    );
    assert_eq!(get(csv).await, 200);
    publish_on(&app, &tenant, &product, &channel).await;
}
