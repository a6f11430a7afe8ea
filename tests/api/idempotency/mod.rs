//! `Idempotency-Key`: a retried mutation applies once and gets the first answer again.

mod refusals;
mod retries;

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderValue};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::{Value, json};

use crate::helpers::{Session, Tenant, TestApp};

pub const ADJUST: &str =
    "mutation($input: AdjustVariantStockInput!) { adjustVariantStock(input: $input) {
    variant { id stock } userErrors { field message code } } }";
pub const CREATE: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) {
    product { id title } userErrors { field message code } } }";
pub const KEY: &str = "5f0c7d3e-8a1b-4c2d-9e6f-7a8b9c0d1e2f";

/// A keyed POST; the answer's status, replay header and body.
pub async fn keyed(
    app: &TestApp,
    session: Option<&Session>,
    key: HeaderValue,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("idempotency-key", key)
        .json(body);
    if let Some(session) = session {
        request = request.bearer_auth(&session.access_token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotency-replayed")
        .map(|value| value.to_str().unwrap().to_owned());
    (
        status,
        replayed,
        response.json().await.expect("a JSON body"),
    )
}

pub fn adjust(variant: &str, delta: i32) -> Value {
    json!({ "query": ADJUST, "variables": { "input": { "variantId": variant, "delta": delta } } })
}

/// The tenant's product with one variant of 20 in stock; returns the variant's id.
pub async fn a_variant(app: &TestApp, tenant: &Tenant) -> String {
    let body = app
        .graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { variants { id } } userErrors { message } } }",
            json!({ "input": product_input(app, tenant, "KRP-1").await }),
            Some(&tenant.staff.access_token),
        )
        .await;
    body["data"]["createProduct"]["product"]["variants"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createProduct failed: {body}"))
        .to_owned()
}

pub async fn product_input(app: &TestApp, tenant: &Tenant, sku: &str) -> Value {
    let categories = app.graphql("{ categories { id } }", json!({}), None).await;
    json!({
        "sellerId": tenant.seller_id,
        "categoryId": categories["data"]["categories"][0]["id"],
        "title": "Keripik Singkong",
        "variants": [{ "sku": sku, "price": "15000", "stock": 20, "weightGrams": 250 }],
    })
}

pub async fn stock(app: &TestApp, tenant: &Tenant, variant: &str) -> i64 {
    let body = app
        .graphql(
            "query($id: ID!) { node(id: $id) { ... on ProductVariant { stock } } }",
            json!({ "id": variant }),
            Some(&tenant.staff.access_token),
        )
        .await;
    body["data"]["node"]["stock"]
        .as_i64()
        .unwrap_or_else(|| panic!("no stock: {body}"))
}

pub fn key(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap()
}

/// Holds catalogue writes from the test's own connection: PostgreSQL locks the product tables,
/// SQLite takes its one write lock. Writers wait until the transaction ends.
pub async fn hold_catalogue_writes(app: &TestApp) -> DatabaseTransaction {
    match app.db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = app.db.begin().await.unwrap();
            txn.execute_unprepared("LOCK TABLE products, product_variants IN EXCLUSIVE MODE")
                .await
                .unwrap();
            txn
        }
        _ => app
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
            .unwrap(),
    }
}

/// Waits until the first run has stored its answer, as a client retrying later would.
pub async fn an_answer_is_stored(app: &TestApp) {
    use entity::idempotency_keys;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for _ in 0..200 {
        let stored = idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::CompletedAt.is_not_null())
            .one(&app.db)
            .await
            .unwrap();
        if stored.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the timed-out request never stored its answer");
}

/// Retries a keyed request while its first run is still going.
pub async fn retry_until_answered(
    app: &TestApp,
    session: &Session,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    for _ in 0..200 {
        let answer = keyed(app, Some(session), key(KEY), body).await;
        if answer.0 != StatusCode::CONFLICT {
            return answer;
        }
        assert_eq!(
            answer.2["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_KEY_IN_USE"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the first run never answered");
}
