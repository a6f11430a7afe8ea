//! `Idempotency-Key` on `POST /graphql` (the Stripe convention): a mutation sent with a key
//! runs once per user and key; a retry with the same request within 24 hours gets the first
//! answer again, marked `Idempotency-Replayed: true`.
//!
//! Only a single operation that is a mutation takes part: queries ignore the key; a batch that
//! holds a mutation is refused with a key (one key stands for one user action). A keyed
//! request runs on a task of its own, to the end, whatever `REQUEST_TIMEOUT_SECONDS` answers
//! the client meanwhile, so the retry of a timed-out request finds its real answer.
//! `login`, `refreshSession` and `logout` refuse keys: their answers hold tokens, which must
//! never be stored or sent twice. Keys are kept per user, so anonymous requests refuse them too.

use std::time::Duration;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
};
use async_graphql::{
    BatchRequest, BatchResponse, Request,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection},
};
use sha2::{Digest, Sha256};

use super::negotiation::{self, MediaType, error_response};
use crate::{
    auth::Caller,
    cache::Cache,
    error::REQUEST_ID,
    graphql::{Pipeline, persisted_query_text},
    service::idempotency::{self, Answer, Begun, RENEW_EVERY},
};

const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;
/// Mutations whose answers carry tokens.
const REFUSING_KEYS: [&str; 3] = ["login", "refreshSession", "logout"];
/// What a client waits before asking again about a key still running.
const RETRY_AFTER_SECONDS: u64 = 1;

/// A request that runs under its key.
pub struct Keyed {
    user_id: i64,
    key: String,
    request_hash: String,
}

/// Whether `request` runs under an idempotency key: `Ok(None)` when it does not (no key, or
/// not a mutation), `Err` with the answer to a key that cannot be used.
pub async fn keyed(
    http: &HttpRequest,
    request: &mut BatchRequest,
    caller: &Caller,
    cache: &Cache,
    media: MediaType,
) -> Result<Option<Keyed>, HttpResponse> {
    let Some(header) = http.headers().get(HEADER) else {
        return Ok(None);
    };
    if http.method() != actix_web::http::Method::POST {
        return Ok(None);
    }
    let refuse = |status, code: &str, message: &str| error_response(media, status, code, message);
    let mut fields = Vec::new();
    for single in request.iter_mut() {
        if let Some(text) = persisted_query_text(cache, single).await {
            single.query = text;
        }
        fields.push(mutation_fields(single));
    }
    if fields.iter().all(Option::is_none) {
        return Ok(None);
    }
    if matches!(request, BatchRequest::Batch(_)) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_NOT_SUPPORTED",
            "an Idempotency-Key stands for one mutation: send it alone, not in a batch",
        ));
    }
    let key = header
        .to_str()
        .ok()
        .filter(|key| valid_key(key))
        .ok_or_else(|| {
            refuse(
                StatusCode::BAD_REQUEST,
                "INVALID_IDEMPOTENCY_KEY",
                "the Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID)",
            )
        })?;
    if let Some(field) = fields
        .iter()
        .flatten()
        .flatten()
        .find(|field| REFUSING_KEYS.contains(&field.as_str()))
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_NOT_SUPPORTED",
            &format!("{field} takes no Idempotency-Key: its answer holds tokens"),
        ));
    }
    let Caller::User(user) = caller else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "IDEMPOTENCY_KEY_NOT_SUPPORTED",
            "idempotency keys are kept per user: log in to use one",
        ));
    };
    Ok(Some(Keyed {
        user_id: user.user_id,
        key: key.to_owned(),
        request_hash: request_hash(request),
    }))
}

fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// The root fields of the operation `request` runs, when it is a mutation; `None` for a query,
/// a subscription, or a document that does not parse (which runs nothing).
fn mutation_fields(request: &Request) -> Option<Vec<String>> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => &operation.node,
        DocumentOperations::Multiple(operations) => match &request.operation_name {
            Some(name) => &operations.get(name.as_str())?.node,
            None if operations.len() == 1 => &operations.values().next()?.node,
            None => return None,
        },
    };
    if operation.ty != OperationType::Mutation {
        return None;
    }
    let mut fields = Vec::new();
    let mut seen_fragments = Vec::new();
    root_fields(
        &document,
        &operation.selection_set.node.items,
        &mut fields,
        &mut seen_fragments,
    );
    Some(fields)
}

fn root_fields<'a>(
    document: &'a ExecutableDocument,
    selections: &'a [async_graphql::Positioned<Selection>],
    fields: &mut Vec<String>,
    seen_fragments: &mut Vec<&'a str>,
) {
    for selection in selections {
        match &selection.node {
            Selection::Field(field) => fields.push(field.node.name.node.to_string()),
            Selection::InlineFragment(inline) => root_fields(
                document,
                &inline.node.selection_set.node.items,
                fields,
                seen_fragments,
            ),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                // A fragment is followed once: a cycle (which validation refuses) ends here.
                if seen_fragments.contains(&name) {
                    continue;
                }
                seen_fragments.push(name);
                if let Some(fragment) = document.fragments.get(name) {
                    root_fields(
                        document,
                        &fragment.node.selection_set.node.items,
                        fields,
                        seen_fragments,
                    );
                }
            }
        }
    }
}

