//! Automatic Persisted Queries (Apollo's APQ protocol): a client sends the SHA-256 of its
//! query in `extensions.persistedQuery`; an unknown hash gets `PERSISTED_QUERY_NOT_FOUND`, and
//! the client sends the query with its hash once, which stores it (in Redis or the in-process
//! cache) for every replica. Over GET, so a CDN can cache the short URL.
//!
//! The stored query is put back into the request as text, so everything after this extension
//! (the response cache, the limits) sees an ordinary request.

use std::{sync::Arc, time::Duration};

use async_graphql::{
    ErrorExtensionValues, Request, ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
};
use sha2::{Digest, Sha256};

use crate::cache::Cache;

/// How long a persisted query stays after it was last registered.
const KEEP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// The extension factory, registered on the schema before the response cache.
pub struct PersistedQueries {
    cache: Cache,
}

impl PersistedQueries {
    pub fn new(cache: Cache) -> Self {
        Self { cache }
    }
}

impl ExtensionFactory for PersistedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            cache: self.cache.clone(),
        })
    }
}

struct PerRequest {
    cache: Cache,
}

#[derive(serde::Deserialize)]
struct PersistedQuery {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

#[async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        resolve(&self.cache, &mut request).await?;
        next.run(ctx, request).await
    }
}

/// Puts a persisted query's text into `request`, or stores the text it brings under its hash;
/// a request without `extensions.persistedQuery` is left as it is.
pub async fn resolve(cache: &Cache, request: &mut Request) -> ServerResult<()> {
    if let Some(value) = request.extensions.remove("persistedQuery") {
        let persisted = parse(value)?;
        let key = format!("apq:{}", persisted.sha256_hash);
        if request.query.trim().is_empty() {
            // A cache that is down answers like an unknown hash: the client sends the query.
            match cache.get(&key).await {
                Ok(Some(query)) => request.query = query,
                _ => {
                    return Err(error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"));
                }
            }
        } else {
            let actual = format!("{:x}", Sha256::digest(request.query.as_bytes()));
            if actual != persisted.sha256_hash {
                return Err(error(
                    "provided sha does not match query",
                    "PERSISTED_QUERY_HASH_MISMATCH",
                ));
            }
            let _ = cache.set(&key, &request.query, KEEP_FOR).await;
        }
    }
    Ok(())
}

/// The query text a hash-only persisted query stands for, when it is stored; for a transport
/// that must know an operation before it runs (idempotency keys).
pub async fn stored_query(cache: &Cache, request: &Request) -> Option<String> {
    if !request.query.trim().is_empty() {
        return None;
    }
    let persisted = parse(request.extensions.get("persistedQuery")?.clone()).ok()?;
    cache
        .get(&format!("apq:{}", persisted.sha256_hash))
        .await
        .ok()
        .flatten()
}

fn parse(value: Value) -> ServerResult<PersistedQuery> {
    let invalid = || {
        error(
            "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}",
            "BAD_REQUEST",
        )
    };
    let persisted: PersistedQuery = async_graphql::from_value(value).map_err(|_| invalid())?;
    if persisted.version != 1 {
        return Err(error(
            "only version 1 of persisted queries is supported",
            "PERSISTED_QUERY_NOT_SUPPORTED",
        ));
    }
    let hash = persisted.sha256_hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    Ok(PersistedQuery {
        version: 1,
        sha256_hash: hash,
    })
}

fn error(message: &str, code: &str) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    ServerError {
        message: message.to_owned(),
        source: None,
        locations: Vec::new(),
        path: Vec::new(),
        extensions: Some(extensions),
    }
}
