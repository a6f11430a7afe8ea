//! An import job's life: QUEUED when the file is accepted, RUNNING with counts saved after each
//! batch, then SUCCEEDED (or FAILED) with one audit entry.

use chrono::Utc;
use entity::{
    enums::{ImportKind, ImportStatus},
    import_jobs,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set};
use serde_json::json;

use super::{RejectedRow, csv_reader::CsvFile};
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

/// The totals of a running job.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub processed: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: usize,
    pub rejections: Vec<RejectedRow>,
}

impl Progress {
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

pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    aggregator_id: i64,
    kind: ImportKind,
    file_name: &str,
    csv: &CsvFile,
) -> AppResult<import_jobs::Model> {
    let file_name: String = file_name.trim().chars().take(255).collect();
    Ok(import_jobs::ActiveModel {
        aggregator_id: Set(aggregator_id),
        created_by_user_id: Set(Some(caller.user_id)),
        kind: Set(kind),
        status: Set(ImportStatus::Queued),
        file_name: Set(if file_name.is_empty() {
            "upload.csv".to_owned()
        } else {
            file_name
        }),
        total_rows: Set(count(csv.rows.len())),
        processed_rows: Set(0),
        created_count: Set(0),
        updated_count: Set(0),
        rejected_count: Set(0),
        rejected_rows: Set(json!([])),
        error: Set(None),
        created_at: Set(Utc::now()),
        started_at: Set(None),
        finished_at: Set(None),
        heartbeat_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn start(db: &impl ConnectionTrait, job: &import_jobs::Model) -> AppResult<()> {
    import_jobs::ActiveModel {
        id: Set(job.id),
        status: Set(ImportStatus::Running),
        started_at: Set(Some(Utc::now())),
        heartbeat_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    events::notify(db, &[Event::ImportJob { id: job.id }]).await
}

/// Saves the totals; called inside each batch's transaction so counts and rows agree.
pub async fn save_progress(
    db: &impl ConnectionTrait,
    job: &import_jobs::Model,
    before: &Progress,
    after: &Progress,
) -> AppResult<()> {
    let mut update = import_jobs::ActiveModel {
        id: Set(job.id),
        processed_rows: Set(count(after.processed)),
        created_count: Set(count(after.created)),
        updated_count: Set(count(after.updated)),
        rejected_count: Set(count(after.rejected)),
        heartbeat_at: Set(Utc::now()),
        ..Default::default()
    };
    if after.rejections.len() != before.rejections.len() {
        update.rejected_rows = Set(json!(after.rejections));
    }
    update.update(db).await?;
    events::notify(db, &[Event::ImportJob { id: job.id }]).await
}

/// Marks the job finished and records it in the audit log, in one transaction.
pub async fn finish(
    db: &DatabaseConnection,
    caller: &AuthUser,
    job: &import_jobs::Model,
    progress: &Progress,
    failure: Option<AppError>,
) -> AppResult<()> {
    let (status, error) = match failure {
        None => (ImportStatus::Succeeded, None),
        Some(failure) => {
            tracing::error!(job = job.id, error = ?failure, "import job failed");
            let message = match failure {
                AppError::Db(_) | AppError::Cache(_) | AppError::Internal(_) => format!(
                    "the import stopped after {} rows because of an internal error; \
                     the rows before it were imported",
                    progress.processed
                ),
                other => other.to_string(),
            };
            (ImportStatus::Failed, Some(message))
        }
    };
    let action = match job.kind {
        ImportKind::Sellers => "import.sellers",
        ImportKind::Products => "import.products",
    };
    let txn = crate::db::begin_write(db).await?;
    import_jobs::ActiveModel {
        id: Set(job.id),
        status: Set(status),
        error: Set(error.clone()),
        finished_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(job.aggregator_id),
            action,
            entity_type: "ImportJob",
            entity_id: job.id,
            changes: json!({
                "fileName": job.file_name,
                "status": status,
                "totalRows": job.total_rows,
                "processedRows": progress.processed,
                "createdCount": progress.created,
                "updatedCount": progress.updated,
                "rejectedCount": progress.rejected,
                "error": error,
            }),
        },
    )
    .await?;
    events::notify(&txn, &[Event::ImportJob { id: job.id }]).await?;
    txn.commit().await?;
    Ok(())
}

/// How long a job may go without progress before it counts as abandoned.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

/// Marks jobs whose processing task died (a restart, a crash) as FAILED, so the dashboard
/// stops waiting; returns how many. Safe to run on every replica.
pub async fn fail_abandoned(db: &impl ConnectionTrait) -> AppResult<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let stale_since = Utc::now()
        - chrono::Duration::from_std(ABANDONED_AFTER).unwrap_or(chrono::Duration::minutes(5));
    let result = import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(ImportStatus::Failed.to_string()))
        .col_expr(
            import_jobs::Column::Error,
            Expr::value(
                "the import was interrupted (the server stopped); the rows counted as processed \
                 were imported; upload the file again to finish, re-importing creates no duplicates",
            ),
        )
        .col_expr(import_jobs::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(import_jobs::Column::Status.is_in([ImportStatus::Queued, ImportStatus::Running]))
        .filter(import_jobs::Column::HeartbeatAt.lt(stale_since))
        .exec(db)
        .await?;
    if result.rows_affected > 0 {
        tracing::warn!(
            jobs = result.rows_affected,
            "marked abandoned import jobs as failed"
        );
    }
    Ok(result.rows_affected)
}
