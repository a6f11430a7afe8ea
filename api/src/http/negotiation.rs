//! GraphQL over HTTP: the media type a client accepts and the status code of each answer.
//!
//! `application/graphql-response+json` answers a request error (a query that does not parse or
//! validate) with 400; `application/json`, the legacy type, always answers 200 with `errors`.

use std::str::FromStr;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderName, HeaderValue},
    },
};
use async_graphql::BatchResponse;
use serde_json::json;

use crate::graphql::response_cache::response_tag;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The media type of a GraphQL response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    GraphqlResponseJson,
    Json,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// The media type to answer with, from `Accept`; `None` when the client accepts neither.
///
/// No `Accept`, or only wildcards, means `application/json` (what legacy clients expect); when
/// both types are named with the same quality, `application/graphql-response+json` wins.
pub fn negotiate(http: &HttpRequest) -> Option<MediaType> {
    let Some(accept) = http
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.trim().is_empty())
    else {
        return Some(MediaType::Json);
    };
    let (mut graphql, mut json, mut wildcard) = (None::<f32>, None::<f32>, None::<f32>);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => &mut graphql,
            JSON => &mut json,
            "*/*" | "application/*" => &mut wildcard,
            _ => continue,
        };
        *slot = Some(slot.map_or(quality, |old: f32| old.max(quality)));
    }
    match (graphql.filter(|q| *q > 0.0), json.filter(|q| *q > 0.0)) {
        (Some(graphql), Some(json)) if json > graphql => Some(MediaType::Json),
        (Some(_), _) => Some(MediaType::GraphqlResponseJson),
        (None, Some(_)) => Some(MediaType::Json),
        (None, None) if wildcard.is_some_and(|q| q > 0.0) => Some(MediaType::Json),
        (None, None) => None,
    }
}

/// 406 for a client that accepts neither GraphQL media type.
pub fn not_acceptable() -> HttpResponse {
    error_response(
        MediaType::Json,
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        format!("this endpoint answers with {GRAPHQL_RESPONSE_JSON} or {JSON}; adjust Accept"),
    )
}

/// A transport error (before or around execution) as a GraphQL error body.
pub fn error_response(
    media: MediaType,
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
) -> HttpResponse {
    let body = json!({ "errors": [{ "message": message.into(), "extensions": { "code": code } }] })
        .to_string();
    let mut builder = HttpResponse::build(status);
    skip_compression_if_small(&mut builder, body.as_ref());
    builder.content_type(media.content_type()).body(body)
}

/// An executed request's response as sent: its status, its body, and the ETag of its `data`
/// and `errors` when it executed.
pub struct SerializedResponse {
    pub status: StatusCode,
    pub body: String,
    pub etag: Option<String>,
}

/// The status and body of an executed request's response (what an idempotent retry replays).
pub fn status_and_body(media: MediaType, response: &BatchResponse) -> (StatusCode, String) {
    let serialized = serialize(media, response);
    (serialized.status, serialized.body)
}

/// Serialises a response once, in the order the query asked for its fields, and tags it.
pub fn serialize(media: MediaType, response: &BatchResponse) -> SerializedResponse {
    let request_error = match response {
        BatchResponse::Single(single) => is_request_error(single),
        BatchResponse::Batch(_) => false,
    };
    // A mutation sent with GET is refused by the schema once the operation is known (also when
    // it came as a persisted-query hash); HTTP says so with 405 whatever the media type.
    let refused_over_get = match response {
        BatchResponse::Single(single) => request_error && has_code(single, "METHOD_NOT_ALLOWED"),
        BatchResponse::Batch(_) => false,
    };
    let status = if refused_over_get {
        StatusCode::METHOD_NOT_ALLOWED
    } else if request_error && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (body, etag) = match response {
        BatchResponse::Single(single) => single_body(single, request_error),
        BatchResponse::Batch(_) => (to_json(response), None),
    };
    SerializedResponse { status, body, etag }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// `{"data":…,"errors":…,"extensions":…}`, each part serialised once; a request that never
/// executed has no `data` entry (GraphQL spec, "Response") and no tag.
fn single_body(
    response: &async_graphql::Response,
    request_error: bool,
) -> (String, Option<String>) {
    let data = (!request_error).then(|| to_json(&response.data));
    let errors = (!response.errors.is_empty()).then(|| to_json(&response.errors));
    let mut parts = Vec::with_capacity(3);
    if let Some(data) = &data {
        parts.push(("data", data.as_str()));
    }
    if let Some(errors) = &errors {
        parts.push(("errors", errors.as_str()));
    }
    let extensions = (!response.extensions.is_empty()).then(|| to_json(&response.extensions));
    if let Some(extensions) = &extensions {
        parts.push(("extensions", extensions.as_str()));
    }
    let mut body = String::with_capacity(parts.iter().map(|(_, part)| part.len() + 16).sum());
    body.push('{');
    for (index, (name, part)) in parts.into_iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push('"');
        body.push_str(name);
        body.push_str("\":");
        body.push_str(part);
    }
    body.push('}');
    let etag = data.map(|data| response_tag(&data, errors.as_deref()));
    (body, etag)
}

