//! `Idempotency-Key`: a retried mutation applies once and gets the first answer again.

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderValue};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::{Value, json};

use crate::helpers::{Session, Tenant, TestApp, count, spawn_app, spawn_app_with};

const ADJUST: &str =
    "mutation($input: AdjustVariantStockInput!) { adjustVariantStock(input: $input) {
    variant { id stock } userErrors { field message code } } }";
const CREATE: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) {
    product { id title } userErrors { field message code } } }";
const KEY: &str = "5f0c7d3e-8a1b-4c2d-9e6f-7a8b9c0d1e2f";

/// A keyed POST; the answer's status, replay header and body.
async fn keyed(
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

fn adjust(variant: &str, delta: i32) -> Value {
    json!({ "query": ADJUST, "variables": { "input": { "variantId": variant, "delta": delta } } })
}

/// The tenant's product with one variant of 20 in stock; returns the variant's id.
async fn a_variant(app: &TestApp, tenant: &Tenant) -> String {
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

async fn product_input(app: &TestApp, tenant: &Tenant, sku: &str) -> Value {
    let categories = app.graphql("{ categories { id } }", json!({}), None).await;
    json!({
        "sellerId": tenant.seller_id,
        "categoryId": categories["data"]["categories"][0]["id"],
        "title": "Keripik Singkong",
        "variants": [{ "sku": sku, "price": "15000", "stock": 20, "weightGrams": 250 }],
    })
}

async fn stock(app: &TestApp, tenant: &Tenant, variant: &str) -> i64 {
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

fn key(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap()
}

/// Holds catalogue writes from the test's own connection: PostgreSQL locks the product tables,
/// SQLite takes its one write lock. Writers wait until the transaction ends.
async fn hold_catalogue_writes(app: &TestApp) -> DatabaseTransaction {
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
async fn an_answer_is_stored(app: &TestApp) {
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
async fn retry_until_answered(
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

#[tokio::test]
async fn a_stock_adjustment_retried_with_its_key_applies_once_and_gets_the_first_answer() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;

    let first = keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;
    let retry = keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;

    assert_eq!(first.0, StatusCode::OK);
    assert_eq!(first.1, None);
    assert_eq!(
        first.2["data"]["adjustVariantStock"]["variant"]["stock"], 25,
        "{:?}",
        first.2
    );
    assert_eq!(
        (retry.0, retry.1.as_deref()),
        (StatusCode::OK, Some("true"))
    );
    assert_eq!(retry.2, first.2);
    assert_eq!(stock(&app, &tenant, &variant).await, 25);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict_and_applies_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;

    let (status, _, body) = keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 7)).await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "IDEMPOTENCY_KEY_REUSED",
        "{body}"
    );
    assert_eq!(stock(&app, &tenant, &variant).await, 25);
}

#[tokio::test]
async fn the_same_key_from_another_user_is_another_key() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;

    let (status, replayed, body) =
        keyed(&app, Some(&tenant.admin), key(KEY), &adjust(&variant, 5)).await;

    assert_eq!((status, replayed), (StatusCode::OK, None));
    assert_eq!(
        body["data"]["adjustVariantStock"]["variant"]["stock"], 30,
        "{body}"
    );
    assert_eq!(stock(&app, &tenant, &variant).await, 30);
}

#[tokio::test]
async fn a_create_answered_with_a_timeout_is_answered_on_retry_with_what_it_committed() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECONDS", "1")]).await;
    let tenant = app.tenant("semarang").await;
    let create = json!({ "query": CREATE, "variables": { "input": product_input(&app, &tenant, "KRP-9").await } });
    let lock = hold_catalogue_writes(&app).await;

    let (status, _, timed_out) = keyed(&app, Some(&tenant.staff), key(KEY), &create).await;
    lock.commit().await.unwrap();
    an_answer_is_stored(&app).await;
    let (retried, replayed, answer) = retry_until_answered(&app, &tenant.staff, &create).await;

    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{timed_out}");
    assert_eq!(timed_out["errors"][0]["extensions"]["code"], "TIMEOUT");
    assert_eq!(
        (retried, replayed.as_deref()),
        (StatusCode::OK, Some("true"))
    );
    let product = &answer["data"]["createProduct"]["product"];
    assert!(product["id"].is_string(), "{answer}");
    assert_eq!(count(&app.db, "products").await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_apply_once() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    let lock = hold_catalogue_writes(&app).await;

    let sends = (0..5).map(|_| {
        let (app, staff, body) = (
            app.clone_client(),
            tenant.staff.clone(),
            adjust(&variant, 5),
        );
        tokio::spawn(async move { keyed(&app, Some(&staff), key(KEY), &body).await })
    });
    let sends: Vec<_> = sends.collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    lock.commit().await.unwrap();
    let mut answers = Vec::new();
    for send in sends {
        answers.push(send.await.unwrap());
    }

    let ran_now = answers
        .iter()
        .filter(|(status, replayed, _)| *status == StatusCode::OK && replayed.is_none())
        .count();
    assert_eq!(ran_now, 1, "{answers:?}");
    for (status, replayed, body) in &answers {
        let in_use = *status == StatusCode::CONFLICT
            && body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_IN_USE";
        assert!(
            in_use || *status == StatusCode::OK,
            "{status} {replayed:?} {body}"
        );
    }
    assert_eq!(stock(&app, &tenant, &variant).await, 25);
}

#[tokio::test]
async fn a_retry_while_the_first_still_runs_is_told_to_come_back_and_applies_nothing() {
    let app = spawn_app_with(&[("REQUEST_TIMEOUT_SECONDS", "0.5")]).await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    let lock = hold_catalogue_writes(&app).await;
    let (first, _, _) = keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;

    let retry = tokio::spawn({
        let (app, staff, body) = (
            app.clone_client(),
            tenant.staff.clone(),
            adjust(&variant, 5),
        );
        async move {
            app.client
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&staff.access_token)
                .header("idempotency-key", KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.commit().await.unwrap();
    let retry = retry.await.unwrap();

    assert_eq!(first, StatusCode::GATEWAY_TIMEOUT);
    let status = retry.status();
    let retry_after = retry.headers().get("retry-after").cloned();
    let body: Value = retry.json().await.unwrap();
    // PostgreSQL takes the key at once and the retry finds it running; SQLite's one writer
    // makes the retry wait for the lock too, and it may find the first run's answer instead.
    if status == StatusCode::CONFLICT || app.db.get_database_backend() == DbBackend::Postgres {
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_KEY_IN_USE"
        );
        assert_eq!(retry_after, Some(HeaderValue::from_static("1")));
    } else {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    an_answer_is_stored(&app).await;
    assert_eq!(stock(&app, &tenant, &variant).await, 25);
}

#[tokio::test]
async fn a_malformed_key_is_refused_with_400_and_applies_nothing() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    let too_long = key(&"k".repeat(256));
    let not_ascii = HeaderValue::from_bytes("kunci-\u{e9}".as_bytes()).unwrap();

    for bad in [too_long, not_ascii] {
        let (status, _, body) = keyed(&app, Some(&tenant.staff), bad, &adjust(&variant, 5)).await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "INVALID_IDEMPOTENCY_KEY"
        );
    }
    assert_eq!(stock(&app, &tenant, &variant).await, 20);
}

#[tokio::test]
async fn login_takes_no_key_so_no_token_is_ever_stored() {
    let app = spawn_app().await;
    let login = json!({
        "query": "mutation($input: LoginInput!) { login(input: $input) { session { accessToken } } }",
        "variables": { "input": {
            "email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD } },
    });

    let (status, _, body) = keyed(&app, None, key(KEY), &login).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "IDEMPOTENCY_KEY_NOT_SUPPORTED"
    );
    assert_eq!(count(&app.db, "refresh_tokens").await, 0);
    assert_eq!(count(&app.db, "idempotency_keys").await, 0);
}

#[tokio::test]
async fn a_key_on_a_query_is_ignored() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let me = json!({ "query": "{ me { email } }" });

    let (status, replayed, body) = keyed(&app, Some(&tenant.staff), key(KEY), &me).await;

    assert_eq!((status, replayed), (StatusCode::OK, None));
    assert_eq!(body["data"]["me"]["email"], "staff@semarang.test");
    assert_eq!(count(&app.db, "idempotency_keys").await, 0);
}

#[tokio::test]
async fn a_batch_holding_a_mutation_refuses_a_key() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    let batch = json!([adjust(&variant, 5), { "query": "{ me { email } }" }]);

    let (status, _, body) = keyed(&app, Some(&tenant.staff), key(KEY), &batch).await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "IDEMPOTENCY_KEY_NOT_SUPPORTED"
    );
    assert_eq!(stock(&app, &tenant, &variant).await, 20);
}

