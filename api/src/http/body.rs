//! The body of a POST to /graphql: JSON of at most 1 MiB (one operation or a batch), or a
//! multipart upload (one CSV file of at most 20 MiB).
//!
//! async-graphql-actix-web's extractor ignores actix's payload limits, so JSON is read here:
//! `Content-Length` is checked first, and the stream is capped for chunked bodies.

use std::time::Duration;

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    http::{ConnectionType, StatusCode, header},
    web,
};
use async_graphql::BatchRequest;
use async_graphql_actix_web::GraphQLBatchRequest;
use futures_util::StreamExt;

use super::negotiation::{MediaType, error_response};
use crate::service::imports::MAX_FILE_BYTES;

/// The largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;
/// The largest multipart body: the file plus room for the operations and the form framing.
pub const MAX_MULTIPART_BYTES: usize = MAX_FILE_BYTES + 256 * 1024;

/// Why a body cannot be executed; each is answered with a transport status.
#[derive(Debug)]
pub enum BodyError {
    TooLarge {
        limit: usize,
    },
    UnsupportedMediaType,
    Malformed(String),
    BatchTooLarge {
        size: usize,
        limit: usize,
    },
    /// The body did not arrive whole within `HTTP_BODY_TIMEOUT_SECONDS`.
    TimedOut {
        after: Duration,
    },
}

impl BodyError {
    pub fn into_response(self, media: MediaType) -> HttpResponse {
        match self {
            Self::TooLarge { limit } => error_response(
                media,
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("the request body is larger than {limit} bytes"),
            ),
            Self::UnsupportedMediaType => error_response(
                media,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the request as application/json (or multipart/form-data for uploads)",
            ),
            Self::Malformed(message) => {
                error_response(media, StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
            }
            Self::BatchTooLarge { size, limit } => error_response(
                media,
                StatusCode::BAD_REQUEST,
                "BATCH_TOO_LARGE",
                format!("a batch may hold at most {limit} operations, this one has {size}"),
            ),
            Self::TimedOut { after } => {
                let mut response = error_response(
                    media,
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!(
                        "the request body did not arrive within {} ms",
                        after.as_millis()
                    ),
                );
                // The rest of the body may still come: the connection cannot serve another
                // request, so it is closed.
                response
                    .head_mut()
                    .set_connection_type(ConnectionType::Close);
                response
            }
        }
    }
}

/// What a body may be, besides its size.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `GRAPHQL_MAX_BATCH_SIZE`.
    pub max_batch_size: usize,
    /// `HTTP_BODY_TIMEOUT_SECONDS`: the whole body must have arrived by then.
    pub timeout: Duration,
}

/// Reads and parses the body of a POST, enforcing the time, size and batch limits.
pub async fn read(
    http: &HttpRequest,
    payload: web::Payload,
    limits: Limits,
) -> Result<BatchRequest, BodyError> {
    // A client that stops sending halfway would otherwise hold the connection for ever.
    tokio::time::timeout(
        limits.timeout,
        read_untimed(http, payload, limits.max_batch_size),
    )
    .await
    .unwrap_or(Err(BodyError::TimedOut {
        after: limits.timeout,
    }))
}

async fn read_untimed(
    http: &HttpRequest,
    payload: web::Payload,
    max_batch_size: usize,
) -> Result<BatchRequest, BodyError> {
    let essence = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let batch = match essence.as_str() {
        "application/json" => read_json(http, payload).await?,
        "multipart/form-data" => read_multipart(http, payload).await?,
        _ => return Err(BodyError::UnsupportedMediaType),
    };
    match &batch {
        BatchRequest::Batch(requests) if requests.is_empty() => Err(BodyError::Malformed(
            "an empty batch: send at least one operation".to_owned(),
        )),
        BatchRequest::Batch(requests) if requests.len() > max_batch_size => {
            Err(BodyError::BatchTooLarge {
                size: requests.len(),
                limit: max_batch_size,
            })
        }
        _ => Ok(batch),
    }
}

fn declared_length(http: &HttpRequest) -> Option<usize> {
    http.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The whole body, refused as soon as it is known to exceed `limit` bytes (by its
/// `Content-Length`, or while a chunked body streams in).
pub async fn read_capped(
    http: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> Result<web::BytesMut, BodyError> {
    let too_large = BodyError::TooLarge { limit };
    if declared_length(http).is_some_and(|length| length > limit) {
        return Err(too_large);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|err| BodyError::Malformed(format!("cannot read the request body: {err}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_json(
    http: &HttpRequest,
    mut payload: web::Payload,
) -> Result<BatchRequest, BodyError> {
    let body = read_capped(http, &mut payload, MAX_JSON_BYTES).await?;
    serde_json::from_slice(&body).map_err(|err| {
        BodyError::Malformed(format!(
            "the body is not a GraphQL request in JSON ({{\"query\": …}} or an array of them): {err}"
        ))
    })
}

async fn read_multipart(
    http: &HttpRequest,
    payload: web::Payload,
) -> Result<BatchRequest, BodyError> {
    if declared_length(http).is_some_and(|length| length > MAX_MULTIPART_BYTES) {
        return Err(BodyError::TooLarge {
            limit: MAX_MULTIPART_BYTES,
        });
    }
    let mut payload = payload.into_inner();
    match GraphQLBatchRequest::from_request(http, &mut payload).await {
        Ok(batch) => Ok(batch.into_inner()),
        Err(err) if err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(BodyError::TooLarge {
                limit: MAX_FILE_BYTES,
            })
        }
        Err(err) => Err(BodyError::Malformed(format!(
            "the multipart request cannot be read: {err}"
        ))),
    }
}
