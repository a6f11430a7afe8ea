//! Keys that are refused or ignored, and keys that expire.

use reqwest::{StatusCode, header::HeaderValue};
use serde_json::json;

use super::{KEY, a_variant, adjust, key, keyed, stock};
use crate::helpers::{count, spawn_app};

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
