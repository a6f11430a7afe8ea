//! One aggregator never sees or changes another's data; a seller sees only its business.

use serde_json::json;

use crate::helpers::{PASSWORD, count, error_code, spawn_app, user_error_codes};

const SELLER: &str = "query($id: ID!) { seller(id: $id) { id businessName } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";
const USER: &str = "query($id: ID!) { user(id: $id) { id email } }";
const AGGREGATOR: &str = "query($id: ID!) { aggregator(id: $id) { id name } }";

#[tokio::test]
async fn another_aggregators_records_are_not_found() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    for session in [&jambi.admin, &jambi.staff, &jambi.seller_login] {
        let token = Some(session.access_token.as_str());
        for (query, id) in [
            (SELLER, &medan.seller_id),
            (NODE, &medan.seller_id),
            (AGGREGATOR, &medan.aggregator_id),
            (NODE, &medan.aggregator_id),
            (USER, &medan.staff_user_id),
            (USER, &medan.seller_user_id),
            (NODE, &medan.staff_user_id),
        ] {
            let body = app.graphql(query, json!({ "id": id }), token).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{query} {id}: {body}");
        }
    }
}

#[tokio::test]
async fn lists_hold_only_the_callers_aggregator() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let body = app
        .graphql(
            "{ sellers(first: 50) { totalCount edges { node { id } } }
               aggregators(first: 50) { totalCount edges { node { id } } }
               users(first: 50) { totalCount edges { node { id } } } }",
            json!({}),
            Some(&jambi.admin.access_token),
        )
        .await;
    let data = &body["data"];
    assert_eq!(data["sellers"]["totalCount"], 1, "{body}");
    assert_eq!(
        data["sellers"]["edges"][0]["node"]["id"],
        jambi.seller_id.as_str()
    );
    assert_eq!(data["aggregators"]["totalCount"], 1);
    assert_eq!(
        data["aggregators"]["edges"][0]["node"]["id"],
        jambi.aggregator_id.as_str()
    );
    assert_eq!(
        data["users"]["totalCount"], 3,
        "admin, staff and seller of jambi: {body}"
    );
    let ids: Vec<&str> = data["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&medan.staff_user_id.as_str()));
}

#[tokio::test]
async fn a_seller_sees_only_its_own_business() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let sibling = app
        .onboard_seller(&medan.staff, "Batik Bu Rini", "0813-1111-2222")
        .await;
    let token = Some(medan.seller_login.access_token.as_str());
    let own = app
        .graphql(SELLER, json!({ "id": medan.seller_id }), token)
        .await;
    assert_eq!(own["data"]["seller"]["id"], medan.seller_id.as_str());
    let other = app.graphql(SELLER, json!({ "id": sibling }), token).await;
    assert_eq!(error_code(&other), "NOT_FOUND");
    let list = app
        .graphql("{ sellers { totalCount } }", json!({}), token)
        .await;
    assert_eq!(list["data"]["sellers"]["totalCount"], 1);
    let me = app
        .graphql("{ me { seller { id } } }", json!({}), token)
        .await;
    assert_eq!(me["data"]["me"]["seller"]["id"], medan.seller_id.as_str());
}

#[tokio::test]
async fn an_admin_cannot_create_logins_in_another_aggregator() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let users_before = count(&app.db, "users").await;

    let staff = app
        .create_user_raw(
            &jambi.admin,
            "spy@jambi.test",
            "AGGREGATOR_STAFF",
            Some(&medan.aggregator_id),
            None,
        )
        .await;
    assert_eq!(error_code(&staff), "NOT_FOUND", "{staff}");

    let seller = app
        .create_user_raw(
            &jambi.admin,
            "spy2@jambi.test",
            "SELLER",
            None,
            Some(&medan.seller_id),
        )
        .await;
    assert_eq!(
        user_error_codes(&seller["data"]["createUser"]),
        ["NOT_FOUND"]
    );

    assert_eq!(count(&app.db, "users").await, users_before);
}

#[tokio::test]
async fn an_admin_cannot_disable_another_aggregators_login() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let body = app
        .graphql(
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { user { id } userErrors { code } } }",
            json!({ "id": medan.staff_user_id }),
            Some(&jambi.admin.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    app.login("staff@medan.test", PASSWORD).await;
}

