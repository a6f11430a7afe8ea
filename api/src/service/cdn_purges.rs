//! The CDN purge outbox: the tags a committed write changed, queued in the write's own
//! transaction and sent to `CDN_PURGE_URL` by the worker, so that a crash after the commit
//! loses no purge. Several rows are sent as one purge; a row is deleted once the endpoint
//! accepted it and retried with backoff otherwise.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Value};

use crate::{db::statement, error::AppResult};

/// Queued purges, claimed together.
#[derive(Debug, Default)]
pub struct Claimed {
    pub ids: Vec<i64>,
    /// Every tag of the claimed rows, once each.
    pub tags: Vec<String>,
    /// The most attempts any of them had before.
    pub attempts: i32,
}

/// Queues a purge of `tags`. Call it in the transaction of the write that changed them.
pub(super) async fn queue(db: &impl ConnectionTrait, tags: &[String]) -> AppResult<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    db.execute_raw(statement(
        db.get_database_backend(),
        "INSERT INTO cdn_purges (tags, attempts, next_attempt_at, created_at) VALUES (?, 0, ?, ?)",
        vec![tags.join(" ").into(), now.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Claims up to `limit` due purges for `lease`: another worker takes them again only after it.
pub async fn claim(db: &impl ConnectionTrait, limit: u64, lease: Duration) -> AppResult<Claimed> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            &format!(
                "UPDATE cdn_purges SET next_attempt_at = ? WHERE id IN ( \
                   SELECT id FROM cdn_purges WHERE next_attempt_at <= ? \
                   ORDER BY id LIMIT ? {lock}) \
                 RETURNING id, tags, attempts"
            ),
            vec![until.into(), now.into(), (limit as i64).into()],
        ))
        .await?;
    let mut claimed = Claimed::default();
    for row in rows {
        claimed.ids.push(row.try_get("", "id")?);
        let tags: String = row.try_get("", "tags")?;
        for tag in tags.split_whitespace() {
            if !claimed.tags.iter().any(|known| known == tag) {
                claimed.tags.push(tag.to_owned());
            }
        }
        claimed.attempts = claimed.attempts.max(row.try_get("", "attempts")?);
    }
    Ok(claimed)
}

fn id_list(ids: &[i64]) -> (String, Vec<Value>) {
    (
        vec!["?"; ids.len()].join(", "),
        ids.iter().map(|id| Value::from(*id)).collect(),
    )
}

/// The endpoint accepted these purges.
pub async fn sent(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let (list, values) = id_list(ids);
    db.execute_raw(statement(
        db.get_database_backend(),
        &format!("DELETE FROM cdn_purges WHERE id IN ({list})"),
        values,
    ))
    .await?;
    Ok(())
}

/// The endpoint refused these purges or could not be reached: they are tried again after
/// `retry_in`.
pub async fn failed(
    db: &impl ConnectionTrait,
    ids: &[i64],
    retry_in: Duration,
    error: &str,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let next = Utc::now() + chrono::Duration::from_std(retry_in).unwrap_or_default();
    let (list, ids) = id_list(ids);
    let mut values = vec![
        next.into(),
        error.chars().take(500).collect::<String>().into(),
    ];
    values.extend(ids);
    db.execute_raw(statement(
        db.get_database_backend(),
        &format!(
            "UPDATE cdn_purges SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? \
             WHERE id IN ({list})"
        ),
        values,
    ))
    .await?;
    Ok(())
}
