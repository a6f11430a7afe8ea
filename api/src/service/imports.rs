//! Bulk CSV imports of sellers and products.
//!
//! The mutation checks the file's shape at once (UTF-8, comma-separated, the expected header)
//! and stores a QUEUED job with the file, in one transaction. A runner (`worker::ImportRunner`,
//! in any server or `dermaga worker`) claims the job under a lease, validates every row with
//! the same rules as the single-record mutations and writes the good ones in batches, one
//! transaction each, saving the job's counts and next row with the batch. A runner that dies
//! leaves its lease to run out; the next one resumes after the last committed batch.

mod batches;
mod csv_reader;
mod jobs;
mod lease;
mod product_rows;
mod product_store;
mod products;
mod rejections;
mod run;
mod sellers;

pub use lease::{claim, retry_or_fail};
pub use rejections::{RejectedRow, rejected_rows};
pub use run::{Ran, run_claimed};

use entity::{
    enums::{ImportKind, ImportStatus},
    import_jobs,
};
use futures_util::{Stream, stream};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, Order, QueryFilter};

use super::{Page, PageRequest, Scope, pagination::paginate};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult, FieldErrorCode},
    events::{Event, Subscriber},
};

/// The largest file an import accepts; the HTTP layer enforces the same limit on uploads.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// An uploaded file, as the transport received it.
pub struct UploadedFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// Queues an import of sellers from a CSV file; the returned job is QUEUED, its file stored.
#[tracing::instrument(skip(db, file), fields(file = %file.name, bytes = file.content.len()))]
pub async fn import_sellers(
    db: &DatabaseConnection,
    caller: &AuthUser,
    file: UploadedFile,
) -> AppResult<import_jobs::Model> {
    queue(db, caller, ImportKind::Sellers, &sellers::COLUMNS, file).await
}

/// Queues an import of products (one row per variant) from a CSV file; the returned job is
/// QUEUED, its file stored.
#[tracing::instrument(skip(db, file), fields(file = %file.name, bytes = file.content.len()))]
pub async fn import_products(
    db: &DatabaseConnection,
    caller: &AuthUser,
    file: UploadedFile,
) -> AppResult<import_jobs::Model> {
    queue(db, caller, ImportKind::Products, &products::COLUMNS, file).await
}

async fn queue(
    db: &DatabaseConnection,
    caller: &AuthUser,
    kind: ImportKind,
    columns: &'static csv_reader::Columns,
    file: UploadedFile,
) -> AppResult<import_jobs::Model> {
    let aggregator_id = caller.team_aggregator()?;
    let (rows, content) = read_csv(file.content, columns).await?;
    jobs::create(db, caller, aggregator_id, kind, &file.name, rows, content).await
}

/// Checks the file's shape off the async threads (a 20 MiB file takes a moment to scan);
/// returns how many rows it has, and the file.
async fn read_csv(
    content: Vec<u8>,
    columns: &'static csv_reader::Columns,
) -> AppResult<(usize, Vec<u8>)> {
    if content.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid(
            &["file"],
            FieldErrorCode::TooBig,
            format!("is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
        ));
    }
    tokio::task::spawn_blocking(move || {
        csv_reader::read(&content, columns).map(|csv| (csv.rows.len(), content))
    })
    .await
    .map_err(|err| AppError::Internal(anyhow::Error::new(err).context("CSV reader panicked")))?
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<import_jobs::Model> {
    caller.team_aggregator()?;
    Scope::import_jobs(caller)
        .filter(import_jobs::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("import job"))
}

/// The caller's import jobs, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    page: PageRequest,
) -> AppResult<Page<import_jobs::Model>> {
    caller.team_aggregator()?;
    paginate(
        db,
        Scope::import_jobs(caller),
        import_jobs::Column::Id,
        Order::Desc,
        page,
    )
    .await
}

/// Follows a job: yields it now and after every change, and ends once it has finished.
///
/// Reads the job again only when an event names it (or asks every subscriber to re-read), so
/// it sees the progress made on any replica without polling.
pub fn watch(
    db: DatabaseConnection,
    caller: AuthUser,
    id: i64,
    events: Subscriber,
) -> impl Stream<Item = AppResult<import_jobs::Model>> + Send + 'static {
    struct Watch {
        db: DatabaseConnection,
        caller: AuthUser,
        events: Subscriber,
        last: Option<import_jobs::Model>,
        done: bool,
    }
    let start = Watch {
        db,
        caller,
        events,
        last: None,
        done: false,
    };
    stream::unfold(start, move |mut state| async move {
        if state.done {
            return None;
        }
        loop {
            let job = match find(&state.db, &state.caller, id).await {
                Ok(job) => job,
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
            };
            if state.last.as_ref() != Some(&job) {
                state.done = matches!(job.status, ImportStatus::Succeeded | ImportStatus::Failed);
                state.last = Some(job.clone());
                return Some((Ok(job), state));
            }
            loop {
                match state.events.next().await? {
                    Event::ImportJob { id: changed } if changed == id => break,
                    Event::Resync => break,
                    _ => {}
                }
            }
        }
    })
}
