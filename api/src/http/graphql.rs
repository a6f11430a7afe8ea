use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use async_graphql::{ServerError, http::GraphiQLSource};

use crate::{
    auth::Caller,
    error::{AppError, REQUEST_ID},
    graphql::{
        ClientInfo, DermagaSchema, Pipeline, attach_loaders, limits,
        response_cache::{LookedUp, Lookup, ResponseStore, SURROGATE_KEY},
    },
    service::auth::sessions,
    state::AppContext,
};

use super::{
    body,
    client_addr::client_addr,
    idempotency::{self, Outcome},
    negotiation::{self, MediaType},
    rate_limit,
    subscriptions::{self, SubscriptionHub},
};

pub async fn post(
    app: web::Data<AppContext>,
    pipeline: web::Data<Pipeline>,
    responses: web::Data<ResponseStore>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(media) = negotiation::negotiate(&http) else {
        return negotiation::not_acceptable();
    };
    let limits = body::Limits {
        max_batch_size: app.settings.graphql.max_batch_size,
        timeout: app.settings.http.body_timeout,
    };
    match body::read(&http, payload, limits).await {
        Ok(request) => execute(app, &pipeline, &responses, http, request, media).await,
        Err(error) => error.into_response(media),
    }
}

/// GraphiQL for browsers (where `GRAPHIQL` allows it); a query (never a mutation) for API clients; subscriptions when the
/// request asks to upgrade to a WebSocket.
pub async fn get(
    app: web::Data<AppContext>,
    schema: web::Data<DermagaSchema>,
    pipeline: web::Data<Pipeline>,
    responses: web::Data<ResponseStore>,
    hub: web::Data<SubscriptionHub>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if is_websocket_upgrade(&http) {
        let client = client_info(&app, &http);
        return subscriptions::serve(&app, &schema, &hub, &http, payload, client);
    }
    // A persisted query (APQ) over GET carries only its hash, in `extensions`.
    let has_query =
        http.query_string().contains("query=") || http.query_string().contains("extensions=");
    if !has_query {
        if !app.settings.http.graphiql {
            return negotiation::error_response(
                negotiation::MediaType::Json,
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "GraphiQL is not served here (GRAPHIQL=true turns it on); send a query with \
                 ?query=… or POST",
            );
        }
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(
                GraphiQLSource::build()
                    .endpoint("/graphql")
                    .subscription_endpoint("/graphql")
                    .finish(),
            );
    }
    let Some(media) = negotiation::negotiate(&http) else {
        return negotiation::not_acceptable();
    };
    let request = match query_string_request(&http) {
        Ok(request) => request,
        Err((status, message)) => {
            return HttpResponse::build(status)
                .insert_header((header::ALLOW, "GET, POST"))
                .json(serde_json::json!({
                    "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }]
                }));
        }
    };
    // A persisted query is only known once resolved: the schema refuses mutations then.
    let request = request.data(crate::graphql::QueriesOnly);
    execute(app, &pipeline, &responses, http, request.into(), media).await
}

fn query_string_request(
    http: &HttpRequest,
) -> Result<async_graphql::Request, (StatusCode, String)> {
    async_graphql::http::parse_query_string(http.query_string()).map_err(|err| {
        (
            StatusCode::BAD_REQUEST,
            format!("invalid GraphQL request in the query string: {err}"),
        )
    })
}

/// Answers an anonymous query from the response cache without parsing it, or says at which
/// position of the change log it missed. Only queries are ever stored, so a hit is safe over GET too.
async fn serve_cached(
    app: &AppContext,
    responses: &ResponseStore,
    http: &HttpRequest,
    request: &async_graphql::BatchRequest,
    media: MediaType,
    budget: Option<crate::graphql::cost::RateBudget>,
) -> Result<HttpResponse, Option<LookedUp>> {
    let async_graphql::BatchRequest::Single(single) = request else {
        return Err(None);
    };
    if !app.settings.response_cache.enabled || single.query.is_empty() {
        return Err(None);
    }
    // Fingerprinting reads the whole text: a text over the limits is left to the schema,
    // which refuses it before anything else reads it.
    if limits::check_text(&single.query, &app.settings.graphql.limits).is_err() {
        return Err(None);
    }
    let Some(fingerprint) = responses.fingerprint(single).await else {
        return Err(None);
    };
    let started = std::time::Instant::now();
    let hit = match responses.lookup(&fingerprint).await {
        Lookup::Hit(hit) => hit,
        Lookup::Miss { snapshot } => {
            return Err(Some(LookedUp {
                fingerprint,
                snapshot,
            }));
        }
    };
    app.metrics.record_cache_hit();
    let body = hit.body(app.settings.graphql.limits.max_complexity, budget);
    let mut response = negotiation::cached_response(media, body, &hit.cache_control);
    if let Ok(keys) = header::HeaderValue::from_str(&hit.surrogate_key) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(SURROGATE_KEY), keys);
    }
    if http.method() == actix_web::http::Method::GET {
        response = super::etag::with_tag(http, response, &hit.etag);
    }
    app.metrics
        .record_operation(single.operation_name.as_deref(), started.elapsed(), false);
    Ok(response)
}

