//! An ended session stays ended: the database says whether a session stands, the cache only
//! remembers the answer for a while.

use std::time::Duration;

use sea_orm::ConnectionTrait;

use crate::helpers::*;

/// A server on the in-process cache, even when the suite runs with `REDIS_URL`.
async fn in_process_app() -> TestApp {
    spawn_app_with(&[("REDIS_URL", "")]).await
}

#[tokio::test]
async fn a_logged_out_token_is_refused_by_a_restarted_server_on_the_in_process_cache() {
    let app = in_process_app().await;
    let session = app.admin().await;
    app.logout(&session).await;

    // A new process on the same database: its in-process cache knows nothing of the logout.
    let restarted = app.spawn_replica().await;
    let me = restarted.me(&session.access_token).await;

    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}

#[tokio::test]
async fn a_disabled_logins_token_is_refused_by_a_restarted_server_on_the_in_process_cache() {
    let app = in_process_app().await;
    let tenant = app.tenant("restart-disabled").await;
    app.disable_user(&tenant.admin, &tenant.staff_user_id).await;

    let restarted = app.spawn_replica().await;
    let me = restarted.me(&tenant.staff.access_token).await;

    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}

#[tokio::test]
async fn a_live_session_keeps_working_on_a_restarted_server() {
    let app = in_process_app().await;
    let session = app.admin().await;

    let restarted = app.spawn_replica().await;
    let me = restarted.me(&session.access_token).await;

    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL, "{me}");
}

#[tokio::test]
async fn a_revocation_the_cache_never_heard_of_takes_effect_within_the_check_interval() {
    let app = spawn_app_with(&[("SESSION_CHECK_SECONDS", "1")]).await;
    let session = app.admin().await;
    let me = app.me(&session.access_token).await;
    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL, "{me}");

    // As when the revoking replica could not reach the cache: only the database knows.
    app.db
        .execute_unprepared("UPDATE refresh_tokens SET revoked_at = created_at")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let me = app.me(&session.access_token).await;

    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}
