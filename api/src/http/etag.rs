//! ETags on GET responses, and `304 Not Modified` for a matching `If-None-Match`.
//!
//! The tag is weak and covers `data` and `errors` only: `extensions.cost` reports the caller's
//! remaining rate budget, which changes with every request while the answer itself does not.

use actix_web::{
    HttpRequest, HttpResponse,
    body::MessageBody,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
};

use crate::graphql::response_cache::response_tag;

/// Adds an ETag to a successful GraphQL response, or answers 304 when the client has it.
pub fn conditional(http: &HttpRequest, response: HttpResponse) -> HttpResponse {
    if response.status() != StatusCode::OK || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (response, body) = response.into_parts();
    let Ok(bytes) = body.try_into_bytes() else {
        // Only streamed bodies fail here, and GraphQL responses are never streamed.
        return response.set_body(actix_web::body::BoxBody::new(()));
    };
    let Some(tag) = response_tag(&bytes) else {
        return response.set_body(actix_web::body::BoxBody::new(bytes));
    };
    with_tag(
        http,
        response.set_body(actix_web::body::BoxBody::new(bytes)),
        &tag,
    )
}

/// Adds `tag` to a successful response, or answers 304 when the client already has it.
pub fn with_tag(http: &HttpRequest, mut response: HttpResponse, tag: &str) -> HttpResponse {
    let Ok(tag_value) = HeaderValue::from_str(tag) else {
        return response;
    };
    if matches(http, tag) {
        let mut not_modified = HttpResponse::NotModified();
        not_modified.insert_header((header::ETAG, tag_value));
        if let Some(cache_control) = response.headers().get(header::CACHE_CONTROL) {
            not_modified.insert_header((header::CACHE_CONTROL, cache_control.clone()));
        }
        return not_modified.finish();
    }
    response.headers_mut().insert(header::ETAG, tag_value);
    response
}

/// Whether `If-None-Match` names this tag (weak comparison) or is `*`.
fn matches(http: &HttpRequest, tag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    http.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == opaque(tag))
}
