use serde_json::json;

use crate::helpers::{count, seller_input, spawn_app, user_error_codes};

#[tokio::test]
async fn onboarding_stores_the_phone_in_e164() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let mut input = seller_input("Lumpia Gang Lombok", "0812 2233 4455");
    input["nib"] = json!("9120 0012 34567");
    let body = app.onboard_seller_raw(&tenant.staff, input).await;
    let seller = &body["data"]["onboardSeller"]["seller"];
    assert_eq!(seller["phone"], "+6281222334455", "{body}");
    assert_eq!(seller["nib"], "9120001234567");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_and_nothing_is_stored() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let before = count(&app.db, "sellers").await;
    let mut input = seller_input("   ", "+60 12 345 6789");
    input["nib"] = json!("12345");
    input["city"] = json!("x".repeat(101));
    let body = app.onboard_seller_raw(&tenant.staff, input).await;
    let payload = &body["data"]["onboardSeller"];
    assert!(payload["seller"].is_null());
    let fields: Vec<String> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["businessName", "phone", "nib", "city"], "{body}");
    assert_eq!(
        user_error_codes(payload),
        ["BLANK", "INVALID", "INVALID", "TOO_LONG"]
    );
    assert_eq!(count(&app.db, "sellers").await, before);
}

#[tokio::test]
async fn the_same_phone_twice_in_one_aggregator_names_the_existing_seller() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let before = count(&app.db, "sellers").await;
    // The tenant's seller has 0812-3456-7890; the same number written differently.
    let body = app
        .onboard_seller_raw(
            &tenant.staff,
            seller_input("Bandeng Presto", "+62 812 3456 7890"),
        )
        .await;
    let payload = &body["data"]["onboardSeller"];
    assert_eq!(user_error_codes(payload), ["TAKEN"]);
    let message = payload["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Keripik semarang"), "{message}");
    assert!(message.contains(&tenant.seller_id), "{message}");
    assert_eq!(count(&app.db, "sellers").await, before);
}

#[tokio::test]
async fn the_same_phone_in_another_aggregator_is_allowed() {
    let app = spawn_app().await;
    app.tenant("semarang").await;
    let madiun = app.tenant("madiun").await;
    // tenant() itself onboarded 0812-3456-7890 in both aggregators.
    let body = app
        .graphql(
            "{ sellers { totalCount } }",
            json!({}),
            Some(&madiun.admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["sellers"]["totalCount"], 1);
}

#[tokio::test]
async fn pages_follow_cursors_to_the_end() {
    let app = spawn_app().await;
    let tenant = app.tenant("batam").await;
    for i in 0..4 {
        app.onboard_seller(
            &tenant.staff,
            &format!("Toko {i}"),
            &format!("0813-0000-000{i}"),
        )
        .await;
    }
    let query = "query($after: String) { sellers(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }";
    let mut after = serde_json::Value::Null;
    let mut seen = Vec::new();
    loop {
        let body = app
            .graphql(
                query,
                json!({ "after": after }),
                Some(&tenant.admin.access_token),
            )
            .await;
        let connection = &body["data"]["sellers"];
        assert_eq!(connection["totalCount"], 5, "{body}");
        for edge in connection["edges"].as_array().unwrap() {
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 5);
    assert_eq!(unique.len(), 5);
}

const LIST: &str = "query($filter: SellerFilter, $sort: SellerSort, $after: String, $first: Int) {
    sellers(filter: $filter, sort: $sort, after: $after, first: $first) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id businessName } } } }";

