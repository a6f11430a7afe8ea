//! SQLite's stand-in for LISTEN: one poller per process over `change_events`.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

use super::{Event, EventBus, parse};
use crate::{db::statement, error::AppResult};

const EVERY: Duration = Duration::from_millis(250);
/// Rows older than this are deleted: every process has read them long before.
const KEEP_FOR: Duration = Duration::from_secs(300);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const BATCH: u64 = 1_000;

/// Publishes the rows committed since the last look, while anybody subscribes. On the first
/// look after an idle spell it only notes where the table ends, and has every subscriber
/// re-read once (a change may have committed between a subscription's start and that look).
pub(super) async fn poll(db: DatabaseConnection, bus: EventBus) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut next_prune = tokio::time::Instant::now() + PRUNE_EVERY;
    let mut last_seen: Option<i64> = None;
    loop {
        tick.tick().await;
        if tokio::time::Instant::now() >= next_prune {
            next_prune += PRUNE_EVERY;
            if let Err(err) = prune(&db).await {
                tracing::warn!(error = %err, "could not prune old change events");
            }
        }
        if !bus.has_subscribers() {
            last_seen = None;
            continue;
        }
        let result = match last_seen {
            None => newest(&db).await.inspect(|_| bus.publish(Event::Resync)),
            Some(after) => since(&db, after).await.map(|rows| {
                let newest = rows.last().map_or(after, |(id, _)| *id);
                for (_, payload) in rows {
                    for event in parse(&payload) {
                        bus.publish(event);
                    }
                }
                newest
            }),
        };
        match result {
            Ok(newest) => last_seen = Some(newest),
            Err(err) => tracing::warn!(error = %err, "could not read change events"),
        }
    }
}

async fn newest(db: &DatabaseConnection) -> AppResult<i64> {
    let row = db
        .query_one_raw(statement(
            DbBackend::Sqlite,
            "SELECT COALESCE(MAX(id), 0) AS id FROM change_events",
            vec![],
        ))
        .await?;
    Ok(row.map_or(Ok(0), |row| row.try_get::<i64>("", "id"))?)
}

async fn since(db: &DatabaseConnection, after: i64) -> AppResult<Vec<(i64, String)>> {
    let rows = db
        .query_all_raw(statement(
            DbBackend::Sqlite,
            "SELECT id, payload FROM change_events WHERE id > ? ORDER BY id LIMIT ?",
            vec![after.into(), BATCH.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "payload")?)))
        .collect()
}

async fn prune(db: &DatabaseConnection) -> AppResult<()> {
    let cutoff = chrono::Utc::now().timestamp_millis() - KEEP_FOR.as_millis() as i64;
    db.execute_raw(statement(
        DbBackend::Sqlite,
        "DELETE FROM change_events WHERE created_at < ?",
        vec![cutoff.into()],
    ))
    .await?;
    Ok(())
}
