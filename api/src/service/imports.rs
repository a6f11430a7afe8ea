//! Bulk CSV imports of sellers and products.
//!
//! The mutation checks the file's shape at once (UTF-8, comma-separated, the expected header)
//! and stores a QUEUED job with the file, in one transaction. A runner (`worker::ImportRunner`,
//! in any server or `dermaga worker`) claims the job under a lease, validates every row with
//! the same rules as the single-record mutations and writes the good ones in batches, one
//! transaction each, saving the job's counts and next row with the batch. A runner that dies
//! leaves its lease to run out; the next one resumes after the last committed batch.

mod csv_reader;
mod jobs;
mod lease;
mod product_rows;
mod product_store;
mod products;
mod run;
mod sellers;

pub use lease::{claim, retry_or_fail};
pub use run::{Ran, run_claimed};

use std::{fmt::Display, future::Future};

use entity::{
    enums::{ImportKind, ImportStatus, Role},
    import_jobs,
};
use futures_util::{Stream, stream};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, Iterable, Order, QueryFilter, SqlErr,
};
use serde::{Deserialize, Serialize};

use super::{Page, PageRequest, Scope, pagination::paginate};
use crate::{
    auth::AuthUser,
    cache::Cache,
    error::{AppError, AppResult, FieldErrorCode},
    events::{Event, Subscriber},
};

/// The largest file an import accepts; the HTTP layer enforces the same limit on uploads.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// Rows written per transaction.
const BATCH_ROWS: usize = 500;

/// An uploaded file, as the transport received it.
pub struct UploadedFile {
    pub name: String,
    pub content: Vec<u8>,
}

/// One problem of one row, as listed on the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// The line in the file, counted from 1 (the header).
    pub line: u64,
    /// The CSV column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

/// The rejected rows a job lists (the counts always cover every row).
pub fn rejected_rows(job: &import_jobs::Model) -> Vec<RejectedRow> {
    serde_json::from_value(job.rejected_rows.clone()).unwrap_or_default()
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
    let aggregator_id = importing_aggregator(caller)?;
    let (rows, content) = read_csv(file.content, columns).await?;
    jobs::create(db, caller, aggregator_id, kind, &file.name, rows, content).await
}

fn importing_aggregator(caller: &AuthUser) -> AppResult<i64> {
    match (caller.role, caller.aggregator_id) {
        (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator_id)) => Ok(aggregator_id),
        _ => Err(AppError::Forbidden),
    }
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

/// Parses an enum column by its value's name, in any case (`food_and_drink`).
fn one_of<E: Iterable + Display>(
    record: &csv_reader::Record<'_>,
    column: &str,
) -> Result<E, RejectedRow> {
    let raw = record.get(column);
    E::iter()
        .find(|value| value.to_string().eq_ignore_ascii_case(raw))
        .ok_or_else(|| {
            let message = if raw.is_empty() {
                "can't be blank".to_owned()
            } else {
                let names: Vec<String> = E::iter().map(|value| value.to_string()).collect();
                format!("must be one of {}", names.join(", "))
            };
            RejectedRow {
                line: record.line,
                field: Some(column.to_owned()),
                message,
            }
        })
}

/// A validation error of the single-record rules, as rejections naming the CSV columns
/// (`["input", "businessName"]` becomes `business_name`).
fn field_rejections(line: u64, error: AppError) -> Vec<RejectedRow> {
    match error {
        AppError::Invalid(errors) => errors
            .into_iter()
            .map(|error| RejectedRow {
                line,
                field: error.field.last().map(|name| snake_case(name)),
                message: error.message,
            })
            .collect(),
        other => vec![RejectedRow {
            line,
            field: None,
            message: other.to_string(),
        }],
    }
}

fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            snake.push('_');
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// Tells the response cache that a committed batch changed the catalogue, so no replica
/// serves a response from before it.
async fn bump_catalogue_version(cache: &Cache) {
    if let Err(err) = cache.bump_catalogue_version().await {
        tracing::debug!(error = %err, "could not bump the catalogue version");
    }
}

/// Runs a batch again when a concurrent writer took a phone, NIB or SKU between its lookup
/// and its insert: the second run finds that record and updates it instead.
async fn retry_on_conflict<T, F, Fut>(mut attempt: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    const ATTEMPTS: usize = 3;
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(AppError::Db(err))
                if tries < ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                tracing::info!(error = %err, "an import batch raced another writer; retrying");
            }
            result => return result,
        }
    }
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<import_jobs::Model> {
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
