//! Ids in mutation inputs: every mutation reads them with one helper, so a malformed id and
//! the id of another type get the same `userErrors` entry, and another tenant's id the same
//! answer as an id that names nothing.

use serde_json::{Value, json};

use crate::helpers::{error_code, spawn_app};

/// Each mutation with the input field that carries an id, and the input around it.
fn mutations(id: &str) -> Vec<(&'static str, &'static str, String, Value)> {
    vec![
        (
            "updateSeller",
            "id",
            "mutation($input: UpdateSellerInput!) { updateSeller(input: $input) { seller { id } userErrors { code field } } }".to_owned(),
            json!({ "id": id, "ownerName": "Bu Sari" }),
        ),
        (
            "suspendSeller",
            "id",
            "mutation($input: SellerStatusInput!) { suspendSeller(input: $input) { seller { id } userErrors { code field } } }".to_owned(),
            json!({ "id": id, "reason": "cek" }),
        ),
        (
            "completeOnboardingStep",
            "sellerId",
            "mutation($input: OnboardingStepInput!) { completeOnboardingStep(input: $input) { onboarding { stage } userErrors { code field } } }".to_owned(),
            json!({ "sellerId": id, "step": "OWNER_TRAINED" }),
        ),
        (
            "updateProduct",
            "id",
            "mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { id } userErrors { code field } } }".to_owned(),
            json!({ "id": id, "expectedVersion": 1, "title": "Keripik" }),
        ),
        (
            "publishProduct",
            "productId",
            "mutation($input: PublishProductInput!) { publishProduct(input: $input) { listings { id } userErrors { code field } } }".to_owned(),
            json!({ "productId": id, "channels": [] }),
        ),
        (
            "retryListing",
            "listingId",
            "mutation($input: RetryListingInput!) { retryListing(input: $input) { listing { id } userErrors { code field } } }".to_owned(),
            json!({ "listingId": id }),
        ),
    ]
}

#[tokio::test]
async fn a_malformed_id_or_another_types_id_is_the_same_user_error_in_every_mutation() {
    let app = spawn_app().await;
    let tenant = app.tenant("ambon").await;
    let token = tenant.staff.token();
    // An aggregator id is well-formed but names the wrong type for every field below.
    for bad_id in [
        "42",
        "gid://dermaga/Seller/x",
        tenant.aggregator_id.as_str(),
    ] {
        for (name, field, query, input) in mutations(bad_id) {
            let body = app.graphql(&query, json!({ "input": input }), token).await;
            assert!(body["errors"].is_null(), "{name} with {bad_id}: {body}");
            let errors = &body["data"][name]["userErrors"];
            assert_eq!(errors[0]["code"], "INVALID", "{name} with {bad_id}: {body}");
            assert_eq!(
                errors[0]["field"],
                json!(["input", field]),
                "{name} with {bad_id}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn another_tenants_seller_is_answered_as_a_seller_that_does_not_exist() {
    let app = spawn_app().await;
    let ours = app.tenant("ambon").await;
    let theirs = app.tenant("ternate").await;
    let missing = "gid://dermaga/Seller/999999";
    let query = "mutation($input: SellerStatusInput!) { suspendSeller(input: $input) { seller { id } userErrors { code } } }";
    let foreign = app
        .graphql(
            query,
            json!({ "input": { "id": theirs.seller_id } }),
            ours.staff.token(),
        )
        .await;
    let unknown = app
        .graphql(
            query,
            json!({ "input": { "id": missing } }),
            ours.staff.token(),
        )
        .await;
    assert_eq!(error_code(&foreign), "NOT_FOUND", "{foreign}");
    assert_eq!(
        foreign["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(foreign["data"], unknown["data"]);
    // And the other tenant's seller is untouched.
    let seller = app
        .graphql(
            "query($id: ID!) { seller(id: $id) { status } }",
            json!({ "id": theirs.seller_id }),
            theirs.staff.token(),
        )
        .await;
    assert_eq!(seller["data"]["seller"]["status"], "ACTIVE", "{seller}");
}

#[tokio::test]
async fn the_role_rule_still_refuses_a_seller_login_in_the_service() {
    let app = spawn_app().await;
    let tenant = app.tenant("ambon").await;
    for (query, input) in [
        (
            "mutation($input: SellerStatusInput!) { suspendSeller(input: $input) { seller { id } } }",
            json!({ "id": tenant.seller_id }),
        ),
        (
            "mutation($input: OnboardingStepInput!) { completeOnboardingStep(input: $input) { onboarding { stage } } }",
            json!({ "sellerId": tenant.seller_id, "step": "OWNER_TRAINED" }),
        ),
    ] {
        let body = app
            .graphql(
                query,
                json!({ "input": input }),
                tenant.seller_login.token(),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    }
    let body = app
        .graphql(
            "{ enabledChannels { channel { code } } }",
            json!({}),
            tenant.seller_login.token(),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = app
        .graphql(
            "{ importJobs(first: 5) { totalCount } }",
            json!({}),
            app.admin().await.token(),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}