async fn execute(
    app: web::Data<AppContext>,
    pipeline: &Pipeline,
    responses: &ResponseStore,
    http: HttpRequest,
    request: async_graphql::BatchRequest,
    media: MediaType,
) -> HttpResponse {
    let request_id = request_id(&http);
    let client = client_info(&app, &http);
    let response = REQUEST_ID
        .scope(request_id.clone(), async {
            let caller = match bearer_token(&http) {
                None => Caller::Anonymous,
                Some(token) => match authenticate(&app, token).await {
                    Ok(authenticated) => Caller::User(authenticated.user),
                    Err(error) => return Ok(unauthenticated(error).into()),
                },
            };
            let budget = rate_limit::take(&app, &caller, &client.ip, request.iter().count())
                .await
                .map_err(|retry_after| rate_limit::too_many_requests(media, retry_after))?;
            let mut request = request;
            let keyed = idempotency::keyed(&http, &mut request, &caller, &app.cache, media).await?;
            if matches!(caller, Caller::Anonymous) {
                match serve_cached(&app, responses, &http, &request, media, budget).await {
                    Ok(hit) => return Err(hit),
                    Err(Some(looked_up)) => request = request.data(looked_up),
                    Err(None) => {}
                }
            }
            let request = attach_batch_loaders(request, &app, &caller)
                .data(caller)
                .data(client);
            let request = match budget {
                Some(budget) => request.data(budget),
                None => request,
            };
            let operations: Vec<Option<String>> =
                request.iter().map(|r| r.operation_name.clone()).collect();
            let started = std::time::Instant::now();
            let response = run(&app, pipeline, request, keyed, media).await?;
            super::metrics::record(&app.metrics, &operations, started.elapsed(), &response);
            response
        })
        .await;
    let (mut http_response, executed_ok) = match response {
        Ok(response) => {
            let ok = response.is_ok();
            let tagged = http.method() == actix_web::http::Method::GET;
            (negotiation::graphql_response(media, response, tagged), ok)
        }
        // Hits (marked by `x-cache`), refusals and stored answers.
        Err(response) => (response, true),
    };
    apply_cache_policy(&app, &http, &mut http_response, executed_ok);
    if http.method() == actix_web::http::Method::GET {
        http_response = super::etag::conditional(&http, http_response);
    }
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        http_response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    http_response
}

/// What browsers and CDNs may keep. A public answer is an anonymous GET that the response
/// cache served or could store (it carries `x-cache`) and that has no errors: it may be kept
/// for `HTTP_CACHE_MAX_AGE_SECONDS`, and a CDN purges it by its `Surrogate-Key`. An answer to a
/// caller with a token is `private, no-store`; any other GET answer is `no-store`.
fn apply_cache_policy(
    app: &AppContext,
    http: &HttpRequest,
    response: &mut HttpResponse,
    executed_ok: bool,
) {
    let is_get = http.method() == actix_web::http::Method::GET;
    let with_token = bearer_token(http).is_some();
    let public = is_get
        && executed_ok
        && !with_token
        && response.status() == StatusCode::OK
        && response.headers().contains_key("x-cache");
    let headers = response.headers_mut();
    let policy = if with_token {
        "private, no-store".to_owned()
    } else if public {
        let settings = &app.settings.response_cache;
        format!(
            "public, max-age={}, stale-while-revalidate={}",
            settings.public_max_age, settings.public_stale_while_revalidate
        )
    } else if is_get {
        "no-store".to_owned()
    } else {
        return;
    };
    if !public {
        headers.remove(SURROGATE_KEY);
    }
    if let Ok(policy) = header::HeaderValue::from_str(&policy) {
        headers.insert(header::CACHE_CONTROL, policy);
    }
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept, Accept-Encoding, Authorization"),
    );
}

