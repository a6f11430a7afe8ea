//! A Redis outage: requests keep succeeding from the database, without waiting on Redis, and
//! caching resumes by itself once Redis is back.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{cache_redis::LocalRedis, helpers::*};

const CATEGORIES: &str = "{ categories { id slug name } }";

async fn anonymous(app: &TestApp) -> (Option<String>, Value) {
    let response = app
        .post_graphql(&json!({ "query": CATEGORIES }), None)
        .await;
    let cache = response
        .headers()
        .get("x-cache")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (cache, response.json().await.expect("a JSON body"))
}

async fn app_on(redis: &LocalRedis) -> TestApp {
    spawn_app_with(&[("REDIS_URL", &redis.url())]).await
}

#[tokio::test]
async fn requests_succeed_from_the_database_while_redis_is_down() {
    let Some(mut redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = app_on(&redis).await;
    anonymous(&app).await;

    redis.stop();
    let started = Instant::now();
    let mut bodies = Vec::new();
    for _ in 0..5 {
        bodies.push(anonymous(&app).await.1);
    }
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = app.me(&session.access_token).await;

    for body in &bodies {
        assert!(body["errors"].is_null(), "{body}");
        assert!(body["data"]["categories"].is_array(), "{body}");
    }
    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL, "{me}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "a dead Redis slowed requests down: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn caching_resumes_by_itself_when_redis_is_back() {
    let Some(mut redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = app_on(&redis).await;
    anonymous(&app).await;
    redis.stop();
    anonymous(&app).await;

    redis.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = None;
    while Instant::now() < deadline {
        let (cache, body) = anonymous(&app).await;
        assert!(body["errors"].is_null(), "{body}");
        last = cache;
        if last.as_deref() == Some("HIT") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    assert_eq!(last.as_deref(), Some("HIT"), "caching did not resume");
}

#[tokio::test]
async fn a_logged_out_token_is_refused_while_redis_is_paused() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = app_on(&redis).await;
    let session = app.admin().await;
    app.logout(&session).await;

    // Redis keeps the revocation but cannot be asked: the database answers.
    redis.pause(Duration::from_secs(8));
    let me = app.me(&session.access_token).await;

    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}

#[tokio::test]
async fn a_disabled_logins_token_is_refused_while_redis_is_paused() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = app_on(&redis).await;
    let tenant = app.tenant("outage-disabled").await;
    let me = app.me(&tenant.staff.access_token).await;
    assert!(me["data"]["me"].is_object(), "{me}");
    app.disable_user(&tenant.admin, &tenant.staff_user_id).await;

    redis.pause(Duration::from_secs(8));
    let me = app.me(&tenant.staff.access_token).await;

    assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
}

#[tokio::test]
async fn a_valid_token_still_works_while_redis_is_paused() {
    let Some(redis) = LocalRedis::start_or_skip().await else {
        return;
    };
    let app = app_on(&redis).await;
    let session = app.admin().await;

    redis.pause(Duration::from_secs(8));
    let me = app.me(&session.access_token).await;

    assert_eq!(me["data"]["me"]["email"], ADMIN_EMAIL, "{me}");
}
