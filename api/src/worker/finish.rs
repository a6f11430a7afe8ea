//! Recording a delivery's outcome on its job, its listing and the delivery log. Every write is
//! fenced by the attempt number the worker claimed, so a worker whose lease ran out cannot
//! overwrite what the worker that took over has recorded.

use std::time::Duration;

use chrono::Utc;
use entity::{
    channel_listings,
    enums::{ListingStatus, OutboxStatus},
    listing_deliveries, outbox_jobs,
};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set, SqlErr, sea_query::Expr,
};

use super::deliver::Outcome;
use crate::{
    config::WorkerSettings,
    db::statement,
    error::AppResult,
    events::{self, Event},
    service::{
        listings::outbox::EVENT_DELETE,
        listings::status::{ListingEvent, ListingState, next, not_held_back},
    },
};

/// Records an attempt; returns the listing's status afterwards when this worker still owned
/// the job.
pub async fn finish(
    db: &DatabaseConnection,
    settings: &WorkerSettings,
    job: &outbox_jobs::Model,
    outcome: &Outcome,
    took: Duration,
) -> AppResult<()> {
    let (http_status, label, error) = match outcome {
        Outcome::Delivered { status, .. } => (status.map(i32::from), "DELIVERED", None),
        Outcome::Rejected { status, message } => {
            (Some(i32::from(*status)), "REJECTED", Some(message.clone()))
        }
        Outcome::Retry { status, error, .. } => {
            let label = if job.attempts >= settings.max_attempts {
                "FAILED"
            } else {
                "RETRY"
            };
            (status.map(i32::from), label, Some(error.clone()))
        }
    };
    let now = Utc::now();
    listing_deliveries::ActiveModel {
        aggregator_id: Set(job.aggregator_id),
        listing_id: Set(job.listing_id),
        job_id: Set(Some(job.id)),
        product_version: Set(job.product_version),
        attempt: Set(job.attempts),
        http_status: Set(http_status),
        duration_ms: Set(took.as_millis() as i64),
        outcome: Set(label.to_owned()),
        error: Set(error.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    match outcome {
        Outcome::Delivered { external_id, .. } => delivered(db, job, external_id.clone()).await,
        Outcome::Rejected { message, .. } => {
            give_up(db, job, ListingEvent::PartnerRejected, message).await
        }
        Outcome::Retry {
            error, retry_after, ..
        } => {
            if job.attempts >= settings.max_attempts {
                give_up(db, job, ListingEvent::GaveUp, error).await
            } else {
                let delay = backoff(settings, job.attempts, *retry_after);
                retry_later(db, job, error, delay).await
            }
        }
    }
}

/// The delay before attempt `attempts + 1`: exponential from the base, with jitter, capped;
/// a longer `Retry-After` wins.
pub fn backoff(
    settings: &WorkerSettings,
    attempts: i32,
    retry_after: Option<Duration>,
) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let base = settings.backoff_base.saturating_mul(1 << exponent);
    let jitter = rand::thread_rng().gen_range(0.5..=1.0);
    let delay = base.mul_f64(jitter).min(settings.backoff_max);
    match retry_after {
        Some(asked) => delay.max(asked.min(settings.backoff_max)),
        None => delay,
    }
}

/// The job's row, if this worker still owns it.
fn owned(job: &outbox_jobs::Model) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(outbox_jobs::Column::Id.eq(job.id))
        .add(outbox_jobs::Column::Attempts.eq(job.attempts))
        .add(outbox_jobs::Column::Status.eq(OutboxStatus::InFlight))
}