#[tokio::test]
async fn roles_below_admin_cannot_manage_logins_or_aggregators() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    for session in [&medan.staff, &medan.seller_login] {
        let body = app
            .create_user_raw(session, "x@medan.test", "AGGREGATOR_STAFF", None, None)
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    for session in [&medan.admin, &medan.staff, &medan.seller_login] {
        let body = app
            .graphql(
                "mutation { createAggregator(input: { name: \"X\", slug: \"x-agg\", kind: COMPANY, province: \"Riau\", city: \"Batam\" }) { aggregator { id } } }",
                json!({}),
                Some(&session.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
    }
    let body = app
        .onboard_seller_raw(
            &medan.seller_login,
            crate::helpers::seller_input("Kopi", "0811-2222-3333"),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn an_admin_cannot_create_another_aggregator_admin() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let body = app
        .create_user_raw(
            &medan.admin,
            "boss@medan.test",
            "AGGREGATOR_ADMIN",
            None,
            None,
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = app
        .create_user_raw(
            &medan.admin,
            "root@medan.test",
            "PLATFORM_ADMIN",
            None,
            None,
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn seller_and_onboarding_mutations_never_reach_another_aggregator() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let audits_before = count(&app.db, "audit_log").await;
    let mutations = [
        "mutation($id: ID!) { updateSeller(input: { id: $id, city: \"Jambi\" }) { seller { id } } }",
        "mutation($id: ID!) { suspendSeller(input: { id: $id }) { seller { id } } }",
        "mutation($id: ID!) { reactivateSeller(input: { id: $id }) { seller { id } } }",
        "mutation($id: ID!) { completeOnboardingStep(input: { sellerId: $id, step: LOGO }) { onboarding { stage } } }",
        "mutation($id: ID!) { reopenOnboardingStep(input: { sellerId: $id, step: LOGO }) { onboarding { stage } } }",
    ];
    for session in [&jambi.admin, &jambi.staff] {
        for mutation in mutations {
            let body = app
                .graphql(
                    mutation,
                    json!({ "id": medan.seller_id }),
                    Some(&session.access_token),
                )
                .await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{mutation}: {body}");
        }
    }
    // A seller login is refused before any lookup.
    for mutation in mutations {
        let body = app
            .graphql(
                mutation,
                json!({ "id": medan.seller_id }),
                Some(&jambi.seller_login.access_token),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{mutation}: {body}");
    }
    assert_eq!(count(&app.db, "audit_log").await, audits_before);
    let body = app
        .graphql(
            "query($id: ID!) { seller(id: $id) { city status } }",
            json!({ "id": medan.seller_id }),
            Some(&medan.admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["seller"]["city"], "Semarang");
    assert_eq!(body["data"]["seller"]["status"], "ACTIVE");
}

#[tokio::test]
async fn the_audit_log_never_shows_another_aggregators_entries() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let body = app
        .graphql(
            "query($id: ID!) { auditLog(filter: { entityId: $id }) { totalCount } }",
            json!({ "id": medan.seller_id }),
            Some(&jambi.admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["auditLog"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn a_batched_page_of_logins_shows_each_its_own_aggregator_and_seller() {
    let app = spawn_app().await;
    let medan = app.tenant("medan").await;
    let jambi = app.tenant("jambi").await;
    let query = "{ users(first: 50) { edges { node { id
        aggregator { id } seller { id businessName } } } } }";
    let expected = |tenant: &crate::helpers::Tenant, name: &str| {
        (
            tenant.seller_user_id.clone(),
            json!({ "id": tenant.aggregator_id }),
            json!({ "id": tenant.seller_id, "businessName": name }),
        )
    };

    let admin = app.admin().await;
    let everyone = app.graphql(query, json!({}), admin.token()).await;
    let own = app.graphql(query, json!({}), medan.admin.token()).await;

    let node = |body: &serde_json::Value, id: &str| {
        let edges = body["data"]["users"]["edges"].as_array().cloned();
        edges
            .unwrap_or_else(|| panic!("{body}"))
            .into_iter()
            .map(|edge| edge["node"].clone())
            .find(|node| node["id"] == id)
    };
    for (user, aggregator, seller) in [
        expected(&medan, "Keripik medan"),
        expected(&jambi, "Keripik jambi"),
    ] {
        let node = node(&everyone, &user).unwrap_or_else(|| panic!("{everyone}"));
        assert_eq!(node["aggregator"], aggregator, "{everyone}");
        assert_eq!(node["seller"], seller, "{everyone}");
    }
    let (user, aggregator, seller) = expected(&medan, "Keripik medan");
    let node = node(&own, &user).unwrap_or_else(|| panic!("{own}"));
    assert_eq!(
        (&node["aggregator"], &node["seller"]),
        (&aggregator, &seller)
    );
    assert!(!own.to_string().contains(&jambi.seller_id), "{own}");
}
