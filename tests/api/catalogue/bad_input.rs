//! Bad input to the public catalogue: each gets a clear error, never a 500.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;

use super::{PRODUCTS, Spec, create, products};
use crate::helpers::*;

#[tokio::test]
async fn forged_foreign_and_mismatched_cursors_are_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("bad-cursors").await;
    create(&app, &tenant, &tenant.seller_id, Spec::default()).await;
    create(&app, &tenant, &tenant.seller_id, Spec::titled("Kedua")).await;
    let first = products(&app, json!({ "first": 1, "sort": "PRICE_ASC" })).await;
    let price_cursor = first["data"]["products"]["pageInfo"]["endCursor"].clone();
    let sellers_cursor = URL_SAFE_NO_PAD.encode("gid://dermaga/Seller/1");

    for (after, sort) in [
        (json!("not a cursor"), "NEWEST"),
        (json!(URL_SAFE_NO_PAD.encode("cat1:pa:abc:1")), "PRICE_ASC"),
        (json!(URL_SAFE_NO_PAD.encode("cat1:zz:1:1")), "PRICE_ASC"),
        (json!(sellers_cursor), "NEWEST"),
        // A cursor of one sort does not resume another.
        (price_cursor, "NEWEST"),
    ] {
        let body = products(&app, json!({ "first": 1, "after": after, "sort": sort })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{after}: {body}");
        assert!(
            body["data"].is_null() || body["data"]["products"].is_null(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn bad_arguments_get_clear_errors() {
    let app = spawn_app().await;
    let too_long = "a".repeat(101);
    for (variables, code) in [
        (json!({ "first": -1 }), "BAD_USER_INPUT"),
        (json!({ "first": 101 }), "BAD_USER_INPUT"),
        (json!({ "filter": { "minPrice": "-5" } }), "BAD_USER_INPUT"),
        (
            json!({ "filter": { "maxPrice": "murah" } }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "filter": { "categoryId": "gid://dermaga/Seller/1" } }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "filter": { "search": too_long } }),
            "BAD_USER_INPUT",
        ),
    ] {
        let response = app
            .post_graphql(&json!({ "query": PRODUCTS, "variables": variables }), None)
            .await;
        assert_ne!(response.status().as_u16(), 500);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), code, "{variables}: {body}");
    }

    // Request errors (wrong variable types, unknown fields, parse errors) never reach a resolver.
    for (query, variables) in [
        (PRODUCTS, json!({ "first": "ten" })),
        (PRODUCTS, json!({ "sort": "CHEAPEST" })),
        ("{ products { edges { node { price } } } }", json!({})),
        ("{ products(first: ) }", json!({})),
    ] {
        let response = app
            .post_graphql(&json!({ "query": query, "variables": variables }), None)
            .await;
        assert!(
            response.status().is_success() || response.status().as_u16() == 400,
            "{query}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["errors"][0]["message"].is_string(), "{query}: {body}");
        assert!(body["data"]["products"].is_null(), "{query}: {body}");
    }
}
