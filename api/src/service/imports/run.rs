//! Running a claimed job: its file is read back from the database and parsed again (a file
//! always parses to the same rows), the rows before `processed_rows` are skipped, and the rest
//! is written batch after batch until the end, a stop, or a lost lease.

use std::time::Duration;

use entity::{enums::ImportKind, import_files, import_jobs};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio_util::sync::CancellationToken;

use super::{
    batches::Batches,
    jobs::{self, Failure},
    lease, products, sellers,
};
use crate::{
    cache::Cache,
    error::{AppError, AppResult},
};

/// How a runner's turn with a job ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ran {
    /// SUCCEEDED or FAILED, its file deleted.
    Finished,
    /// Stopped between two batches and given back; the next runner carries on.
    Stopped,
    /// Another runner took the job over (this one's lease ran out); nothing more was written.
    LeaseLost,
}

/// Runs a claimed job from its last committed batch. An `Err` is a failed attempt (the
/// database, a bug): the caller gives the job back for a retry, or fails it after the last
/// attempt ([`lease::retry_or_fail`]). A job claimed more than `max_attempts` times without
/// progress is failed here.
#[tracing::instrument(skip_all, fields(job = job.id, attempt = job.attempts))]
pub async fn run_claimed(
    db: &DatabaseConnection,
    cache: &Cache,
    job: &import_jobs::Model,
    max_attempts: i32,
    lease_for: Duration,
    stop: &CancellationToken,
) -> AppResult<Ran> {
    let ended = |finished: bool| {
        if finished {
            Ran::Finished
        } else {
            Ran::LeaseLost
        }
    };
    if job.attempts > max_attempts {
        let failure = Failure::Exhausted {
            attempts: job.attempts - 1,
        };
        return Ok(ended(jobs::finish(db, job, Some(failure)).await?));
    }
    let Some(file) = import_files::Entity::find_by_id(job.id).one(db).await? else {
        return Ok(ended(
            jobs::finish(db, job, Some(Failure::FileMissing)).await?,
        ));
    };
    let batches = match job.kind {
        ImportKind::Sellers => sellers::run(db, cache, job, file.content, lease_for, stop).await,
        ImportKind::Products => products::run(db, cache, job, file.content, lease_for, stop).await,
    };
    match batches {
        Ok(Batches::Done) => Ok(ended(jobs::finish(db, job, None).await?)),
        Ok(Batches::Stopped) => {
            lease::release(db, job).await?;
            Ok(Ran::Stopped)
        }
        Ok(Batches::LeaseLost) => Ok(Ran::LeaseLost),
        Err(error @ (AppError::Db(_) | AppError::Cache(_) | AppError::Internal(_))) => Err(error),
        Err(error) => Ok(ended(
            jobs::finish(db, job, Some(Failure::Error(error))).await?,
        )),
    }
}
