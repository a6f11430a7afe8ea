//! The outbox worker: claims due jobs, delivers them as signed webhooks, records outcomes,
//! and periodically reconciles listings that fell behind their product. Beside it,
//! [`ImportRunner`] runs CSV import jobs.
//!
//! It runs inside the server by default (`WORKER_ENABLED`), and alone with `dermaga worker`,
//! in any number of copies. Deliveries run concurrently up to `WORKER_BATCH_SIZE`, and at
//! most `WORKER_CHANNEL_CONCURRENCY` per channel, so a slow partner only holds up its own.

mod claim;
mod deliver;
mod finish;
mod imports;
mod resolver;
pub mod signature;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::{sync::Semaphore, task::JoinSet};

pub use claim::claim;
pub use deliver::{Outcome, idempotency_key};
pub use finish::backoff;
pub use imports::{ImportRunner, ImportWake};

use crate::{config::WorkerSettings, error::AppResult, service::outbox};

/// One worker: its database, settings, HTTP client and per-channel limits.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    settings: Arc<WorkerSettings>,
    client: reqwest::Client,
    channel_limits: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

impl Worker {
    pub fn new(db: DatabaseConnection, settings: WorkerSettings) -> anyhow::Result<Self> {
        let mut client = reqwest::Client::builder();
        if !settings.allow_private_addresses {
            client = client.dns_resolver(Arc::new(resolver::PublicOnly));
        }
        let client = client
            .timeout(settings.delivery_timeout)
            .connect_timeout(settings.delivery_timeout)
            // A partner's redirect could point anywhere, including inside our network.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("dermaga/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            client,
            channel_limits: Arc::default(),
        })
    }

    /// Runs the worker on its own task; aborting the handle stops it with every delivery it
    /// has in flight (their jobs are claimed again when their lease runs out).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    /// Delivers until dropped, reconciling every `RECONCILE_INTERVAL_SECONDS`.
    pub async fn run(self) {
        let deliveries = Arc::new(Semaphore::new(self.settings.batch_size));
        let mut tasks = JoinSet::new();
        let mut next_reconcile = tokio::time::Instant::now() + self.settings.reconcile_interval;
        loop {
            while tasks.try_join_next().is_some() {}
            if tokio::time::Instant::now() >= next_reconcile {
                next_reconcile += self.settings.reconcile_interval;
                match reconcile(&self.db).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "reconciliation queued listings again"),
                    Err(err) => tracing::warn!(error = %err, "reconciliation failed"),
                }
            }
            let free = deliveries.available_permits();
            let claimed = if free == 0 {
                Ok(Vec::new())
            } else {
                claim(&self.db, free, self.settings.lease).await
            };
            match claimed {
                Ok(jobs) if !jobs.is_empty() => {
                    for job in jobs {
                        let Ok(permit) = deliveries.clone().try_acquire_owned() else {
                            break;
                        };
                        let worker = self.clone();
                        tasks.spawn(async move {
                            worker.deliver(job).await;
                            drop(permit);
                        });
                    }
                }
                Ok(_) => tokio::time::sleep(self.settings.poll_interval).await,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot claim outbox jobs");
                    tokio::time::sleep(self.settings.poll_interval).await;
                }
            }
        }
    }

    fn channel_limit(&self, channel_id: i64) -> Arc<Semaphore> {
        let mut limits = self
            .channel_limits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        limits
            .entry(channel_id)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.channel_concurrency)))
            .clone()
    }

    #[tracing::instrument(skip(self, job), fields(job = job.id, listing = job.listing_id))]
    async fn deliver(&self, job: entity::outbox_jobs::Model) {
        if let Err(err) = self.try_deliver(&job).await {
            // The lease runs out and another attempt follows.
            tracing::warn!(error = %err, "cannot record a delivery");
        }
    }

    async fn try_deliver(&self, job: &entity::outbox_jobs::Model) -> AppResult<()> {
        let listing = entity::channel_listings::Entity::find_by_id(job.listing_id)
            .one(&self.db)
            .await?;
        let channel = match listing {
            Some(listing) => {
                entity::channels::Entity::find_by_id(listing.channel_id)
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let (outcome, took) = match channel {
            Some(channel) if channel.is_active => {
                let limit = self.channel_limit(channel.id);
                let _permit = limit.acquire_owned().await.map_err(anyhow::Error::from)?;
                if !claim::renew(&self.db, job, self.settings.lease).await? {
                    tracing::info!("the lease ran out while the job waited; another worker has it");
                    return Ok(());
                }
                deliver::deliver(
                    &self.client,
                    &channel,
                    job,
                    self.settings.max_response_bytes,
                )
                .await
            }
            _ => (
                Outcome::Rejected {
                    status: 0,
                    message: "the channel is disabled".to_owned(),
                },
                std::time::Duration::ZERO,
            ),
        };
        finish::finish(&self.db, &self.settings, job, &outcome, took).await
    }
}

/// Queues again the listings that fell behind their product; returns how many.
pub async fn reconcile(db: &DatabaseConnection) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    let queued = outbox::reconcile(&txn).await?;
    txn.commit().await?;
    Ok(queued)
}
