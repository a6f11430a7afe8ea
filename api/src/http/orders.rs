//! `POST /channels/{code}/orders`: a partner channel's order events, signed with the channel's
//! secret (`docs/partners.md`, "Orders"). Every refusal is JSON with a code and a reason the
//! partner can read; nothing of a refused request is stored.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde_json::json;

use super::body::{self, BodyError};
use crate::{
    error::AppError,
    service::{
        invalidation,
        orders::{self, SignedRequest},
    },
    state::AppContext,
};

/// The largest order event accepted: a hundred lines fit in a fraction of it.
pub const MAX_ORDER_EVENT_BYTES: usize = 64 * 1024;

pub async fn receive(
    app: web::Data<AppContext>,
    path: web::Path<String>,
    http: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    let read = tokio::time::timeout(
        app.settings.http.body_timeout,
        body::read_capped(&http, &mut payload, MAX_ORDER_EVENT_BYTES),
    )
    .await;
    let body = match read {
        Ok(Ok(body)) => body,
        Ok(Err(BodyError::TooLarge { limit })) => {
            return refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                &format!("an order event is at most {limit} bytes"),
            );
        }
        Ok(Err(BodyError::Malformed(reason))) => {
            return refusal(StatusCode::BAD_REQUEST, "BAD_REQUEST", &reason);
        }
        Ok(Err(_)) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the body cannot be read",
            );
        }
        Err(_) => {
            return refusal(
                StatusCode::REQUEST_TIMEOUT,
                "TIMEOUT",
                "the body did not arrive in time",
            );
        }
    };
    let header = |name: &str| {
        http.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let request = SignedRequest {
        channel_code: path.as_str(),
        signature: header("x-dermaga-signature"),
        timestamp: header("x-dermaga-timestamp"),
        body: &body,
    };
    let (received, changed) =
        invalidation::collecting(&app.cache, orders::receive(&app.db, request)).await;
    invalidation::publish(&app.cache, changed).await;
    match received {
        Ok(receipt) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header(("Cache-Control", "no-store"))
            .body(receipt.body),
        Err(err) => error_response(&err),
    }
}

fn error_response(err: &AppError) -> HttpResponse {
    match err {
        AppError::NotFound(what) => refusal(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no such {what}"),
        ),
        AppError::InvalidToken(reason) => {
            refusal(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", reason)
        }
        AppError::Invalid(errors) => HttpResponse::BadRequest()
            .content_type("application/json")
            .body(
                json!({
                    "error": {
                        "code": "BAD_REQUEST",
                        "message": "the order event is not valid",
                        "fields": errors.iter().map(|error| json!({
                            "field": error.field.join("."),
                            "message": error.message,
                        })).collect::<Vec<_>>(),
                    }
                })
                .to_string(),
            ),
        AppError::Conflict(error) => refusal(StatusCode::CONFLICT, "CONFLICT", &error.message),
        other => {
            tracing::error!(error = %other, "cannot receive an order event");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "the order event could not be recorded now; send it again later",
            )
        }
    }
}

fn refusal(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(json!({ "error": { "code": code, "message": message } }).to_string())
}
