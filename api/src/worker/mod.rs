//! The outbox worker: claims due jobs, delivers them as signed webhooks, records outcomes,
//! and periodically reconciles listings that fell behind their product. Beside it,
//! [`ImportRunner`] runs CSV import jobs.
//!
//! It also sends the queued CDN purges when `CDN_PURGE_URL` is set (`purges`).
//!
//! It runs inside the server by default (`WORKER_ENABLED`), and alone with `dermaga worker`,
//! in any number of copies. Deliveries run concurrently up to `WORKER_BATCH_SIZE`, and at
//! most `WORKER_CHANNEL_CONCURRENCY` per channel, so a slow partner only holds up its own.

mod claim;
mod deliver;
mod dns;
mod finish;
mod imports;
mod order_pulls;
mod order_pushes;
mod purges;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_util::sync::CancellationToken;

pub use claim::claim;
pub use deliver::{Outcome, idempotency_key};
pub use finish::backoff;
pub use imports::{ImportRunner, ImportWake};
pub use order_pulls::OrderPoller;

use crate::{
    config::WorkerSettings, error::AppResult, service::listings::outbox, shutdown::Shutdown,
};

/// One worker: its database, settings, HTTP client and per-channel limits.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    settings: Arc<WorkerSettings>,
    client: reqwest::Client,
    channel_limits: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

/// The worker's HTTP client: bounded by `WORKER_DELIVERY_TIMEOUT_SECONDS`, following no
/// redirect (a partner's redirect could point anywhere, including inside our network), and,
/// with `public_only`, connecting to public addresses only.
fn http_client(settings: &WorkerSettings, public_only: bool) -> reqwest::Result<reqwest::Client> {
    let mut client = reqwest::Client::builder();
    if public_only {
        client = client.dns_resolver(Arc::new(dns::PublicOnly));
    }
    client
        .timeout(settings.delivery_timeout)
        .connect_timeout(settings.delivery_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("dermaga/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Runs `round` until `shutdown`, waiting `idle_wait` after a round that found nothing to do
/// (or failed: logged with `failing`). The loop of the worker's side tasks (purges, order
/// pushes and polls).
async fn run_rounds<F, Fut>(
    shutdown: Shutdown,
    idle_wait: std::time::Duration,
    failing: &str,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = AppResult<usize>>,
{
    while !shutdown.is_triggered() {
        let busy = match round().await {
            Ok(done) => done > 0,
            Err(err) => {
                tracing::warn!(error = %err, "{failing}");
                false
            }
        };
        if !busy {
            tokio::select! {
                () = tokio::time::sleep(idle_wait) => {}
                () = shutdown.triggered() => {}
            }
        }
    }
}

impl Worker {
    pub fn new(db: DatabaseConnection, settings: WorkerSettings) -> anyhow::Result<Self> {
        let client = http_client(&settings, !settings.allow_private_addresses)?;
        Ok(Self {
            db,
            settings: Arc::new(settings),
            client,
            channel_limits: Arc::default(),
        })
    }

    /// Runs the worker on its own task until the handle is aborted: a crash, as far as its
    /// jobs can tell (they are claimed again when their lease runs out).
    pub fn spawn(self) -> tokio::task::JoinHandle<Drained> {
        tokio::spawn(self.run(Shutdown::new(std::time::Duration::ZERO)))
    }

    /// Delivers until `shutdown` is triggered, reconciling every `RECONCILE_INTERVAL_SECONDS`;
    /// then stops claiming, lets the deliveries in flight finish within the grace period,
    /// hands back to the queue whatever it holds after that, and logs what it did.
    pub async fn run(self, shutdown: Shutdown) -> Drained {
        if let Some(endpoint) = self.settings.cdn_purge.clone() {
            match purges::Purger::new(endpoint, (*self.settings).clone()) {
                Ok(purger) => {
                    tokio::spawn(purger.run(self.db.clone(), shutdown.clone()));
                }
                Err(err) => tracing::error!(error = %err, "cannot send CDN purges"),
            }
        }
        let poller =
            order_pulls::OrderPoller::with_client(self.client.clone(), (*self.settings).clone());
        tokio::spawn(poller.run(self.db.clone(), shutdown.clone()));
        let pusher = order_pushes::OrderPusher::new(self.client.clone(), (*self.settings).clone());
        tokio::spawn(pusher.run(self.db.clone(), shutdown.clone()));
        let deliveries = Arc::new(Semaphore::new(self.settings.batch_size));
        let interrupt = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut next_reconcile = tokio::time::Instant::now() + self.settings.reconcile_interval;
        while !shutdown.is_triggered() {
            while tasks.try_join_next().is_some() {}
            if tokio::time::Instant::now() >= next_reconcile {
                next_reconcile += self.settings.reconcile_interval;
                match reconcile(&self.db).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "reconciliation queued listings again"),
                    Err(err) => tracing::warn!(error = %err, "reconciliation failed"),
                }
                if let Err(err) = crate::service::orders::forget_old_signatures(&self.db).await {
                    tracing::warn!(error = %err, "cannot forget old partner signatures");
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
                        let stop = Stop {
                            claiming: shutdown.token(),
                            interrupt: interrupt.clone(),
                        };
                        tasks.spawn(async move {
                            let fate = worker.deliver(job, &stop).await;
                            drop(permit);
                            fate
                        });
                    }
                }
                Ok(_) => self.idle(&shutdown).await,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot claim outbox jobs");
                    self.idle(&shutdown).await;
                }
            }
        }
        let drained = drain(tasks, shutdown.grace(), interrupt).await;
        let (finished, released) = (drained.finished, drained.released);
        match drained.left_to_lease {
            0 => tracing::info!("outbox worker stopped: finished {finished}, released {released}"),
            left => tracing::warn!(
                "outbox worker stopped: finished {finished}, released {released}, \
                 {left} left until their lease runs out"
            ),
        }
        drained
    }

    /// Waits one poll interval, or less when the worker is told to stop.
    async fn idle(&self, shutdown: &Shutdown) {
        tokio::select! {
            () = tokio::time::sleep(self.settings.poll_interval) => {}
            () = shutdown.triggered() => {}
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

    #[tracing::instrument(skip(self, job, stop), fields(job = job.id, listing = job.listing_id))]
    async fn deliver(&self, job: entity::outbox_jobs::Model, stop: &Stop) -> Fate {
        match self.try_deliver(&job, stop).await {
            Ok(fate) => fate,
            Err(err) => {
                // The lease runs out and another attempt follows.
                tracing::warn!(error = %err, "cannot record a delivery");
                Fate::LeftToLease
            }
        }
    }

    async fn try_deliver(&self, job: &entity::outbox_jobs::Model, stop: &Stop) -> AppResult<Fate> {
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
                let _permit = tokio::select! {
                    permit = limit.acquire_owned() => permit.map_err(anyhow::Error::from)?,
                    () = stop.claiming.cancelled() => return self.release(job, false).await,
                };
                // Claimed but not yet sent when the worker was told to stop: hand it back.
                if stop.claiming.is_cancelled() {
                    return self.release(job, false).await;
                }
                if !claim::renew(&self.db, job, self.settings.lease).await? {
                    tracing::info!("the lease ran out while the job waited; another worker has it");
                    return Ok(Fate::Finished);
                }
                let reach = deliver::Reach {
                    public_only: !self.settings.allow_private_addresses,
                    max_response_bytes: self.settings.max_response_bytes,
                };
                let delivery = deliver::deliver(&self.client, &channel, job, reach);
                tokio::select! {
                    done = delivery => done,
                    () = stop.interrupt.cancelled() => return self.release(job, true).await,
                }
            }
            _ => (
                Outcome::Rejected {
                    status: 0,
                    message: "the channel is disabled".to_owned(),
                },
                std::time::Duration::ZERO,
            ),
        };
        finish::finish(&self.db, &self.settings, job, &outcome, took).await?;
        Ok(Fate::Finished)
    }

    async fn release(&self, job: &entity::outbox_jobs::Model, sent: bool) -> AppResult<Fate> {
        finish::release(&self.db, job, sent).await?;
        Ok(Fate::Released)
    }
}

