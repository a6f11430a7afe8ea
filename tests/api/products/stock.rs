//! Stock: atomic adjustments and refused changes.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn fifty_concurrent_decrements_of_twenty_in_stock_leave_zero_with_twenty_successes() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let variant_id = id_of(&product["variants"][0]);
    assert_eq!(product["variants"][0]["stock"], 20);

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&tenant.staff.access_token)
            .json(&json!({
                "query": ADJUST_STOCK,
                "variables": { "input": { "variantId": variant_id, "delta": -1 } },
            }));
        calls.spawn(async move {
            let body: Value = request.send().await.unwrap().json().await.unwrap();
            body
        });
    }
    let bodies = calls.join_all().await;

    let payloads: Vec<&Value> = bodies
        .iter()
        .map(|body| &body["data"]["adjustVariantStock"])
        .collect();
    let successes = payloads.iter().filter(|p| p["variant"].is_object()).count();
    let refusals = payloads
        .iter()
        .filter(|p| user_error_codes(p) == ["INSUFFICIENT_STOCK"])
        .count();
    assert_eq!((successes, refusals), (20, 30), "{bodies:?}");
    let stored = managed_product(&app, &tenant.staff, &id_of(&product)).await;
    assert_eq!(stored["variants"][0]["stock"], 0);
    assert_eq!(
        stored["version"], 21,
        "one version per successful adjustment"
    );
}

#[tokio::test]
async fn taking_more_than_the_stock_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;
    let variant_id = id_of(&product["variants"][0]);

    let body = app
        .graphql(
            ADJUST_STOCK,
            json!({ "input": { "variantId": variant_id, "delta": -21 } }),
            tenant.staff.token(),
        )
        .await;

    let payload = &body["data"]["adjustVariantStock"];
    assert_eq!(user_error_codes(payload), ["INSUFFICIENT_STOCK"], "{body}");
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("20")
    );
    let stored = managed_product(&app, &tenant.staff, &id_of(&product)).await;
    assert_eq!(stored["variants"][0]["stock"], 20);
    assert_eq!(stored["version"], 1);
}

#[tokio::test]
async fn a_negative_absolute_stock_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let product = create_product(&app, &tenant).await;

    let body = app
        .graphql(
            SET_STOCK,
            json!({ "input": { "variantId": id_of(&product["variants"][0]), "stock": -1 } }),
            tenant.staff.token(),
        )
        .await;

    assert_eq!(
        user_error_codes(&body["data"]["setVariantStock"]),
        ["TOO_SMALL"],
        "{body}"
    );
}
