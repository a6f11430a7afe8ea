//! Sends the queued order status changes (`service::orders::pushes`) to each order's channel:
//! a signed POST to its webhook URL, as listings are sent (`docs/partners.md`). A 2xx answer
//! is done; `408`, `429`, `5xx` or no answer is tried again with backoff (honouring
//! `Retry-After`) up to `WORKER_MAX_ATTEMPTS`; another `4xx` is given up on at once.

use std::time::Duration;

use chrono::Utc;
use entity::channels;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::{
    deliver::{retry_after, retryable},
    finish::backoff,
};
use crate::{
    config::WorkerSettings,
    domain::signature,
    error::AppResult,
    service::orders::pushes::{self, Push},
    shutdown::Shutdown,
};

/// Pushes claimed and sent together.
const PUSHES_PER_ROUND: u64 = 50;

pub struct OrderPusher {
    client: reqwest::Client,
    settings: WorkerSettings,
}

/// Why a push was not accepted, and whether to try again.
struct Refused {
    reason: String,
    retry: bool,
    retry_after: Option<Duration>,
}

impl OrderPusher {
    /// With the worker's HTTP client (its timeouts, no redirects, public addresses only).
    pub fn new(client: reqwest::Client, settings: WorkerSettings) -> Self {
        Self { client, settings }
    }

    /// Sends due pushes until `shutdown`, waiting a poll interval whenever none is due.
    pub async fn run(self, db: DatabaseConnection, shutdown: Shutdown) {
        let (this, db) = (&self, &db);
        super::run_rounds(
            shutdown,
            self.settings.poll_interval,
            "cannot send order status to channels",
            move || this.send_due(db),
        )
        .await;
    }

    /// Claims and sends one round of due pushes; how many it claimed.
    pub async fn send_due(&self, db: &DatabaseConnection) -> AppResult<usize> {
        let claimed = pushes::claim(db, PUSHES_PER_ROUND, self.settings.lease).await?;
        for push in &claimed {
            let channel = channels::Entity::find_by_id(push.channel_id)
                .one(db)
                .await?;
            let outcome = match channel {
                Some(channel) => self.send(&channel, push).await,
                None => Err(Refused {
                    reason: "the channel no longer exists".to_owned(),
                    retry: false,
                    retry_after: None,
                }),
            };
            match outcome {
                Ok(()) => pushes::delivered(db, push.id).await?,
                Err(refused) => {
                    let attempts = push.attempts + 1;
                    let retry_in = (refused.retry && attempts < self.settings.max_attempts)
                        .then(|| backoff(&self.settings, attempts, refused.retry_after));
                    if retry_in.is_none() {
                        tracing::warn!(
                            reason = refused.reason,
                            push = push.id,
                            "an order status push failed"
                        );
                    }
                    pushes::failed(db, push.id, &refused.reason, retry_in).await?;
                }
            }
        }
        Ok(claimed.len())
    }

    async fn send(&self, channel: &channels::Model, push: &Push) -> Result<(), Refused> {
        let Some(url) = channel.webhook_url.as_deref() else {
            return Err(Refused {
                reason: "the channel has no webhook URL".to_owned(),
                retry: false,
                retry_after: None,
            });
        };
        let timestamp = Utc::now().timestamp();
        let body = push.payload.as_bytes();
        let answer = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("x-dermaga-event", &push.event)
            .header("x-dermaga-timestamp", timestamp.to_string())
            .header(
                "x-dermaga-signature",
                signature::header(&channel.signing_secret, timestamp, body),
            )
            .header("idempotency-key", format!("order-push-{}", push.id))
            .body(push.payload.clone())
            .send()
            .await
            .map_err(|err| Refused {
                reason: format!("the channel could not be reached: {err}"),
                retry: true,
                retry_after: None,
            })?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        Err(Refused {
            reason: format!("the channel answered {status}"),
            retry: retryable(status),
            retry_after: retry_after(answer.headers()),
        })
    }
}
