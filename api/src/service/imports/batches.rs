//! What the seller and product writers share: the parsed file, the rows still to write, the
//! batch size, the retry of a batch that raced another writer, and how their batches ended.

use std::future::Future;

use entity::import_jobs;
use sea_orm::SqlErr;
use tokio_util::sync::CancellationToken;

use super::csv_reader::{self, Columns, CsvFile};
use crate::{
    cache::Cache,
    error::{AppError, AppResult},
    service::invalidation,
};

/// Rows written per transaction.
pub(super) const BATCH_ROWS: usize = 500;

/// How a kind's batches ended.
pub(super) enum Batches {
    Done,
    Stopped,
    LeaseLost,
}

/// Reads and parses the file off the async threads (a 20 MiB file takes a moment); `None`
/// when `stop` comes first.
pub(super) async fn parse_file<T: Send + 'static>(
    content: Vec<u8>,
    columns: &'static Columns,
    parse_all: fn(&CsvFile) -> T,
    stop: &CancellationToken,
) -> AppResult<Option<T>> {
    let parsing = tokio::task::spawn_blocking(move || {
        csv_reader::read(&content, columns).map(|csv| parse_all(&csv))
    });
    tokio::select! {
        parsed = parsing => {
            parsed.map_err(|err| AppError::Internal(anyhow::Error::new(err)))?.map(Some)
        }
        () = stop.cancelled() => Ok(None),
    }
}

/// What is left of a job's parsed file after the first `done` entries (rows, or products),
/// or an error when the file has fewer (it does not match the job).
pub(super) fn unprocessed<'a, T>(
    job: &import_jobs::Model,
    parsed: &'a [T],
    done: usize,
) -> AppResult<&'a [T]> {
    parsed.get(done..).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "import job {} cannot resume after {} processed rows: its file does not reach them",
            job.id,
            job.processed_rows
        ))
    })
}

/// Writes a batch (one transaction, retried on conflicts), then tells the response cache what
/// it changed, so no replica serves a response from before it. Only the attempt that
/// committed is published.
pub(super) async fn write_and_publish<T, F, Fut>(cache: &Cache, mut attempt: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    let (written, changed) = retry_on_conflict(|| {
        let attempt = attempt();
        async {
            let (written, changed) = invalidation::collecting(cache, attempt).await;
            written.map(|written| (written, changed))
        }
    })
    .await?;
    invalidation::publish(cache, changed).await;
    Ok(written)
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
