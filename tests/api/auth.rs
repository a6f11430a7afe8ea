use serde_json::json;

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, count, error_code, spawn_app, spawn_app_with,
    user_error_codes,
};

const ME: &str = "{ me { email role aggregator { id } } }";
const REFRESH: &str =
    "mutation($token: String!) { refreshSession(input: { refreshToken: $token }) {
    session { accessToken refreshToken } userErrors { code } } }";

#[tokio::test]
async fn login_returns_tokens_that_open_me() {
    let app = spawn_app().await;
    let session = app.admin().await;
    let body = app
        .graphql(ME, json!({}), Some(&session.access_token))
        .await;
    assert_eq!(body["data"]["me"]["email"], ADMIN_EMAIL);
    assert_eq!(body["data"]["me"]["role"], "PLATFORM_ADMIN");
}

#[tokio::test]
async fn a_wrong_password_gives_a_user_error_and_no_session() {
    let app = spawn_app().await;
    let body = app.login_raw(ADMIN_EMAIL, "not-the-password").await;
    assert!(body["data"]["login"]["session"].is_null());
    assert_eq!(
        user_error_codes(&body["data"]["login"]),
        ["INVALID_CREDENTIALS"]
    );
}

#[tokio::test]
async fn an_unknown_email_reads_the_same_as_a_wrong_password() {
    let app = spawn_app().await;
    let unknown = app
        .login_raw("nobody@dermaga.test", "whatever-password")
        .await;
    let wrong = app.login_raw(ADMIN_EMAIL, "whatever-password").await;
    assert_eq!(
        unknown["data"]["login"]["userErrors"],
        wrong["data"]["login"]["userErrors"]
    );
}

#[tokio::test]
async fn me_without_a_token_is_unauthenticated() {
    let app = spawn_app().await;
    let body = app.graphql(ME, json!({}), None).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_garbage_token_is_unauthenticated() {
    let app = spawn_app().await;
    let body = app.graphql(ME, json!({}), Some("not.a.jwt")).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_unauthenticated() {
    let app = spawn_app().await;
    let session = app.admin().await;
    let mut forged = app.settings.jwt.clone();
    forged.signing_key.secret = "another-secret-another-secret-another".to_owned().into();
    let claims = api::auth::JwtKeys::new(&app.settings.jwt)
        .verify(&session.access_token)
        .unwrap();
    let (token, _) = api::auth::JwtKeys::new(&forged)
        .issue(&claims, "dermaga", "dermaga-api")
        .unwrap();
    let body = app.graphql(ME, json!({}), Some(&token)).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_expired_token_is_unauthenticated() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECONDS", "1")]).await;
    let session = app.admin().await;
    // Expiry is checked with 30 s of leeway for clock skew, so the token is re-signed
    // with an expiry well in the past.
    #[derive(serde::Serialize)]
    struct Claims<'a> {
        sub: &'a str,
        iss: &'a str,
        aud: &'a str,
        exp: u64,
        iat: u64,
        role: &'a str,
        sid: &'a str,
    }
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("primary".into());
    let token = jsonwebtoken::encode(
        &header,
        &Claims {
            sub: "1",
            iss: "dermaga",
            aud: "dermaga-api",
            exp: now - 120,
            iat: now - 1000,
            role: "PLATFORM_ADMIN",
            sid: "x",
        },
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let body = app.graphql(ME, json!({}), Some(&token)).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // The fresh token of the same server still works.
    let body = app
        .graphql(ME, json!({}), Some(&session.access_token))
        .await;
    assert_eq!(body["data"]["me"]["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token() {
    let app = spawn_app().await;
    let session = app.admin().await;
    let body = app
        .graphql(REFRESH, json!({ "token": session.refresh_token }), None)
        .await;
    let renewed = &body["data"]["refreshSession"]["session"];
    assert_ne!(renewed["refreshToken"], session.refresh_token.as_str());
    let me = app
        .graphql(ME, json!({}), renewed["accessToken"].as_str())
        .await;
    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let session = app.admin().await;
    let body = app
        .graphql(REFRESH, json!({ "token": session.refresh_token }), None)
        .await;
    let newest = body["data"]["refreshSession"]["session"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let newest_access = body["data"]["refreshSession"]["session"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let replay = app
        .graphql(REFRESH, json!({ "token": session.refresh_token }), None)
        .await;
    assert_eq!(error_code(&replay), "UNAUTHENTICATED");

    let after = app.graphql(REFRESH, json!({ "token": newest }), None).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
    let me = app.graphql(ME, json!({}), Some(&newest_access)).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_revokes_the_refresh_and_the_access_token() {
    let app = spawn_app().await;
    let session = app.admin().await;
    app.logout(&session).await;
    let me = app
        .graphql(ME, json!({}), Some(&session.access_token))
        .await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
    let refresh = app
        .graphql(REFRESH, json!({ "token": session.refresh_token }), None)
        .await;
    assert_eq!(error_code(&refresh), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_leaves_other_sessions_alone() {
    let app = spawn_app().await;
    let phone = app.admin().await;
    let laptop = app.admin().await;
    app.logout(&phone).await;
    let me = app.graphql(ME, json!({}), Some(&laptop.access_token)).await;
    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = spawn_app_with(&[("LOGIN_MAX_FAILURES", "3")]).await;
    for _ in 0..3 {
        app.login_raw(ADMIN_EMAIL, "wrong-password-x").await;
    }
    let body = app.login_raw(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn passwords_and_refresh_tokens_are_stored_hashed() {
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    let session = app.admin().await;
    let users = entity::users::Entity::find().all(&app.db).await.unwrap();
    assert!(
        users
            .iter()
            .all(|user| user.password_hash.starts_with("$argon2id$"))
    );
    let tokens = entity::refresh_tokens::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    assert_ne!(tokens[0].token_hash, session.refresh_token);
    assert_eq!(count(&app.db, "refresh_tokens").await, 1);
}

#[tokio::test]
async fn tokens_signed_with_a_retired_key_work_while_it_is_listed() {
    const OLD: &str = "the-old-secret-the-old-secret-the-old";
    let previous = format!("old:{OLD}");
    let app = spawn_app_with(&[
        ("JWT_KEY_ID", "new"),
        ("JWT_PREVIOUS_KEYS", previous.as_str()),
    ])
    .await;
    let session = app.admin().await;
    let keys = api::auth::JwtKeys::new(&app.settings.jwt);
    let caller = keys.verify(&session.access_token).unwrap();
    let mut old_settings = app.settings.jwt.clone();
    old_settings.signing_key = api::config::JwtKey {
        kid: "old".into(),
        secret: OLD.to_owned().into(),
    };
    old_settings.previous_keys.clear();
    let (old_token, _) = api::auth::JwtKeys::new(&old_settings)
        .issue(&caller, "dermaga", "dermaga-api")
        .unwrap();
    let body = app.graphql(ME, json!({}), Some(&old_token)).await;
    assert_eq!(body["data"]["me"]["email"], ADMIN_EMAIL, "{body}");

    old_settings.signing_key.kid = "unknown".into();
    let (unknown_kid, _) = api::auth::JwtKeys::new(&old_settings)
        .issue(&caller, "dermaga", "dermaga-api")
        .unwrap();
    let body = app.graphql(ME, json!({}), Some(&unknown_kid)).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}