/// The HTTP response of an executed request: its status, cache headers, body, and for a GET
/// (`tagged`) its ETag.
pub fn graphql_response(media: MediaType, response: BatchResponse, tagged: bool) -> HttpResponse {
    let SerializedResponse { status, body, etag } = serialize(media, &response);
    let mut builder = HttpResponse::build(status);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        builder.insert_header((header::ALLOW, "GET, POST"));
    }
    if response.is_ok()
        && let Some(cache_control) = response.cache_control().value()
    {
        builder.insert_header((header::CACHE_CONTROL, cache_control));
    }
    if tagged
        && status == StatusCode::OK
        && let Some(etag) = etag.and_then(|etag| HeaderValue::from_str(&etag).ok())
    {
        builder.insert_header((header::ETAG, etag));
    }
    let headers: Vec<(HeaderName, HeaderValue)> = response
        .http_headers_iter()
        .filter_map(|(name, value)| {
            Some((
                HeaderName::from_str(name.as_str()).ok()?,
                HeaderValue::from_bytes(value.as_bytes()).ok()?,
            ))
        })
        .collect();
    skip_compression_if_small(&mut builder, body.as_ref());
    let mut http_response = builder.content_type(media.content_type()).body(body);
    for (name, value) in headers {
        http_response.headers_mut().append(name, value);
    }
    http_response
}

/// A stored answer sent again, marked `Idempotency-Replayed: true`.
pub fn replayed_response(media: MediaType, status: StatusCode, body: String) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((
        HeaderName::from_static("idempotency-replayed"),
        HeaderValue::from_static("true"),
    ));
    skip_compression_if_small(&mut builder, body.as_ref());
    builder.content_type(media.content_type()).body(body)
}

/// A response served from the response cache: `body` is the whole serialised response.
pub fn cached_response(
    media: MediaType,
    body: actix_web::web::Bytes,
    cache_control: &str,
) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    if !cache_control.is_empty() {
        builder.insert_header((header::CACHE_CONTROL, cache_control));
    }
    builder.insert_header((
        HeaderName::from_static("x-cache"),
        HeaderValue::from_static("HIT"),
    ));
    skip_compression_if_small(&mut builder, body.as_ref());
    builder.content_type(media.content_type()).body(body)
}

/// Bodies smaller than this are sent as they are: compressing them saves less than it costs.
pub const MIN_COMPRESSED_BYTES: usize = 1024;

/// Marks a small body `identity`, which tells actix's `Compress` middleware to leave it alone.
fn skip_compression_if_small(builder: &mut actix_web::HttpResponseBuilder, body: &[u8]) {
    if body.len() < MIN_COMPRESSED_BYTES {
        builder.insert_header(header::ContentEncoding::Identity);
    }
}

fn has_code(response: &async_graphql::Response, code: &str) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .is_some_and(|value| *value == async_graphql::Value::from(code))
    })
}

/// A response to a request that failed before execution: parsing, validation, limits.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accepting(accept: &str) -> Option<MediaType> {
        negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT, accept))
                .to_http_request(),
        )
    }

    #[test]
    fn apollo_and_urql_get_graphql_response_json() {
        assert_eq!(
            accepting("application/graphql-response+json,application/json;q=0.9"),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(
            accepting(
                "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
            ),
            Some(MediaType::GraphqlResponseJson)
        );
    }

    #[test]
    fn wildcards_and_plain_json_get_json() {
        assert_eq!(accepting("*/*"), Some(MediaType::Json));
        assert_eq!(accepting("application/json"), Some(MediaType::Json));
    }

    #[test]
    fn other_types_are_not_acceptable() {
        assert_eq!(accepting("text/html"), None);
        assert_eq!(accepting("application/json;q=0"), None);
    }
}
