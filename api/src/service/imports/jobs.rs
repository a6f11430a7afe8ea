//! An import job's life: QUEUED with its file when the upload is accepted, RUNNING under a
//! runner's lease with counts and the next row saved after each batch, then SUCCEEDED (or
//! FAILED) with one audit entry; the stored file goes with the finish.

use std::time::Duration;

use chrono::Utc;
use entity::{
    enums::{ImportKind, ImportStatus},
    import_files, import_jobs, import_seller_matches,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::rejections::{RejectedRow, rejected_rows};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    events::{self, Event},
    service::audit::{self, AuditEntry},
};

/// How many rejected rows a job lists; its counts cover every row. Keeps the job row small
/// when a whole file of a hundred thousand rows is wrong.
pub const MAX_LISTED_REJECTIONS: usize = 1000;

/// What one batch did; merged into the job's totals once its transaction commits.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub processed: usize,
    pub created: usize,
    pub updated: usize,
    /// Rows refused (a row with several bad fields counts once).
    pub rejected: usize,
    pub rejections: Vec<RejectedRow>,
    /// Products whose public view the batch may have changed.
    pub changed_products: Vec<i64>,
    /// Sellers whose public profile the batch changed.
    pub changed_sellers: Vec<i64>,
}

impl BatchOutcome {
    /// Refuses a whole row, for one or more reasons.
    pub fn reject(&mut self, reasons: Vec<RejectedRow>) {
        self.rejected += 1;
        self.rejections.extend(reasons);
    }
}

/// The totals of a running job. `processed` is also the position, in the file's parsed rows,
/// of the next row to process: a resumed job starts there.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub processed: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: usize,
    pub rejections: Vec<RejectedRow>,
}

impl Progress {
    /// The totals a job committed so far.
    pub fn of(job: &import_jobs::Model) -> Self {
        let size = |n: i32| usize::try_from(n).unwrap_or(0);
        Self {
            processed: size(job.processed_rows),
            created: size(job.created_count),
            updated: size(job.updated_count),
            rejected: size(job.rejected_count),
            rejections: rejected_rows(job),
        }
    }

