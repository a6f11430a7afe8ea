//! Idempotency keys, stored: which requests a user sent with which `Idempotency-Key`, and the
//! answer each got. The database holds them, so every replica sees the same keys and a
//! restart loses none. Which requests take part is the transport's choice.
//!
//! A run holds its key until `locked_until`, renewing it while it works; a key whose run died
//! (the process stopped before it recorded an answer) can be run again once that passes.

use std::time::Duration;

use chrono::Utc;
use entity::idempotency_keys;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TryInsertResult,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use crate::error::{AppError, AppResult};

/// How long a key and its answer are kept.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);
/// How long a run holds its key without renewing it.
pub const LOCK_FOR: Duration = Duration::from_secs(30);
/// How often a run renews its hold.
pub const RENEW_EVERY: Duration = Duration::from_secs(10);

/// An answer as sent: its HTTP status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// A key held by the run of its request.
#[derive(Debug)]
pub struct Held {
    id: i64,
}

/// What to do with a request sent with a key.
#[derive(Debug)]
pub enum Begun {
    /// The key is new (or its earlier run died): run the request, then [`complete`] it.
    Run(Held),
    /// The request ran already: send its answer again.
    Replay(Answer),
    /// The key came earlier with another request.
    Reused,
    /// The first request with this key is still running.
    InUse,
}

fn later(duration: Duration) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::seconds(30))
}

/// Takes `key` for `user_id`'s request whose hash is `request_hash`, or says why not.
#[tracing::instrument(skip(db, key))]
pub async fn begin(
    db: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
    request_hash: &str,
) -> AppResult<Begun> {
    // A round ends in an answer unless the key changed hands meanwhile; three rounds at most.
    for _ in 0..3 {
        let now = Utc::now();
        let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            locked_until: Set(later(LOCK_FOR)),
            response_status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([
            idempotency_keys::Column::UserId,
            idempotency_keys::Column::Key,
        ])
        .exec(db)
        .await?;
        if let TryInsertResult::Inserted(inserted) = inserted {
            return Ok(Begun::Run(Held {
                id: inserted.last_insert_id,
            }));
        }
        let existing = idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::UserId.eq(user_id))
            .filter(idempotency_keys::Column::Key.eq(key))
            .one(db)
            .await?;
        let Some(existing) = existing else {
            continue;
        };
        let cutoff = expired_before();
        if existing.created_at < cutoff {
            forget(
                db,
                existing.id,
                idempotency_keys::Column::CreatedAt.lt(cutoff),
            )
            .await?;
            continue;
        }
        if existing.request_hash != request_hash {
            return Ok(Begun::Reused);
        }
        if let (Some(status), Some(body)) = (existing.response_status, existing.response_body) {
            let status = u16::try_from(status).unwrap_or(500);
            return Ok(Begun::Replay(Answer { status, body }));
        }
        if existing.locked_until > now {
            return Ok(Begun::InUse);
        }
        tracing::warn!(
            key = existing.id,
            "the run of an idempotent request died before it answered; running it again"
        );
        let died = idempotency_keys::Column::CompletedAt
            .is_null()
            .and(idempotency_keys::Column::LockedUntil.lt(now));
        forget(db, existing.id, died).await?;
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "an idempotency key kept changing hands"
    )))
}

/// Deletes key `id` if `still` holds: another request may have taken it over meanwhile.
async fn forget(db: &impl ConnectionTrait, id: i64, still: SimpleExpr) -> AppResult<()> {
    idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::Id.eq(id))
        .filter(still)
        .exec(db)
        .await?;
    Ok(())
}

fn expired_before() -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(KEEP_FOR).unwrap_or(chrono::Duration::days(1))
}

/// Extends the hold of a run that is still working.
pub async fn renew(db: &impl ConnectionTrait, held: &Held) -> AppResult<()> {
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::LockedUntil,
            Expr::value(later(LOCK_FOR)),
        )
        .filter(idempotency_keys::Column::Id.eq(held.id))
        .filter(idempotency_keys::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Records the answer of a run: from now on a retry gets it.
pub async fn complete(db: &impl ConnectionTrait, held: &Held, answer: &Answer) -> AppResult<()> {
    idempotency_keys::ActiveModel {
        id: Set(held.id),
        response_status: Set(Some(i32::from(answer.status))),
        response_body: Set(Some(answer.body.clone())),
        completed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Deletes the keys older than [`KEEP_FOR`]; returns how many.
pub async fn sweep(db: &impl ConnectionTrait) -> AppResult<u64> {
    let swept = idempotency_keys::Entity::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(expired_before()))
        .exec(db)
        .await?;
    Ok(swept.rows_affected)
}
