//! Who runs an import job. A job is claimable while it is QUEUED or RUNNING and nobody holds
//! its lease: never claimed, released by a runner that stopped or failed, or left by a runner
//! that died (its lease ran out). PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so any number
//! of replicas and workers share the jobs; SQLite has one writer at a time, which makes the same
//! statement exclusive. The shape is the outbox's (`worker::claim`).

use std::time::Duration;

use chrono::Utc;
use entity::import_jobs;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::jobs::{self, Failure, chrono_duration};
use crate::{
    db::statement,
    error::{AppError, AppResult},
    events::{self, Event},
};

const CLAIMABLE: &str =
    "status IN ('QUEUED', 'RUNNING') AND (locked_until IS NULL OR locked_until < ?)";

/// The longest wait before a failed job is tried again.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

/// Claims the oldest claimable job for `lease`, marking it RUNNING with one more attempt
/// counted; `None` when there is none.
pub async fn claim(
    db: &impl ConnectionTrait,
    lease: Duration,
) -> AppResult<Option<import_jobs::Model>> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    // An idle queue costs one indexed read, not a write (SQLite's UPDATE takes the write lock).
    let due = db
        .query_one_raw(statement(
            backend,
            &format!("SELECT id FROM import_jobs WHERE {CLAIMABLE} LIMIT 1"),
            vec![now.into()],
        ))
        .await?;
    if due.is_none() {
        return Ok(None);
    }
    let owner = uuid::Uuid::new_v4().to_string();
    let locked_until = now + chrono_duration(lease);
    let lock = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE import_jobs SET status = 'RUNNING', lease_owner = ?, locked_until = ?, \
         attempts = attempts + 1, started_at = COALESCE(started_at, ?) \
         WHERE id IN (SELECT id FROM import_jobs WHERE {CLAIMABLE} ORDER BY id LIMIT 1{lock}) \
         RETURNING *"
    );
    let claimed = import_jobs::Entity::find()
        .from_raw_sql(statement(
            backend,
            &sql,
            vec![owner.into(), locked_until.into(), now.into(), now.into()],
        ))
        .one(db)
        .await?;
    if let Some(job) = &claimed {
        // Its subscribers see it RUNNING (again).
        events::notify(db, &[Event::ImportJob { id: job.id }]).await?;
    }
    Ok(claimed)
}

/// Gives a job back at once, its attempt not counted: the runner is stopping, and the next
/// runner carries on after the last committed batch.
pub async fn release(db: &impl ConnectionTrait, job: &import_jobs::Model) -> AppResult<()> {
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            import_jobs::Column::LockedUntil,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(
            import_jobs::Column::Attempts,
            Expr::col(import_jobs::Column::Attempts).sub(1),
        )
        .filter(import_jobs::Column::Id.eq(job.id))
        .filter(import_jobs::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// After a failed attempt: gives the job back for a later retry (the delay grows fourfold
/// with each attempt without progress, from `first_delay`), or fails it once it has had
/// `max_attempts`.
pub async fn retry_or_fail(
    db: &DatabaseConnection,
    job: &import_jobs::Model,
    max_attempts: i32,
    first_delay: Duration,
    error: AppError,
) -> AppResult<()> {
    let current = import_jobs::Entity::find_by_id(job.id)
        .filter(import_jobs::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .one(db)
        .await?;
    let Some(current) = current else {
        return Ok(());
    };
    if current.attempts >= max_attempts {
        jobs::finish(db, job, Some(Failure::Error(error))).await?;
        return Ok(());
    }
    tracing::warn!(job = job.id, attempts = current.attempts, error = ?error,
        "an import attempt failed; the job will be tried again");
    let growth = 4u32.saturating_pow(u32::try_from(Ord::max(current.attempts, 1) - 1).unwrap_or(0));
    let delay = first_delay.saturating_mul(growth).min(MAX_RETRY_DELAY);
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::LeaseOwner, Expr::value(None::<String>))
        .col_expr(
            import_jobs::Column::LockedUntil,
            Expr::value(Some(Utc::now() + chrono_duration(delay))),
        )
        .filter(import_jobs::Column::Id.eq(job.id))
        .filter(import_jobs::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .exec(db)
        .await?;
    Ok(())
}
