use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::state::AppContext;

/// The process is up.
pub async fn liveness() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database and the cache answer.
pub async fn readiness(app: web::Data<AppContext>) -> HttpResponse {
    let database = app.db.ping().await.is_ok();
    let cache = app.cache.ping().await.is_ok();
    let body = json!({
        "status": if database && cache { "ready" } else { "unavailable" },
        "database": if database { "ok" } else { "unreachable" },
        "cache": if cache { "ok" } else { "unreachable" },
        "cacheBackend": app.cache.backend_name(),
    });
    if database && cache {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
