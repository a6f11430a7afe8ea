//! Change events: what subscriptions wait for, instead of each polling the database.
//!
//! A write that changes what a subscription shows calls [`notify`] on its transaction. On
//! PostgreSQL that is `pg_notify`, which the server delivers when (and only if) the transaction
//! commits, to every process that listens; each process holds one `LISTEN` connection
//! (`postgres.rs`) and fans the events out to its subscribers over a `tokio::sync::broadcast`.
//! A subscriber re-reads only the row an event names.
//!
//! SQLite has no NOTIFY. There the event is written to `change_events` in the same transaction,
//! and one poller per process reads the rows added since its last look, every 250 ms while
//! anybody subscribes (`sqlite.rs`): one indexed statement per tick for the whole process,
//! however many subscriptions it serves, and none while nobody subscribes. Publishing into the
//! in-process bus after the commit would cost no statement at all, but every write path that
//! can change a listing (product and seller edits, imports, the worker) would have to carry a
//! handle to the bus and remember to publish after its commit; the table keeps [`notify`] one
//! call on the transaction, like `pg_notify`, and also carries the events of a
//! `dermaga worker` started as another process on the same file.

mod postgres;
mod sqlite;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{db::statement, error::AppResult};

/// The PostgreSQL channel every replica listens on.
const CHANNEL: &str = "dermaga_events";
/// PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES: usize = 7_000;
/// Events a subscriber may fall behind by before it is told to re-read ([`Event::Resync`]).
const BUFFERED_EVENTS: usize = 4_096;

/// Something committed that a subscription may show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A listing's status or delivery changed (its product, when the writer knew it).
    Listing {
        id: i64,
        aggregator_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        product_id: Option<i64>,
    },
    /// An import job's status or counts changed.
    ImportJob { id: i64 },
    /// An order arrived or changed.
    Order {
        id: i64,
        aggregator_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seller_id: Option<i64>,
    },
    /// Sessions of this user were revoked (logout, a reused refresh token, a disabled login).
    SessionsRevoked { user_id: i64 },
    /// Events may have been missed (the listener reconnected, a subscriber fell behind, a bulk
    /// change named no rows): every subscriber re-reads once.
    Resync,
}

impl Event {
    pub fn listing(listing: &entity::channel_listings::Model) -> Self {
        Self::Listing {
            id: listing.id,
            aggregator_id: listing.aggregator_id,
            product_id: Some(listing.product_id),
        }
    }

    pub fn order(order: &entity::orders::Model) -> Self {
        Self::Order {
            id: order.id,
            aggregator_id: order.aggregator_id,
            seller_id: order.seller_id,
        }
    }

    /// A listing named by an outbox job (which does not name the product).
    pub fn listing_of(job: &entity::outbox_jobs::Model) -> Self {
        Self::Listing {
            id: job.listing_id,
            aggregator_id: job.aggregator_id,
            product_id: None,
        }
    }
}

/// Records `events` on `db`, to be delivered when its transaction commits (at once outside a
/// transaction). Costs one statement per call, whatever the number of events.
pub async fn notify(db: &impl ConnectionTrait, events: &[Event]) -> AppResult<()> {
    for payload in payloads(events)? {
        let backend = db.get_database_backend();
        let (sql, values): (_, Vec<sea_orm::Value>) = match backend {
            DbBackend::Postgres => (
                "SELECT pg_notify(?, ?)",
                vec![CHANNEL.into(), payload.into()],
            ),
            _ => (
                "INSERT INTO change_events (payload, created_at) VALUES (?, ?)",
                vec![payload.into(), chrono::Utc::now().timestamp_millis().into()],
            ),
        };
        db.execute_raw(statement(backend, sql, values)).await?;
    }
    Ok(())
}

/// The events as JSON arrays, each small enough for one NOTIFY.
fn payloads(events: &[Event]) -> AppResult<Vec<String>> {
    let mut payloads = Vec::new();
    let mut batch: Vec<String> = Vec::new();
    let mut size = 2;
    for event in events {
        let json = serde_json::to_string(event).map_err(anyhow::Error::from)?;
        if !batch.is_empty() && size + json.len() + 1 > MAX_PAYLOAD_BYTES {
            payloads.push(format!("[{}]", batch.join(",")));
            batch.clear();
            size = 2;
        }
        size += json.len() + 1;
        batch.push(json);
    }
    if !batch.is_empty() {
        payloads.push(format!("[{}]", batch.join(",")));
    }
    Ok(payloads)
}

/// The events of one payload; a payload that does not parse (another version's) means the
/// subscribers re-read.
fn parse(payload: &str) -> Vec<Event> {
    serde_json::from_str(payload).unwrap_or_else(|err| {
        tracing::warn!(error = %err, "an event payload did not parse: subscribers re-read");
        vec![Event::Resync]
    })
}

/// This process's events, for subscriptions to wait on. Cloning shares it.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl EventBus {
    /// A bus nothing publishes to but [`EventBus::publish`] (tests, tools).
    pub fn detached() -> Self {
        let (sender, _) = broadcast::channel(BUFFERED_EVENTS);
        Self { sender }
    }

    /// Starts this process's listener (PostgreSQL) or poller (SQLite) and returns its bus.
    pub fn start(db: &DatabaseConnection) -> Self {
        let bus = Self::detached();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool().clone();
                tokio::spawn(postgres::listen(pool, bus.clone()));
            }
            _ => {
                tokio::spawn(sqlite::poll(db.clone(), bus.clone()));
            }
        }
        bus
    }

    /// Starts receiving the events published from now on.
    pub fn subscribe(&self) -> Subscriber {
        Subscriber(self.sender.subscribe())
    }

    /// Hands an event to every subscriber of this process.
    pub fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody is waiting.
        let _ = self.sender.send(event);
    }

    fn has_subscribers(&self) -> bool {
        self.sender.receiver_count() > 0
    }
}

/// One subscriber's view of the bus.
pub struct Subscriber(broadcast::Receiver<Event>);

impl Subscriber {
    /// The next event; [`Event::Resync`] when this subscriber fell behind; `None` once the bus
    /// is gone.
    pub async fn next(&mut self) -> Option<Event> {
        match self.0.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Resync),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_small_json_arrays() {
        let events = vec![
            Event::ImportJob { id: 7 },
            Event::SessionsRevoked { user_id: 3 },
            Event::Resync,
        ];
        let payloads = payloads(&events).unwrap();
        assert_eq!(payloads.len(), 1);
        assert_eq!(parse(&payloads[0]), events);
    }

    #[test]
    fn many_events_are_split_below_the_notify_limit() {
        let events: Vec<Event> = (0..2_000)
            .map(|id| Event::Listing {
                id,
                aggregator_id: 1,
                product_id: Some(id),
            })
            .collect();
        let payloads = payloads(&events).unwrap();
        assert!(payloads.len() > 1);
        assert!(payloads.iter().all(|p| p.len() <= MAX_PAYLOAD_BYTES));
        let parsed: Vec<Event> = payloads.iter().flat_map(|p| parse(p)).collect();
        assert_eq!(parsed, events);
    }

    #[test]
    fn an_unknown_payload_asks_for_a_re_read() {
        assert_eq!(parse("{\"kind\":\"from_the_future\"}"), [Event::Resync]);
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_re_read() {
        let bus = EventBus::detached();
        let mut subscriber = bus.subscribe();
        for id in 0..(BUFFERED_EVENTS as i64 + 10) {
            bus.publish(Event::ImportJob { id });
        }
        assert_eq!(subscriber.next().await, Some(Event::Resync));
    }
}
