//! Claiming due jobs. A job is due when it is PENDING and its time has come, or IN_FLIGHT with
//! an expired lease (its worker died). A job is never claimed while an older job of the same
//! listing is still pending or in flight, so one listing's deliveries never overtake each
//! other. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so any number of workers share the
//! queue; SQLite has one writer at a time, which makes the same statement exclusive.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox_jobs;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};

use crate::{db::statement, error::AppResult};

const CLAIM: &str = "UPDATE outbox_jobs SET status = 'IN_FLIGHT', locked_until = ?, \
     attempts = attempts + 1, updated_at = ? \
     WHERE id IN (SELECT j.id FROM outbox_jobs j \
        WHERE ((j.status = 'PENDING' AND j.run_at <= ?) \
            OR (j.status = 'IN_FLIGHT' AND j.locked_until < ?)) \
          AND NOT EXISTS (SELECT 1 FROM outbox_jobs k WHERE k.listing_id = j.listing_id \
              AND k.id < j.id AND k.status IN ('PENDING', 'IN_FLIGHT')) \
          AND NOT EXISTS (SELECT 1 FROM channel_listings l JOIN channels c ON c.id = l.channel_id \
              WHERE l.id = j.listing_id AND NOT c.is_active) \
        ORDER BY j.run_at, j.id LIMIT ?";

/// Claims up to `limit` due jobs for `lease`; each comes back with its attempt counted.
pub async fn claim(
    db: &impl ConnectionTrait,
    limit: usize,
    lease: Duration,
) -> AppResult<Vec<outbox_jobs::Model>> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    // An idle queue costs one indexed read, not a write (SQLite's UPDATE takes the write lock).
    let due = db
        .query_one_raw(statement(
            backend,
            "SELECT id FROM outbox_jobs WHERE (status = 'PENDING' AND run_at <= ?) \
             OR (status = 'IN_FLIGHT' AND locked_until < ?) LIMIT 1",
            vec![now.into(), now.into()],
        ))
        .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let locked_until: DateTime<Utc> =
        now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let tail = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED) RETURNING *",
        _ => ") RETURNING *",
    };
    let sql = format!("{CLAIM}{tail}");
    let stmt = statement(
        backend,
        &sql,
        vec![
            locked_until.into(),
            now.into(),
            now.into(),
            now.into(),
            (limit as i64).into(),
        ],
    );
    let mut jobs = outbox_jobs::Entity::find()
        .from_raw_sql(stmt)
        .all(db)
        .await?;
    jobs.sort_by_key(|job| job.id);
    Ok(jobs)
}

/// Restarts a claimed job's lease just before it is sent (it may have waited for its channel's
/// turn). `false` when the worker no longer owns it: the lease ran out and another worker took
/// the job, so this one must not send it too.
pub async fn renew(
    db: &impl ConnectionTrait,
    job: &outbox_jobs::Model,
    lease: Duration,
) -> AppResult<bool> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let locked_until =
        Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let result = outbox_jobs::Entity::update_many()
        .col_expr(outbox_jobs::Column::LockedUntil, Expr::value(locked_until))
        .filter(outbox_jobs::Column::Id.eq(job.id))
        .filter(outbox_jobs::Column::Attempts.eq(job.attempts))
        .filter(outbox_jobs::Column::Status.eq(entity::enums::OutboxStatus::InFlight))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
