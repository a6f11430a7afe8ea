//! Requests per minute per caller (the user, or the client address when anonymous), counted
//! in the shared cache so that every replica sees the same budget. A fixed window: simple,
//! one `INCR` per operation, and its reset time is what `Retry-After` reports.

use std::time::Duration;

use actix_web::{
    HttpResponse,
    http::{StatusCode, header},
};
use serde_json::json;

use super::negotiation::MediaType;
use crate::{auth::Caller, graphql::cost::RateBudget, state::AppContext};

const WINDOW: Duration = Duration::from_secs(60);

/// Whom a request is counted against.
fn caller_key(caller: &Caller, client_ip: &str) -> String {
    match caller {
        Caller::User(user) => format!("ratelimit:user:{}", user.user_id),
        Caller::Anonymous => format!("ratelimit:ip:{client_ip}"),
    }
}

/// Counts `operations` against the caller's budget. `Ok(None)` when rate limiting is off or
/// the cache cannot count (the request is served rather than refused); `Err` with the time
/// until the window resets when the budget is spent.
pub async fn take(
    app: &AppContext,
    caller: &Caller,
    client_ip: &str,
    operations: usize,
) -> Result<Option<RateBudget>, Duration> {
    let limit = app.settings.graphql.rate_limit_per_minute;
    if limit == 0 {
        return Ok(None);
    }
    let key = &caller_key(caller, client_ip);
    let mut counted = None;
    for _ in 0..operations.max(1) {
        match app.cache.increment(key, WINDOW).await {
            Ok(count) => counted = Some(count),
            Err(err) => {
                tracing::warn!(error = %err, "rate limiting skipped: the cache cannot count");
                return Ok(None);
            }
        }
    }
    let Some((count, reset_after)) = counted else {
        return Ok(None);
    };
    if count > limit {
        return Err(reset_after.max(Duration::from_secs(1)));
    }
    Ok(Some(RateBudget {
        limit,
        remaining: limit - count,
        reset_after,
    }))
}

/// 429 with `Retry-After`, and the same wait in `extensions.retryAfter`.
pub fn too_many_requests(media: MediaType, retry_after: Duration) -> HttpResponse {
    let seconds = retry_after.as_secs().max(1);
    let body = json!({ "errors": [{
        "message": format!("too many requests, retry in {seconds} seconds"),
        "extensions": { "code": "RATE_LIMITED", "retryAfter": seconds },
    }] });
    let content_type = match media {
        MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        MediaType::Json => "application/json; charset=utf-8",
    };
    HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
        .insert_header((header::RETRY_AFTER, seconds.to_string()))
        .content_type(content_type)
        .body(body.to_string())
}
