//! `/healthz` (the process lives) and `/readyz` (its database and cache answer).

use std::{future::Future, time::Duration};

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{error::AppError, state::AppContext};

/// How long each readiness check may take: a hung database or cache must not hang the probe
/// (orchestrators give up after a few seconds and learn nothing); both run at once, so the
/// answer comes within this.
const CHECK_TIME_LIMIT: Duration = Duration::from_millis(1_500);

/// The process is up.
pub async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database and the cache answer, each within [`CHECK_TIME_LIMIT`].
pub async fn readiness(app: web::Data<AppContext>) -> HttpResponse {
    let (database, cache) = tokio::join!(
        check(app.db.ping(), |_| false),
        // The cache's own call budget (`REDIS_TIMEOUT_MS`) usually ends a hanging ping first.
        check(app.cache.ping(), AppError::is_timeout)
    );
    let ready = database == Check::Ok && cache == Check::Ok;
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "database": database.label(),
        "cache": cache.label(),
        "cacheBackend": app.cache.backend_name(),
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    Ok,
    Unreachable,
    TimedOut,
}

impl Check {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unreachable => "unreachable",
            Self::TimedOut => "timeout",
        }
    }
}

async fn check<E>(
    ping: impl Future<Output = Result<(), E>>,
    timed_out: impl Fn(&E) -> bool,
) -> Check {
    match tokio::time::timeout(CHECK_TIME_LIMIT, ping).await {
        Ok(Ok(())) => Check::Ok,
        Ok(Err(err)) if timed_out(&err) => Check::TimedOut,
        Ok(Err(_)) => Check::Unreachable,
        Err(_) => Check::TimedOut,
    }
}