#[tokio::test]
async fn a_key_older_than_a_day_is_forgotten_and_runs_again() {
    use entity::idempotency_keys;
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let variant = a_variant(&app, &tenant).await;
    keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(25)),
        )
        .exec(&app.db)
        .await
        .unwrap();

    let (status, replayed, _) =
        keyed(&app, Some(&tenant.staff), key(KEY), &adjust(&variant, 5)).await;

    assert_eq!((status, replayed), (StatusCode::OK, None));
    assert_eq!(stock(&app, &tenant, &variant).await, 30);
    assert_eq!(count(&app.db, "idempotency_keys").await, 1);
}

#[tokio::test]
async fn an_upload_retried_with_its_key_queues_one_job() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = crate::imports::seller_file(20);
    let send = || {
        let operations = json!({
            "query": "mutation($file: Upload!) { importSellers(file: $file) { job { id } } }",
            "variables": { "file": null },
        });
        let file = reqwest::multipart::Part::bytes(csv.clone().into_bytes())
            .file_name("sellers.csv")
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{ "0": ["variables.file"] }"#)
            .part("0", file);
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&tenant.staff.access_token)
            .header("idempotency-key", KEY)
            .multipart(form)
            .send()
    };

    let first: Value = send().await.unwrap().json().await.unwrap();
    let retry = send().await.unwrap();

    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert!(
        first["data"]["importSellers"]["job"]["id"].is_string(),
        "{first}"
    );
    assert_eq!(retry, first);
    assert_eq!(count(&app.db, "import_jobs").await, 1);
}
