//! The people of the dashboard: sellers with their onboarding, logins with their aggregator
//! and seller.

use chrono::Utc;
use entity::{enums::Role, users};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use super::*;

const SELLERS: &str = "query($first: Int) { sellers(first: $first) { edges { node {
    id businessName city status
    onboarding { stage completed steps { step stage completed completedAt completedBy } } } } } }";

#[tokio::test]
async fn a_page_of_sellers_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-sellers").await;
    for index in 0..LARGE {
        let (name, phone) = (format!("Toko {index}"), format!("0813-6666-00{index:02}"));
        let seller = app.onboard_seller(&tenant.staff, &name, &phone).await;
        app.graphql(
            "mutation($id: ID!) { completeOnboardingStep(input: {sellerId: $id, step: OWNER_TRAINED}) {
                userErrors { code } } }",
            json!({ "id": seller }),
            tenant.staff.token(),
        )
        .await;
    }

    let token = &tenant.staff.access_token;
    // The count, the page and the onboarding steps.
    let page = Page {
        query: SELLERS,
        connection: "sellers",
        variables: json!({}),
        token,
        most: 3.0,
    };
    assert_flat(&app, page).await;
}

const USERS: &str = "query($first: Int) { users(first: $first) { edges { node {
    id email role aggregator { id name }
    seller { id businessName onboarding { stage } } } } } }";

#[tokio::test]
async fn a_page_of_users_runs_the_same_few_statements_at_any_size() {
    let app = quiet_app().await;
    let tenant = app.tenant("dash-users").await;
    let sellers = sellers(&app, &tenant).await;
    let now = Utc::now();
    for index in 0..LARGE as usize {
        users::ActiveModel {
            email: Set(format!("penjual{index}@dash-users.test")),
            // Never logged in with: the page only reads the row.
            password_hash: Set("not-a-hash".into()),
            role: Set(Role::Seller),
            display_name: Set(format!("Penjual {index}")),
            aggregator_id: Set(Some(db_id(&tenant.aggregator_id))),
            seller_id: Set(Some(db_id(&sellers[index % sellers.len()]))),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }

    let token = &tenant.admin.access_token;
    // The count, the page, aggregators, sellers and their onboarding steps.
    let page = Page {
        query: USERS,
        connection: "users",
        variables: json!({}),
        token,
        most: 5.0,
    };
    assert_flat(&app, page).await;
}
