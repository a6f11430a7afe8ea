use serde_json::json;

use crate::helpers::{count, error_code, spawn_app, user_error_codes};

const COMPLETE: &str = "mutation($seller: ID!, $step: OnboardingStep!) {
    completeOnboardingStep(input: { sellerId: $seller, step: $step, note: \"sudah dicek\" }) {
        onboarding { stage completed } userErrors { code message } } }";
const REOPEN: &str = "mutation($seller: ID!, $step: OnboardingStep!) {
    reopenOnboardingStep(input: { sellerId: $seller, step: $step }) {
        onboarding { stage } userErrors { code } } }";
const STAGE: &str = "query($id: ID!) { seller(id: $id) { onboarding { stage completed steps { step completed note completedBy } } } }";

#[tokio::test]
async fn a_new_seller_starts_at_capacity_with_every_step_open() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .graphql(
            STAGE,
            json!({ "id": tenant.seller_id }),
            Some(&tenant.staff.access_token),
        )
        .await;
    let onboarding = &body["data"]["seller"]["onboarding"];
    assert_eq!(onboarding["stage"], "CAPACITY", "{body}");
    assert_eq!(onboarding["steps"].as_array().unwrap().len(), 11);
    assert!(
        onboarding["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|step| step["completed"] == false)
    );
}

#[tokio::test]
async fn completing_a_stages_steps_moves_the_seller_on_and_reopening_moves_it_back() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let token = Some(tenant.staff.access_token.as_str());
    let seller = &tenant.seller_id;
    let body = app
        .graphql(
            COMPLETE,
            json!({ "seller": seller, "step": "OWNER_TRAINED" }),
            token,
        )
        .await;
    assert_eq!(
        body["data"]["completeOnboardingStep"]["onboarding"]["stage"], "CAPACITY",
        "{body}"
    );
    let body = app
        .graphql(
            COMPLETE,
            json!({ "seller": seller, "step": "BUSINESS_PROFILE_COMPLETE" }),
            token,
        )
        .await;
    assert_eq!(
        body["data"]["completeOnboardingStep"]["onboarding"]["stage"],
        "BUSINESS_PROCESS"
    );

    let listed = app
        .graphql(
            "{ sellers(filter: { stage: BUSINESS_PROCESS }) { totalCount } }",
            json!({}),
            token,
        )
        .await;
    assert_eq!(listed["data"]["sellers"]["totalCount"], 1);

    let body = app
        .graphql(
            REOPEN,
            json!({ "seller": seller, "step": "OWNER_TRAINED" }),
            token,
        )
        .await;
    assert_eq!(
        body["data"]["reopenOnboardingStep"]["onboarding"]["stage"],
        "CAPACITY"
    );
    let body = app.graphql(STAGE, json!({ "id": seller }), token).await;
    let steps = body["data"]["seller"]["onboarding"]["steps"]
        .as_array()
        .unwrap();
    let profile = steps
        .iter()
        .find(|s| s["step"] == "BUSINESS_PROFILE_COMPLETE")
        .unwrap();
    assert_eq!(profile["note"], "sudah dicek");
    assert_eq!(profile["completedBy"], tenant.staff_user_id.as_str());
}

#[tokio::test]
async fn a_later_step_does_not_skip_an_unfinished_stage() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let token = Some(tenant.staff.access_token.as_str());
    for step in [
        "SOCIAL_MEDIA_ACCOUNT",
        "MARKETPLACE_ACCOUNT",
        "FIRST_LISTING_LIVE",
        "EXPORTS",
    ] {
        app.graphql(
            COMPLETE,
            json!({ "seller": tenant.seller_id, "step": step }),
            token,
        )
        .await;
    }
    let body = app
        .graphql(STAGE, json!({ "id": tenant.seller_id }), token)
        .await;
    assert_eq!(body["data"]["seller"]["onboarding"]["stage"], "CAPACITY");
    assert_eq!(body["data"]["seller"]["onboarding"]["completed"], false);
}

#[tokio::test]
async fn every_stage_done_makes_a_local_hero() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let token = Some(tenant.staff.access_token.as_str());
    let mut last = serde_json::Value::Null;
    for step in [
        "OWNER_TRAINED",
        "BUSINESS_PROFILE_COMPLETE",
        "PRODUCT_PHOTOS",
        "PACKAGING",
        "LOGO",
        "BOOKKEEPING",
        "SOCIAL_MEDIA_ACCOUNT",
        "MARKETPLACE_ACCOUNT",
        "FIRST_LISTING_LIVE",
        "MENTORS_OTHERS",
    ] {
        last = app
            .graphql(
                COMPLETE,
                json!({ "seller": tenant.seller_id, "step": step }),
                token,
            )
            .await;
    }
    let onboarding = &last["data"]["completeOnboardingStep"]["onboarding"];
    assert_eq!(onboarding["stage"], "LOCAL_HERO", "{last}");
    assert_eq!(onboarding["completed"], true);
}

#[tokio::test]
async fn completing_a_step_twice_or_reopening_an_open_one_is_a_conflict() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let token = Some(tenant.staff.access_token.as_str());
    app.graphql(
        COMPLETE,
        json!({ "seller": tenant.seller_id, "step": "LOGO" }),
        token,
    )
    .await;
    let audits = count(&app.db, "audit_log").await;
    let again = app
        .graphql(
            COMPLETE,
            json!({ "seller": tenant.seller_id, "step": "LOGO" }),
            token,
        )
        .await;
    assert_eq!(
        user_error_codes(&again["data"]["completeOnboardingStep"]),
        ["CONFLICT"]
    );
    let reopen = app
        .graphql(
            REOPEN,
            json!({ "seller": tenant.seller_id, "step": "PACKAGING" }),
            token,
        )
        .await;
    assert_eq!(
        user_error_codes(&reopen["data"]["reopenOnboardingStep"]),
        ["CONFLICT"]
    );
    assert_eq!(count(&app.db, "audit_log").await, audits);
    assert_eq!(count(&app.db, "seller_onboarding_steps").await, 1);
}

#[tokio::test]
async fn every_step_change_is_in_the_audit_log() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let token = Some(tenant.staff.access_token.as_str());
    app.graphql(
        COMPLETE,
        json!({ "seller": tenant.seller_id, "step": "LOGO" }),
        token,
    )
    .await;
    app.graphql(
        REOPEN,
        json!({ "seller": tenant.seller_id, "step": "LOGO" }),
        token,
    )
    .await;
    let body = app
        .graphql(
            "query($id: ID!) { auditLog(filter: { entityId: $id }) { edges { node { action actorId changes } } } }",
            json!({ "id": tenant.seller_id }),
            Some(&tenant.admin.access_token),
        )
        .await;
    let actions: Vec<&str> = body["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "onboarding.step_reopened",
            "onboarding.step_completed",
            "seller.onboarded"
        ]
    );
    assert_eq!(
        body["data"]["auditLog"]["edges"][0]["node"]["actorId"],
        tenant.staff_user_id.as_str()
    );
}

#[tokio::test]
async fn a_seller_cannot_tick_its_own_checklist() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .graphql(
            COMPLETE,
            json!({ "seller": tenant.seller_id, "step": "LOGO" }),
            Some(&tenant.seller_login.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    assert_eq!(count(&app.db, "seller_onboarding_steps").await, 0);
}
