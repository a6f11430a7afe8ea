//! Process metrics, rendered by `GET /metrics` in the Prometheus text format: GraphQL requests
//! and their latency per operation name, response-cache hits and misses, the database pool.
//!
//! A few counters and one histogram family do not need a metrics framework; these are plain
//! atomics and one mutex-guarded map, shared through `AppContext::metrics`.

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Operation names are chosen by clients; beyond this many, new names count as `other`.
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
pub struct Metrics {
    operations: Mutex<HashMap<String, OperationStats>>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    db_statements: AtomicU64,
}

#[derive(Default)]
struct OperationStats {
    requests: u64,
    errors: u64,
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
}

impl Metrics {
    /// Counts one executed GraphQL operation; `failed` when its response carries errors.
    pub fn record_operation(&self, operation: Option<&str>, elapsed: Duration, failed: bool) {
        let Ok(mut operations) = self.operations.lock() else {
            return;
        };
        let mut name = operation_label(operation);
        if !operations.contains_key(&name) && operations.len() >= MAX_OPERATIONS {
            name = "other".to_owned();
        }
        let stats = operations.entry(name).or_default();
        let seconds = elapsed.as_secs_f64();
        stats.requests += 1;
        stats.errors += u64::from(failed);
        stats.sum_seconds += seconds;
        for (bucket, bound) in stats.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    /// A response answered from the response cache.
    pub fn record_cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A cacheable response that had to be executed.
    pub fn record_cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    /// One SQL statement sent to the database (counted by the connection's metric callback).
    pub fn record_db_statement(&self) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        let mut out = String::new();
        self.render_operations(&mut out);
        let _ = writeln!(
            out,
            "# HELP dermaga_cache_hits_total Responses served from the response cache.\n\
             # TYPE dermaga_cache_hits_total counter\n\
             dermaga_cache_hits_total {}\n\
             # HELP dermaga_cache_misses_total Cacheable responses that had to be executed.\n\
             # TYPE dermaga_cache_misses_total counter\n\
             dermaga_cache_misses_total {}\n\
             # HELP dermaga_db_statements_total SQL statements sent to the database.\n\
             # TYPE dermaga_db_statements_total counter\n\
             dermaga_db_statements_total {}",
            self.cache_hits.load(Ordering::Relaxed),
            self.cache_misses.load(Ordering::Relaxed),
            self.db_statements.load(Ordering::Relaxed),
        );
        let (size, idle) = pool_size(db);
        let _ = writeln!(
            out,
            "# HELP dermaga_db_pool_connections_in_use Database connections lent out now.\n\
             # TYPE dermaga_db_pool_connections_in_use gauge\n\
             dermaga_db_pool_connections_in_use {}\n\
             # HELP dermaga_db_pool_connections Database connections open now.\n\
             # TYPE dermaga_db_pool_connections gauge\n\
             dermaga_db_pool_connections {size}",
            size.saturating_sub(idle),
        );
        out
    }

    fn render_operations(&self, out: &mut String) {
        let Ok(operations) = self.operations.lock() else {
            return;
        };
        let mut names: Vec<&String> = operations.keys().collect();
        names.sort();
        out.push_str(
            "# HELP dermaga_graphql_requests_total GraphQL operations executed.\n\
             # TYPE dermaga_graphql_requests_total counter\n",
        );
        for name in &names {
            let stats = &operations[*name];
            let _ = writeln!(
                out,
                "dermaga_graphql_requests_total{{operation=\"{name}\",outcome=\"ok\"}} {}\n\
                 dermaga_graphql_requests_total{{operation=\"{name}\",outcome=\"error\"}} {}",
                stats.requests - stats.errors,
                stats.errors
            );
        }
        out.push_str(
            "# HELP dermaga_graphql_request_duration_seconds Time to execute a GraphQL operation.\n\
             # TYPE dermaga_graphql_request_duration_seconds histogram\n",
        );
        for name in &names {
            let stats = &operations[*name];
            for (count, bound) in stats.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "dermaga_graphql_request_duration_seconds_bucket{{operation=\"{name}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "dermaga_graphql_request_duration_seconds_bucket{{operation=\"{name}\",le=\"+Inf\"}} {requests}\n\
                 dermaga_graphql_request_duration_seconds_sum{{operation=\"{name}\"}} {sum}\n\
                 dermaga_graphql_request_duration_seconds_count{{operation=\"{name}\"}} {requests}",
                requests = stats.requests,
                sum = stats.sum_seconds,
            );
        }
    }
}

/// A label value that needs no escaping: the name's word characters, at most 64 of them.
fn operation_label(operation: Option<&str>) -> String {
    let name: String = operation
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    if name.is_empty() {
        "anonymous".to_owned()
    } else {
        name
    }
}

/// Open and idle connections of the pool.
fn pool_size(db: &DatabaseConnection) -> (u64, u64) {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (u64::from(pool.size()), pool.num_idle() as u64)
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (u64::from(pool.size()), pool.num_idle() as u64)
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_cannot_break_the_exposition_format() {
        assert_eq!(operation_label(Some("Products\"} 1\n")), "Products1");
        assert_eq!(operation_label(None), "anonymous");
    }

    #[test]
    fn a_fast_operation_falls_in_every_bucket() {
        let metrics = Metrics::default();
        metrics.record_operation(Some("Q"), Duration::from_millis(1), false);
        let operations = metrics.operations.lock().unwrap();
        assert!(operations["Q"].buckets.iter().all(|count| *count == 1));
    }
}
