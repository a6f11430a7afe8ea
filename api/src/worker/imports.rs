//! The import runner: claims import jobs and runs them, one at a time, until told to stop.
//!
//! Every server runs one (`IMPORT_WORKER_ENABLED`), and so does `dermaga worker`. An upload
//! wakes its own server's runner at once, so small imports finish within moments; the others
//! look for work every `IMPORT_POLL_INTERVAL_MS`, which is also how a job whose runner died
//! is found once its lease has run out.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    cache::Cache,
    config::ImportSettings,
    error::AppError,
    service::imports::{self, Ran},
};

/// Wakes the runner of this process: a job was just queued.
#[derive(Clone, Debug, Default)]
pub struct ImportWake(Arc<Notify>);

impl ImportWake {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

pub struct ImportRunner {
    db: DatabaseConnection,
    cache: Cache,
    settings: ImportSettings,
    wake: ImportWake,
}

impl ImportRunner {
    pub fn new(
        db: DatabaseConnection,
        cache: Cache,
        settings: ImportSettings,
        wake: ImportWake,
    ) -> Self {
        Self {
            db,
            cache,
            settings,
            wake,
        }
    }

    /// Runs on its own task; see [`Self::run`].
    pub fn spawn(self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run(stop))
    }

    /// Runs jobs until `stop` is cancelled. A job being run then finishes its current batch
    /// (whose transaction commits or not), is given back, and this returns: no lease is left
    /// behind.
    pub async fn run(self, stop: CancellationToken) {
        loop {
            if stop.is_cancelled() {
                break;
            }
            match imports::claim(&self.db, self.settings.lease).await {
                Ok(Some(job)) => {
                    self.run_job(job, &stop).await;
                    continue;
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "cannot claim import jobs"),
            }
            tokio::select! {
                () = stop.cancelled() => break,
                () = self.wake.0.notified() => {}
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
        tracing::info!("import runner stopped");
    }

    /// Runs one claimed job on a task of its own, so that a panic fails this attempt only.
    async fn run_job(&self, job: entity::import_jobs::Model, stop: &CancellationToken) {
        let task = tokio::spawn({
            let (db, cache, job, stop) = (
                self.db.clone(),
                self.cache.clone(),
                job.clone(),
                stop.clone(),
            );
            let (max_attempts, lease) = (self.settings.max_attempts, self.settings.lease);
            async move { imports::run_claimed(&db, &cache, &job, max_attempts, lease, &stop).await }
        });
        let failure = match task.await {
            Ok(Ok(ran)) => {
                match ran {
                    Ran::Stopped => tracing::info!(job = job.id, "import job given back"),
                    Ran::LeaseLost => tracing::warn!(job = job.id, "import job taken over"),
                    Ran::Finished => {}
                }
                return;
            }
            Ok(Err(error)) => error,
            Err(join) => AppError::Internal(anyhow::anyhow!("the import task failed: {join}")),
        };
        let retried = imports::retry_or_fail(
            &self.db,
            &job,
            self.settings.max_attempts,
            self.settings.poll_interval,
            failure,
        )
        .await;
        if let Err(err) = retried {
            // The lease runs out and another runner retries the job.
            tracing::warn!(job = job.id, error = %err, "cannot give back a failed import job");
        }
    }
}