async fn close_job(
    db: &impl ConnectionTrait,
    job: &outbox_jobs::Model,
    status: OutboxStatus,
    error: Option<&str>,
) -> AppResult<bool> {
    let result = outbox_jobs::Entity::update_many()
        .col_expr(outbox_jobs::Column::Status, Expr::value(status.to_string()))
        .col_expr(
            outbox_jobs::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            outbox_jobs::Column::LastError,
            Expr::value(error.map(str::to_owned)),
        )
        .col_expr(outbox_jobs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(owned(job))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

async fn delivered(
    db: &DatabaseConnection,
    job: &outbox_jobs::Model,
    external_id: Option<String>,
) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    if !close_job(&txn, job, OutboxStatus::Done, None).await? {
        return Ok(());
    }
    let Some(listing) = channel_listings::Entity::find_by_id(job.listing_id)
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    // The partner took the listing down: the product was archived or unpublished, or its
    // seller suspended. It comes back when they are active again (`outbox`).
    let event = if job.event_type == EVENT_DELETE {
        ListingEvent::WithdrawalDelivered
    } else {
        ListingEvent::Delivered
    };
    let mut model: channel_listings::ActiveModel = listing.clone().into();
    // Refused when the aggregator unpublished it since this job was claimed: a newer job
    // follows, and the listing keeps its status.
    if let Ok(to) = next(ListingState::of(&listing), event) {
        model.status = Set(to.status);
        model.withdrawn = Set(to.withdrawn);
    }
    if external_id.is_some() {
        model.external_id = Set(external_id);
    }
    model.last_error = Set(None);
    model.attempts = Set(job.attempts);
    model.delivered_version = Set(Some(
        listing
            .delivered_version
            .map_or(job.product_version, |v| v.max(job.product_version)),
    ));
    model.delivered_at = Set(Some(Utc::now()));
    model.updated_at = Set(Utc::now());
    model.update(&txn).await?;
    events::notify(&txn, &[Event::listing(&listing)]).await?;
    txn.commit().await?;
    Ok(())
}

async fn give_up(
    db: &DatabaseConnection,
    job: &outbox_jobs::Model,
    event: ListingEvent,
    error: &str,
) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    if !close_job(&txn, job, OutboxStatus::Failed, Some(error)).await? {
        return Ok(());
    }
    let listing = channel_listings::Entity::find_by_id(job.listing_id)
        .one(&txn)
        .await?;
    // A listing the aggregator unpublished stays as it is.
    if let Some(Ok(to)) = listing.map(|listing| next(ListingState::of(&listing), event)) {
        listing_update(&txn, job, Some(to.status), error).await?;
    }
    events::notify(&txn, &[Event::listing_of(job)]).await?;
    txn.commit().await?;
    Ok(())
}

/// Puts the job back in the queue for later, unless a newer snapshot is already waiting
/// (then this one is superseded: only the newest is sent).
async fn retry_later(
    db: &DatabaseConnection,
    job: &outbox_jobs::Model,
    error: &str,
    delay: Duration,
) -> AppResult<()> {
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(60));
    // A snapshot queued concurrently keeps the job from going back: it is superseded.
    let requeued = requeue(db, job, delay, job.attempts, Some(error))
        .await
        .unwrap_or(false);
    if !requeued {
        close_job(db, job, OutboxStatus::Superseded, Some(error)).await?;
    }
    listing_update(db, job, None, error).await?;
    events::notify(db, &[Event::listing_of(job)]).await
}

/// Hands a claimed job back to the queue, due at once, for a stopping worker. An attempt that
/// never reached the partner is not counted. When a newer snapshot is already waiting, this one
/// is superseded instead, as in `retry_later`.
pub async fn release(
    db: &DatabaseConnection,
    job: &outbox_jobs::Model,
    sent: bool,
) -> AppResult<()> {
    let attempts = if sent { job.attempts } else { job.attempts - 1 };
    if requeue(db, job, chrono::Duration::zero(), attempts, None).await? {
        return Ok(());
    }
    close_job(db, job, OutboxStatus::Superseded, None).await?;
    Ok(())
}

/// Makes a claimed job PENDING again, due after `delay`, with `attempts` counted and
/// `last_error` recorded (when given), unless a newer snapshot of its listing is already
/// waiting: a listing has one pending job at most. Whether the job went back; not when a
/// snapshot queued concurrently took the pending place first (a unique-key violation).
async fn requeue(
    db: &DatabaseConnection,
    job: &outbox_jobs::Model,
    delay: chrono::Duration,
    attempts: i32,
    last_error: Option<&str>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let requeue = statement(
        db.get_database_backend(),
        "UPDATE outbox_jobs SET status = 'PENDING', run_at = ?, locked_until = NULL, \
         attempts = ?, last_error = COALESCE(?, last_error), updated_at = ? \
         WHERE id = ? AND attempts = ? AND status = 'IN_FLIGHT' \
         AND NOT EXISTS (SELECT 1 FROM outbox_jobs p WHERE p.listing_id = ? AND p.status = 'PENDING')",
        vec![
            (now + delay).into(),
            attempts.into(),
            last_error.map(str::to_owned).into(),
            now.into(),
            job.id.into(),
            job.attempts.into(),
            job.listing_id.into(),
        ],
    );
    match db.execute_raw(requeue).await {
        Ok(result) => Ok(result.rows_affected() == 1),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

async fn listing_update(
    db: &impl ConnectionTrait,
    job: &outbox_jobs::Model,
    status: Option<ListingStatus>,
    error: &str,
) -> AppResult<()> {
    let mut update = channel_listings::Entity::update_many()
        .col_expr(
            channel_listings::Column::LastError,
            Expr::value(error.to_owned()),
        )
        .col_expr(
            channel_listings::Column::Attempts,
            Expr::value(job.attempts),
        )
        .col_expr(channel_listings::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(channel_listings::Column::Id.eq(job.listing_id));
    if let Some(status) = status {
        update = update
            .col_expr(
                channel_listings::Column::Status,
                Expr::value(status.to_string()),
            )
            // Unpublished by the aggregator since it was read: it stays so.
            .filter(not_held_back());
    }
    update.exec(db).await?;
    Ok(())
}