/// Runs the request under `REQUEST_TIMEOUT_SECONDS`, once per Idempotency-Key when it has one.
/// `Err(Ok(..))` is a timeout (the response's metrics still count it); `Err(Err(..))` is the
/// stored answer to an earlier request with the same key, which counts as no execution.
async fn run(
    app: &AppContext,
    pipeline: &Pipeline,
    request: async_graphql::BatchRequest,
    keyed: Option<idempotency::Keyed>,
    media: MediaType,
) -> Result<Result<async_graphql::BatchResponse, HttpResponse>, HttpResponse> {
    // The timeout stops execution at its next await; parsing and validation run without one,
    // so they cannot be interrupted. They are bounded instead: the schema checks the
    // document's limits (graphql/limits) before it validates anything.
    let timeout = app.settings.graphql.request_timeout;
    match keyed {
        None => Ok(
            tokio::time::timeout(timeout, pipeline.execute_batch(request))
                .await
                .map_err(|_| timed_out(media, timeout, false)),
        ),
        Some(keyed) => {
            match idempotency::execute(&app.db, pipeline, request, keyed, media, timeout).await {
                Outcome::Ran(response) => Ok(Ok(response)),
                Outcome::TimedOut => Ok(Err(timed_out(media, timeout, true))),
                Outcome::Answered(answer) => Err(answer),
            }
        }
    }
}

/// The client's `X-Request-Id` when it is usable, else a new one; logs and errors carry it.
fn request_id(http: &HttpRequest) -> String {
    http.headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty() && value.len() <= 64)
        .map_or_else(new_request_id, str::to_owned)
}

/// This process's random prefix and a counter: unique across replicas, without the system
/// call for randomness that a UUID per request costs.
fn new_request_id() -> String {
    static PREFIX: std::sync::LazyLock<u64> =
        std::sync::LazyLock::new(|| uuid::Uuid::new_v4().as_u64_pair().0);
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{:016x}{next:016x}", *PREFIX)
}

fn attach_batch_loaders(
    request: async_graphql::BatchRequest,
    app: &AppContext,
    caller: &Caller,
) -> async_graphql::BatchRequest {
    match request {
        async_graphql::BatchRequest::Single(request) => {
            async_graphql::BatchRequest::Single(attach_loaders(request, app, caller))
        }
        async_graphql::BatchRequest::Batch(requests) => async_graphql::BatchRequest::Batch(
            requests
                .into_iter()
                .map(|request| attach_loaders(request, app, caller))
                .collect(),
        ),
    }
}

/// 504 with code TIMEOUT: the request ran longer than REQUEST_TIMEOUT_SECONDS. One sent with
/// an Idempotency-Key runs on (`still_running`), and its retry gets its answer.
fn timed_out(media: MediaType, timeout: std::time::Duration, still_running: bool) -> HttpResponse {
    let what_now = if still_running {
        "it goes on running: send it again with the same Idempotency-Key for its answer"
    } else {
        "it was stopped"
    };
    negotiation::error_response(
        media,
        StatusCode::GATEWAY_TIMEOUT,
        "TIMEOUT",
        format!(
            "the request took longer than {} ms; {what_now}",
            timeout.as_millis()
        ),
    )
}

fn unauthenticated(error: AppError) -> async_graphql::Response {
    let error: async_graphql::Error = error.into();
    async_graphql::Response::from_errors(vec![ServerError {
        message: error.message,
        source: None,
        locations: Vec::new(),
        path: Vec::new(),
        extensions: error.extensions,
    }])
}

fn bearer_token(http: &HttpRequest) -> Option<&str> {
    let value = http.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|token| !token.is_empty())
}

fn client_info(app: &AppContext, http: &HttpRequest) -> ClientInfo {
    ClientInfo {
        ip: client_addr(http, &app.settings.trusted_proxies),
    }
}

async fn authenticate(app: &AppContext, token: &str) -> Result<sessions::Authenticated, AppError> {
    sessions::authenticate(&app.db, &app.cache, &app.jwt, &app.settings.sessions, token).await
}

fn is_websocket_upgrade(http: &HttpRequest) -> bool {
    http.headers()
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}
