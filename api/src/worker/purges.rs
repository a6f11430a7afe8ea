//! Sends the queued CDN purges (`service::cdn_purges`) to `CDN_PURGE_URL`: a signed POST of
//! `{"tags": [...]}`, with the same tags in `Surrogate-Key` (space-separated, as Fastly's bulk
//! purge takes them), at most `MAX_TAGS_PER_PURGE` per request. The endpoint is the operator's
//! own, so private addresses are allowed; any 2xx answer counts as done.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use super::finish::backoff;
use crate::domain::signature;
use crate::{
    config::{CdnPurge, WorkerSettings},
    service::cdn_purges,
    shutdown::Shutdown,
};

/// Fastly's limit of keys per bulk purge.
const MAX_TAGS_PER_PURGE: usize = 256;
/// Queued purges claimed and sent together.
const ROWS_PER_ROUND: u64 = 100;

pub struct Purger {
    client: reqwest::Client,
    endpoint: CdnPurge,
    settings: WorkerSettings,
}

impl Purger {
    pub fn new(endpoint: CdnPurge, settings: WorkerSettings) -> anyhow::Result<Self> {
        let client = super::http_client(&settings, false)?;
        Ok(Self {
            client,
            endpoint,
            settings,
        })
    }

    /// Sends due purges until `shutdown`, waiting a poll interval whenever none is due.
    pub async fn run(self, db: DatabaseConnection, shutdown: Shutdown) {
        let (this, db) = (&self, &db);
        super::run_rounds(
            shutdown,
            self.settings.poll_interval,
            "cannot send CDN purges",
            move || this.send_due(db),
        )
        .await;
    }

    /// Claims and sends one round of due purges; how many queued rows it sent.
    pub async fn send_due(&self, db: &DatabaseConnection) -> crate::error::AppResult<usize> {
        let claimed = cdn_purges::claim(db, ROWS_PER_ROUND, self.settings.lease).await?;
        if claimed.ids.is_empty() {
            return Ok(0);
        }
        let mut failure = None;
        for tags in claimed.tags.chunks(MAX_TAGS_PER_PURGE) {
            if let Err(reason) = self.send(tags).await {
                failure = Some(reason);
                break;
            }
        }
        match failure {
            None => {
                cdn_purges::sent(db, &claimed.ids).await?;
                Ok(claimed.ids.len())
            }
            Some((reason, retry_after)) => {
                tracing::warn!(reason, "the CDN refused a purge; it is tried again later");
                let delay = backoff(&self.settings, claimed.attempts + 1, retry_after);
                cdn_purges::failed(db, &claimed.ids, delay, &reason).await?;
                Ok(0)
            }
        }
    }

    async fn send(&self, tags: &[String]) -> Result<(), (String, Option<Duration>)> {
        let body = serde_json::json!({ "tags": tags }).to_string();
        let timestamp = Utc::now().timestamp();
        let signed = signature::header(
            self.endpoint.secret.expose_secret(),
            timestamp,
            body.as_bytes(),
        );
        let answer = self
            .client
            .post(&self.endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("surrogate-key", tags.join(" "))
            .header("x-dermaga-signature", signed)
            .body(body)
            .send()
            .await
            .map_err(|err| {
                (
                    format!("the purge endpoint could not be reached: {err}"),
                    None,
                )
            })?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        Err((
            format!("the purge endpoint answered {status}"),
            super::deliver::retry_after(answer.headers()),
        ))
    }
}
