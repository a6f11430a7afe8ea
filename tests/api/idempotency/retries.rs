//! Retries with the same key: one application, the first answer replayed.

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderValue};
use sea_orm::DbBackend;
use serde_json::{Value, json};

use super::{
    CREATE, KEY, a_variant, adjust, an_answer_is_stored, hold_catalogue_writes, key, keyed,
    product_input, retry_until_answered, stock,
};
use crate::helpers::{count, spawn_app, spawn_app_with};

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
async fn an_upload_retried_with_its_key_queues_one_job() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = crate::imports::seller_file(20);
    let send = || {
        let form = crate::imports::upload_form(
            "mutation($file: Upload!) { importSellers(file: $file) { job { id } } }",
            "sellers.csv",
            csv.clone().into_bytes(),
        );
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