/// SHA-256 of what makes two requests the same: each operation's text, name and variables,
/// and each uploaded file's name and bytes. Every piece is length-prefixed.
fn request_hash(request: &BatchRequest) -> String {
    let mut hasher = Sha256::new();
    let mut piece = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    for single in request.iter() {
        piece(single.query.as_bytes());
        piece(
            single
                .operation_name
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        piece(
            serde_json::to_string(&single.variables)
                .unwrap_or_default()
                .as_bytes(),
        );
        for upload in &single.uploads {
            piece(upload.filename.as_bytes());
            piece(&upload.content);
        }
    }
    format!("{:x}", hasher.finalize())
}

/// How a keyed request ended, for the handler.
pub enum Outcome {
    /// It ran now: answer as usual.
    Ran(BatchResponse),
    /// It is still running after `REQUEST_TIMEOUT_SECONDS`; a retry will find its answer.
    TimedOut,
    /// It did not run now: this is the answer (a replay, or why not).
    Answered(HttpResponse),
}

/// Runs a keyed request on a task of its own, which stores its answer whenever it ends;
/// waits for it at most `timeout`.
pub async fn execute(
    db: &sea_orm::DatabaseConnection,
    pipeline: &Pipeline,
    request: BatchRequest,
    keyed: Keyed,
    media: MediaType,
    timeout: Duration,
) -> Outcome {
    let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
    let task = tokio::spawn(REQUEST_ID.scope(
        request_id,
        run_once(db.clone(), pipeline.clone(), request, keyed, media),
    ));
    let began = match tokio::time::timeout(timeout, task).await {
        Err(_) => return Outcome::TimedOut,
        Ok(Err(join)) => {
            tracing::error!(error = %join, "an idempotent request's task failed");
            return Outcome::Answered(internal(media));
        }
        Ok(Ok(Err(error))) => {
            tracing::error!(error = ?error, "cannot keep an idempotency key");
            return Outcome::Answered(internal(media));
        }
        Ok(Ok(Ok(began))) => began,
    };
    let refuse =
        |code: &str, message: &str| error_response(media, StatusCode::CONFLICT, code, message);
    match began {
        Ran::Now(response) => Outcome::Ran(response),
        Ran::Before(answer) => Outcome::Answered(negotiation::replayed_response(
            media,
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
            answer.body,
        )),
        Ran::Reused => Outcome::Answered(refuse(
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key came with another request: use a new key for a new action",
        )),
        Ran::InUse => {
            let mut response = refuse(
                "IDEMPOTENCY_KEY_IN_USE",
                "the first request with this Idempotency-Key is still running: retry shortly",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(RETRY_AFTER_SECONDS),
            );
            Outcome::Answered(response)
        }
    }
}

enum Ran {
    Now(BatchResponse),
    Before(Answer),
    Reused,
    InUse,
}

async fn run_once(
    db: sea_orm::DatabaseConnection,
    pipeline: Pipeline,
    request: BatchRequest,
    keyed: Keyed,
    media: MediaType,
) -> crate::error::AppResult<Ran> {
    let held = match idempotency::begin(&db, keyed.user_id, &keyed.key, &keyed.request_hash).await?
    {
        Begun::Run(held) => held,
        Begun::Replay(answer) => return Ok(Ran::Before(answer)),
        Begun::Reused => return Ok(Ran::Reused),
        Begun::InUse => return Ok(Ran::InUse),
    };
    let execution = pipeline.execute_batch(request);
    tokio::pin!(execution);
    let mut renew =
        tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    let response = loop {
        tokio::select! {
            response = &mut execution => break response,
            _ = renew.tick() => {
                if let Err(error) = idempotency::renew(&db, &held).await {
                    tracing::warn!(error = %error, "cannot renew an idempotency key");
                }
            }
        }
    };
    let (status, body) = negotiation::status_and_body(media, &response);
    let answer = Answer {
        status: status.as_u16(),
        body,
    };
    // Without its answer the key would run the request again once its hold lapses.
    for attempt in 1..=3 {
        match idempotency::complete(&db, &held, &answer).await {
            Ok(()) => break,
            Err(error) => {
                tracing::error!(error = ?error, attempt, "cannot store an idempotent answer");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Ok(Ran::Now(response))
}

fn internal(media: MediaType) -> HttpResponse {
    error_response(
        media,
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "the request could not be run; retry with the same Idempotency-Key",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_printable_ascii_of_at_most_255_characters() {
        assert!(valid_key("8e2b7c4e-1b1f-4b5e-9a7e-2f0c1d3e4a5b"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key(""));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("kunci-é"));
    }

    #[test]
    fn root_fields_follow_fragments_and_name_the_mutation() {
        let request = Request::new(
            "fragment F on Mutation { logout(input: {refreshToken: \"x\"}) { ok } ...F } \
             mutation { ... on Mutation { adjustVariantStock(input: {}) { variant { id } } } ...F }",
        );
        let fields = mutation_fields(&request).unwrap();
        assert_eq!(fields, ["adjustVariantStock", "logout"]);
        assert_eq!(mutation_fields(&Request::new("{ me { id } }")), None);
        assert_eq!(mutation_fields(&Request::new("mutation {")), None);
    }

    #[test]
    fn the_same_request_hashes_the_same_and_another_variable_differently() {
        let request = |delta: i32| {
            BatchRequest::Single(Request::new("mutation($d: Int!) { x(d: $d) }").variables(
                async_graphql::Variables::from_json(serde_json::json!({ "d": delta })),
            ))
        };
        assert_eq!(request_hash(&request(5)), request_hash(&request(5)));
        assert_ne!(request_hash(&request(5)), request_hash(&request(6)));
    }
}
