//! Polls the channels that serve their orders (`ordersUrl`) for each aggregator that enabled
//! them: `GET {ordersUrl}?aggregator={slug}&since={cursor}`, signed, answered with
//! `{"events": [...], "nextCursor": "..."}` (`docs/partners.md`, "Orders Dermaga polls").
//! Failures are tried again with the deliveries' backoff, honouring `Retry-After`; the cursor
//! moves only once the answer's events are recorded.

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::{
    deliver::{read_capped, retry_after},
    finish::backoff,
};
use crate::{
    config::WorkerSettings,
    domain::signature,
    error::AppResult,
    service::orders::pull::{self, DuePull},
    shutdown::Shutdown,
};

/// Polls claimed at once.
const POLLS_PER_ROUND: u64 = 20;
/// The largest answer read: a channel pages its events below it.
pub const MAX_POLL_BYTES: usize = 1024 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    events: Vec<serde_json::Value>,
    next_cursor: Option<String>,
}

pub struct OrderPoller {
    client: reqwest::Client,
    settings: WorkerSettings,
}

impl OrderPoller {
    /// A poller with an HTTP client of its own, as the worker's is built.
    pub fn new(settings: WorkerSettings) -> anyhow::Result<Self> {
        let client = super::http_client(&settings, !settings.allow_private_addresses)?;
        Ok(Self::with_client(client, settings))
    }

    /// With the worker's HTTP client.
    pub(super) fn with_client(client: reqwest::Client, settings: WorkerSettings) -> Self {
        Self { client, settings }
    }

    /// Polls what is due until `shutdown`, waiting a worker poll interval when nothing is.
    pub async fn run(self, db: DatabaseConnection, shutdown: Shutdown) {
        let (this, db) = (&self, &db);
        super::run_rounds(
            shutdown,
            self.settings.poll_interval,
            "cannot poll channels for orders",
            move || this.poll_due(db),
        )
        .await;
    }

    /// Claims and runs one round of due polls; how many it claimed.
    pub async fn poll_due(&self, db: &DatabaseConnection) -> AppResult<usize> {
        let due = pull::claim_due(db, POLLS_PER_ROUND, self.settings.lease).await?;
        for poll in &due {
            match self.fetch(poll).await {
                Ok(page) => {
                    let recorded = pull::record_events(db, poll, &page.events).await?;
                    let problems = (!recorded.refused.is_empty()).then(|| {
                        tracing::warn!(channel = poll.channel.code, refused = ?recorded.refused, "a polled channel sent events that cannot be recorded");
                        recorded.refused.join("; ")
                    });
                    // A full page may have more behind it: ask again at once.
                    let next_in = if page.events.is_empty() {
                        self.settings.orders_poll_interval
                    } else {
                        Duration::ZERO
                    };
                    pull::polled(db, poll.id, page.next_cursor.as_deref(), next_in, problems)
                        .await?;
                }
                Err((error, asked)) => {
                    let delay = backoff(&self.settings, poll.attempts + 1, asked);
                    tracing::warn!(
                        channel = poll.channel.code,
                        error,
                        "polling a channel for orders failed"
                    );
                    pull::poll_failed(db, poll.id, &error, delay).await?;
                }
            }
        }
        Ok(due.len())
    }

    async fn fetch(&self, poll: &DuePull) -> Result<Page, (String, Option<Duration>)> {
        let Some(base) = poll.channel.orders_url.as_deref() else {
            return Err(("the channel has no ordersUrl".to_owned(), None));
        };
        let mut url =
            url::Url::parse(base).map_err(|err| (format!("bad ordersUrl: {err}"), None))?;
        url.query_pairs_mut()
            .append_pair("aggregator", &poll.aggregator_slug)
            .append_pair("since", poll.cursor.as_deref().unwrap_or(""));
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let timestamp = Utc::now().timestamp();
        let response = self
            .client
            .get(url.as_str())
            .header(reqwest::header::ACCEPT, "application/json")
            .header("x-dermaga-timestamp", timestamp.to_string())
            .header(
                "x-dermaga-signature",
                signature::header(&poll.channel.signing_secret, timestamp, target.as_bytes()),
            )
            .send()
            .await
            .map_err(|err| {
                (
                    format!("the channel could not be reached: {}", err.without_url()),
                    None,
                )
            })?;
        let status = response.status();
        let asked = retry_after(response.headers());
        if !status.is_success() {
            return Err((format!("the channel answered {status}"), asked));
        }
        let body = read_capped(response, MAX_POLL_BYTES + 1)
            .await
            .map_err(|err| (err, None))?;
        if body.len() > MAX_POLL_BYTES {
            return Err((
                format!("the answer is over {MAX_POLL_BYTES} bytes: page it"),
                None,
            ));
        }
        serde_json::from_slice(&body).map_err(|err| {
            (
                format!("the answer is not {{\"events\": [...], \"nextCursor\": ...}}: {err}"),
                None,
            )
        })
    }
}
