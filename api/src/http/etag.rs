//! ETags on GET responses, and `304 Not Modified` for a matching `If-None-Match`.
//!
//! The tag is weak and covers `data` and `errors` only: `extensions.cost` reports the caller's
//! remaining rate budget, which changes with every request while the answer itself does not.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
};

/// Answers 304 when the client already has the tagged response (`negotiation::serialize`
/// tags a GET's executed response as it writes it).
pub fn conditional(http: &HttpRequest, response: HttpResponse) -> HttpResponse {
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some(tag) = response
        .headers()
        .get(header::ETAG)
        .and_then(|tag| tag.to_str().ok())
        .map(str::to_owned)
    else {
        return response;
    };
    with_tag(http, response, &tag)
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