async fn names(
    app: &crate::helpers::TestApp,
    token: &str,
    filter: serde_json::Value,
) -> Vec<String> {
    let body = app
        .graphql(
            LIST,
            json!({ "filter": filter, "sort": "NAME_ASC" }),
            Some(token),
        )
        .await;
    body["data"]["sellers"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|edge| edge["node"]["businessName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn filters_narrow_the_seller_list() {
    let app = spawn_app().await;
    let tenant = app.tenant("jambi").await;
    let mut batik = seller_input("Batik Jambi Kak Lia", "0813-5555-0001");
    batik["sector"] = json!("FASHION");
    batik["city"] = json!("Kota Jambi");
    batik["province"] = json!("Jambi");
    app.onboard_seller_raw(&tenant.staff, batik).await;
    let mut madu = seller_input("Madu Hutan Kerinci", "0813-5555-0002");
    madu["sector"] = json!("AGRICULTURE");
    madu["scale"] = json!("SMALL");
    app.onboard_seller_raw(&tenant.staff, madu).await;
    let token = tenant.admin.access_token.as_str();

    assert_eq!(
        names(&app, token, json!({ "sector": "FASHION" })).await,
        ["Batik Jambi Kak Lia"]
    );
    assert_eq!(
        names(&app, token, json!({ "city": "kota jambi" })).await,
        ["Batik Jambi Kak Lia"]
    );
    assert_eq!(
        names(&app, token, json!({ "scale": "SMALL" })).await,
        ["Madu Hutan Kerinci"]
    );
    assert_eq!(
        names(&app, token, json!({ "search": "HUTAN" })).await,
        ["Madu Hutan Kerinci"]
    );
    assert_eq!(
        names(&app, token, json!({ "search": "100%" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &app,
            token,
            json!({ "province": "Jawa Tengah", "sector": "FOOD_AND_DRINK" })
        )
        .await,
        ["Keripik jambi"]
    );
    assert_eq!(
        names(&app, token, json!({ "stage": "CAPACITY" }))
            .await
            .len(),
        3
    );
    assert_eq!(
        names(&app, token, json!({ "stage": "MARKET_ACCESS" }))
            .await
            .len(),
        0
    );
}

#[tokio::test]
async fn name_ordering_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let tenant = app.tenant("batam").await;
    for (i, name) in ["Zaitun", "Apel Malang", "Mangga", "Apel Malang", "Durian"]
        .iter()
        .enumerate()
    {
        app.onboard_seller(&tenant.staff, name, &format!("0813-7777-000{i}"))
            .await;
    }
    let mut after = serde_json::Value::Null;
    let mut seen = Vec::new();
    loop {
        let body = app
            .graphql(
                LIST,
                json!({ "sort": "NAME_ASC", "first": 2, "after": after }),
                Some(&tenant.admin.access_token),
            )
            .await;
        let connection = &body["data"]["sellers"];
        for edge in connection["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
        {
            seen.push(edge["node"]["businessName"].as_str().unwrap().to_owned());
        }
        if connection["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen,
        [
            "Apel Malang",
            "Apel Malang",
            "Durian",
            "Keripik batam",
            "Mangga",
            "Zaitun"
        ]
    );
}

#[tokio::test]
async fn a_cursor_of_another_ordering_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("batam").await;
    app.onboard_seller(&tenant.staff, "Toko Kedua", "0813-7777-0001")
        .await;
    let body = app
        .graphql(
            LIST,
            json!({ "sort": "NEWEST", "first": 1 }),
            Some(&tenant.admin.access_token),
        )
        .await;
    let cursor = body["data"]["sellers"]["pageInfo"]["endCursor"].clone();
    let body = app
        .graphql(
            LIST,
            json!({ "sort": "NAME_ASC", "after": cursor }),
            Some(&tenant.admin.access_token),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT");
}

const UPDATE: &str = "mutation($input: UpdateSellerInput!) { updateSeller(input: $input) {
    seller { id businessName phone nib city } userErrors { field message code } } }";

#[tokio::test]
async fn update_seller_changes_only_the_given_fields() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let body = app
        .graphql(UPDATE, json!({ "input": { "id": tenant.seller_id, "city": "Kota Binjai", "nib": "9120001234567" } }), Some(&tenant.staff.access_token))
        .await;
    let seller = &body["data"]["updateSeller"]["seller"];
    assert_eq!(seller["city"], "Kota Binjai", "{body}");
    assert_eq!(seller["nib"], "9120001234567");
    assert_eq!(seller["businessName"], "Keripik medan");
    let body = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": tenant.seller_id, "nib": null } }),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert!(
        body["data"]["updateSeller"]["seller"]["nib"].is_null(),
        "{body}"
    );
}

#[tokio::test]
async fn an_invalid_or_duplicate_update_changes_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("medan").await;
    let other = app
        .onboard_seller(&tenant.staff, "Bika Ambon Zulaikha", "0813-2222-3333")
        .await;
    let body = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": other, "phone": "0812 3456 7890", "city": "Deli Serdang" } }),
            Some(&tenant.staff.access_token),
        )
        .await;
    let payload = &body["data"]["updateSeller"];
    assert_eq!(user_error_codes(payload), ["TAKEN"], "{body}");
    assert!(
        payload["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Keripik medan")
    );
    let body = app
        .graphql(
            UPDATE,
            json!({ "input": { "id": other, "phone": "12", "businessName": " " } }),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert_eq!(
        user_error_codes(&body["data"]["updateSeller"]),
        ["BLANK", "INVALID"],
        "{body}"
    );
    let body = app
        .graphql(
            "query($id: ID!) { seller(id: $id) { phone city businessName } }",
            json!({ "id": other }),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert_eq!(body["data"]["seller"]["phone"], "+6281322223333");
    assert_eq!(body["data"]["seller"]["city"], "Semarang");
}

const SUSPEND: &str = "mutation($id: ID!) { suspendSeller(input: { id: $id, reason: \"stok palsu\" }) { seller { status } userErrors { code } } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateSeller(input: { id: $id }) { seller { status } userErrors { code } } }";

#[tokio::test]
async fn suspending_and_reactivating_a_seller_is_audited() {
    let app = spawn_app().await;
    let tenant = app.tenant("madiun").await;
    let token = Some(tenant.staff.access_token.as_str());
    let audits_before = count(&app.db, "audit_log").await;
    let body = app
        .graphql(SUSPEND, json!({ "id": tenant.seller_id }), token)
        .await;
    assert_eq!(
        body["data"]["suspendSeller"]["seller"]["status"], "SUSPENDED",
        "{body}"
    );
    let again = app
        .graphql(SUSPEND, json!({ "id": tenant.seller_id }), token)
        .await;
    assert_eq!(
        user_error_codes(&again["data"]["suspendSeller"]),
        ["CONFLICT"]
    );
    let body = app
        .graphql(REACTIVATE, json!({ "id": tenant.seller_id }), token)
        .await;
    assert_eq!(
        body["data"]["reactivateSeller"]["seller"]["status"],
        "ACTIVE"
    );
    assert_eq!(count(&app.db, "audit_log").await, audits_before + 2);
}
