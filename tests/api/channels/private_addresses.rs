//! Webhooks never reach a special-purpose address (loopback, private, NAT64, 6to4, reserved…)
//! when private webhooks are not allowed: refused at registration and update, and not
//! connected to at delivery even when such an address is already stored.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::*;

/// The forms the attack tests got through, each a different special-purpose range.
const SPECIAL_PURPOSE_URLS: &[&str] = &[
    "http://[::7f00:1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
    "http://[2002:a9fe:a9fe::]/hook",
    "http://[fec0::1]/hook",
    "http://198.18.0.1/hook",
    "http://240.0.0.1/hook",
    "http://224.0.0.1/hook",
    "http://100.64.0.1/hook",
    "http://192.0.0.170/hook",
    "http://2130706433/hook",
];

/// No worker, and private webhooks refused (as in production).
async fn production_app(extra: &[(&str, &str)]) -> TestApp {
    let mut vars: Vec<(&str, &str)> = FAST_WORKER.to_vec();
    vars.push(("ALLOW_PRIVATE_WEBHOOKS", "false"));
    vars.extend_from_slice(extra);
    spawn_app_with(&vars).await
}

#[tokio::test]
async fn registering_a_webhook_on_any_special_purpose_address_is_a_user_error() {
    let app = production_app(&[]).await;
    for url in SPECIAL_PURPOSE_URLS {
        let payload = register_channel_raw(&app, "special", url, json!({})).await;
        assert_eq!(user_error_codes(&payload), ["INVALID"], "{url}: {payload}");
        assert!(payload["channel"].is_null(), "{url}: {payload}");
    }
}

#[tokio::test]
async fn moving_a_webhook_to_any_special_purpose_address_is_a_user_error() {
    let app = production_app(&[]).await;
    let (channel, _) =
        register_channel(&app, "moving", "https://partner.example.com/h", json!({})).await;
    let admin = app.admin().await;
    for url in SPECIAL_PURPOSE_URLS {
        let body = app
            .graphql(
                "mutation($input: UpdateChannelInput!) { updateChannel(input: $input) {
                    channel { webhookUrl } userErrors { field code } } }",
                json!({ "input": { "id": channel, "webhookUrl": url } }),
                admin.token(),
            )
            .await;
        let payload = &body["data"]["updateChannel"];
        assert_eq!(user_error_codes(payload), ["INVALID"], "{url}: {body}");
    }
}

#[tokio::test]
async fn a_stored_loopback_address_is_not_connected_to_at_delivery() {
    let partner = Partner::start().await;
    let app = production_app(&[("WORKER_ENABLED", "true")]).await;
    let tenant = app.tenant("literal").await;
    let (channel, _) =
        register_channel(&app, "literal", "https://partner.example.com/h", json!({})).await;
    enable_channel(&app, &tenant, &channel, json!({})).await;
    // Stored while private webhooks were allowed: an address, which reqwest connects to
    // without asking the resolver.
    app.db
        .execute_unprepared(&format!(
            "UPDATE channels SET webhook_url = '{}' WHERE id = {}",
            partner.url,
            db_id(&channel)
        ))
        .await
        .unwrap();
    let product = product(&app, &tenant, "Keripik Tempe").await;

    let listing = publish_on(&app, &tenant, &product, &channel).await;

    let rejected = wait_until_status(&app, &tenant.staff, &listing, "REJECTED").await;
    assert!(
        rejected["lastError"]
            .as_str()
            .is_some_and(|error| error.contains("not public")),
        "{rejected}"
    );
    assert!(partner.received().is_empty(), "the partner was reached");
}