/// What a stopping worker did with the deliveries it held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// Sent and recorded (or found to belong to another worker by then).
    pub finished: usize,
    /// Handed back to the queue, due at once for any worker.
    pub released: usize,
    /// Neither recorded nor handed back (the database did not answer in time): their lease
    /// runs out as after a crash.
    pub left_to_lease: usize,
}

/// How a delivery task ended.
enum Fate {
    Finished,
    Released,
    LeftToLease,
}

/// The two moments of a stop a delivery task watches.
struct Stop {
    /// The worker stops claiming: a job not yet sent is handed back.
    claiming: CancellationToken,
    /// The grace period is over: a delivery still waiting for its partner is abandoned and its
    /// job handed back.
    interrupt: CancellationToken,
}

/// Waits for the delivery tasks: at most `grace` for their partners, then a short allowance to
/// hand back their jobs.
async fn drain(
    mut tasks: JoinSet<Fate>,
    grace: std::time::Duration,
    interrupt: CancellationToken,
) -> Drained {
    const HAND_BACK: std::time::Duration = std::time::Duration::from_secs(2);
    let mut drained = Drained::default();
    let mut deadline = tokio::time::Instant::now() + grace;
    loop {
        let next = tokio::select! {
            next = tasks.join_next() => next,
            () = tokio::time::sleep_until(deadline) => {
                if interrupt.is_cancelled() {
                    drained.left_to_lease += tasks.len();
                    tasks.abort_all();
                    break;
                }
                interrupt.cancel();
                deadline = tokio::time::Instant::now() + HAND_BACK;
                continue;
            }
        };
        match next {
            None => break,
            Some(Ok(Fate::Finished)) => drained.finished += 1,
            Some(Ok(Fate::Released)) => drained.released += 1,
            Some(Ok(Fate::LeftToLease) | Err(_)) => drained.left_to_lease += 1,
        }
    }
    drained
}

/// Queues again the listings that fell behind their product; returns how many.
pub async fn reconcile(db: &DatabaseConnection) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    let queued = outbox::reconcile(&txn).await?;
    txn.commit().await?;
    Ok(queued)
}