    /// The totals after `batch`.
    pub fn with(&self, batch: &BatchOutcome) -> Self {
        let mut next = self.clone();
        next.processed += batch.processed;
        next.created += batch.created;
        next.updated += batch.updated;
        next.rejected += batch.rejected;
        let room = MAX_LISTED_REJECTIONS.saturating_sub(next.rejections.len());
        next.rejections
            .extend(batch.rejections.iter().take(room).cloned());
        next
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Stores the QUEUED job and its file in one transaction: once the upload is answered, any
/// runner can run the job.
pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    aggregator_id: i64,
    kind: ImportKind,
    file_name: &str,
    total_rows: usize,
    content: Vec<u8>,
) -> AppResult<import_jobs::Model> {
    let file_name: String = file_name.trim().chars().take(255).collect();
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let job = import_jobs::ActiveModel {
        aggregator_id: Set(aggregator_id),
        created_by_user_id: Set(Some(caller.user_id)),
        kind: Set(kind),
        status: Set(ImportStatus::Queued),
        file_name: Set(if file_name.is_empty() {
            "upload.csv".to_owned()
        } else {
            file_name
        }),
        total_rows: Set(count(total_rows)),
        processed_rows: Set(0),
        created_count: Set(0),
        updated_count: Set(0),
        rejected_count: Set(0),
        rejected_rows: Set(json!([])),
        error: Set(None),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        heartbeat_at: Set(now),
        attempts: Set(0),
        lease_owner: Set(None),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    import_files::ActiveModel {
        job_id: Set(job.id),
        content: Set(content),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(job)
}

/// Saves the totals and renews the lease; called inside each batch's transaction so counts,
/// position and rows agree. `false` when the runner no longer owns the job (its lease ran out
/// and another runner took it, or that one already saved this batch): the caller must roll
/// the batch back.
pub async fn save_progress(
    db: &impl ConnectionTrait,
    job: &import_jobs::Model,
    before: &Progress,
    after: &Progress,
    lease: Duration,
) -> AppResult<bool> {
    let now = Utc::now();
    let mut update = import_jobs::ActiveModel {
        processed_rows: Set(count(after.processed)),
        created_count: Set(count(after.created)),
        updated_count: Set(count(after.updated)),
        rejected_count: Set(count(after.rejected)),
        heartbeat_at: Set(now),
        // The job moved forward: a later crash starts a fresh count of attempts.
        attempts: Set(1),
        locked_until: Set(Some(now + chrono_duration(lease))),
        ..Default::default()
    };
    if after.rejections.len() != before.rejections.len() {
        update.rejected_rows = Set(json!(after.rejections));
    }
    let saved = import_jobs::Entity::update_many()
        .set(update)
        .filter(import_jobs::Column::Id.eq(job.id))
        .filter(import_jobs::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .filter(import_jobs::Column::ProcessedRows.eq(count(before.processed)))
        .exec(db)
        .await?;
    if saved.rows_affected != 1 {
        return Ok(false);
    }
    events::notify(db, &[Event::ImportJob { id: job.id }]).await?;
    Ok(true)
}

/// Why a job ends FAILED.
#[derive(Debug)]
pub enum Failure {
    /// The run failed in a way a retry would not change (or the last retry failed too).
    Error(AppError),
    /// Its runners stopped this many times in a row without getting further.
    Exhausted { attempts: i32 },
    /// Its file is not stored: it was queued before files were kept in the database.
    FileMissing,
}

impl Failure {
    fn message(self, job: &import_jobs::Model) -> String {
        let processed = job.processed_rows;
        match self {
            Self::Error(AppError::Db(_) | AppError::Cache(_) | AppError::Internal(_)) => format!(
                "the import stopped after {processed} rows because of an internal error; \
                 the rows before it were imported"
            ),
            Self::Error(other) => other.to_string(),
            Self::Exhausted { attempts } => format!(
                "the import stopped at row {processed} {attempts} times in a row (the server \
                 running it failed or was stopped); the rows before it were imported; upload \
                 the file again to finish, re-importing creates no duplicates"
            ),
            Self::FileMissing => "the uploaded file was not kept (the job was queued before \
                 a restart of an older version); upload it again, re-importing creates no \
                 duplicates"
                .to_owned(),
        }
    }
}

/// Marks the job finished, records it in the audit log and deletes its stored file, in one
/// transaction; `false` (and nothing written) when the runner no longer owns the job.
pub async fn finish(
    db: &DatabaseConnection,
    job: &import_jobs::Model,
    failure: Option<Failure>,
) -> AppResult<bool> {
    let txn = crate::db::begin_write(db).await?;
    let owned = import_jobs::Entity::find_by_id(job.id)
        .filter(import_jobs::Column::LeaseOwner.eq(job.lease_owner.clone()))
        .one(&txn)
        .await?;
    let Some(current) = owned else {
        return Ok(false);
    };
    let (status, error) = match failure {
        None => (ImportStatus::Succeeded, None),
        Some(failure) => {
            tracing::error!(job = job.id, error = ?failure, "import job failed");
            (ImportStatus::Failed, Some(failure.message(&current)))
        }
    };
    import_jobs::ActiveModel {
        id: Set(job.id),
        status: Set(status),
        error: Set(error.clone()),
        finished_at: Set(Some(Utc::now())),
        lease_owner: Set(None),
        locked_until: Set(None),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    delete_leftovers(&txn, job.id).await?;
    record_finish(&txn, &current, status, error).await?;
    events::notify(&txn, &[Event::ImportJob { id: job.id }]).await?;
    txn.commit().await?;
    Ok(true)
}

/// The stored file and the seller matches are only needed while the job runs; the file holds
/// personal data (names, phones), so it is not kept after.
async fn delete_leftovers(txn: &impl ConnectionTrait, job_id: i64) -> AppResult<()> {
    import_files::Entity::delete_by_id(job_id).exec(txn).await?;
    import_seller_matches::Entity::delete_many()
        .filter(import_seller_matches::Column::JobId.eq(job_id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn record_finish(
    txn: &impl ConnectionTrait,
    job: &import_jobs::Model,
    status: ImportStatus,
    error: Option<String>,
) -> AppResult<()> {
    let action = match job.kind {
        ImportKind::Sellers => "import.sellers",
        ImportKind::Products => "import.products",
    };
    audit::record_by(
        txn,
        job.created_by_user_id,
        AuditEntry {
            aggregator_id: Some(job.aggregator_id),
            action,
            entity_type: "ImportJob",
            entity_id: job.id,
            changes: json!({
                "fileName": job.file_name,
                "status": status,
                "totalRows": job.total_rows,
                "processedRows": job.processed_rows,
                "createdCount": job.created_count,
                "updatedCount": job.updated_count,
                "rejectedCount": job.rejected_count,
                "error": error,
            }),
        },
    )
    .await
}

pub fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::seconds(60))
}
