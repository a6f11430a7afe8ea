//! Orders polled from channels that must be asked (an `ordersUrl`): per aggregator that
//! enabled such a channel, a cursor that the next poll resumes from, stored once the events a
//! poll returned are recorded, so a restart neither loses nor doubles an order (an event seen
//! again is recorded once, by `order_events`).

use std::time::Duration;

use chrono::Utc;
use entity::{aggregators, channels};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
};

use super::{document, inbound::record};
use crate::{db::statement, error::AppResult};

/// One aggregator's poll of one channel, claimed for this worker.
#[derive(Debug)]
pub struct DuePull {
    pub id: i64,
    pub aggregator_slug: String,
    pub channel: channels::Model,
    /// Where the last poll ended; `None` before the first.
    pub cursor: Option<String>,
    pub attempts: i32,
}

/// What recording a poll's events came to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub recorded: usize,
    /// Events that could not be recorded, with why (kept as the poll's `last_error`).
    pub refused: Vec<String>,
}

/// Claims up to `limit` polls that are due, for `lease`.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    limit: u64,
    lease: Duration,
) -> AppResult<Vec<DuePull>> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    // Every aggregator that enabled a polled channel has its row, due at once when new.
    db.execute_raw(statement(
        backend,
        "INSERT INTO order_pulls (aggregator_id, channel_id, attempts, next_poll_at, updated_at) \
         SELECT ac.aggregator_id, ac.channel_id, 0, ?, ? FROM aggregator_channels ac \
         JOIN channels c ON c.id = ac.channel_id WHERE c.orders_url IS NOT NULL \
         ON CONFLICT (aggregator_id, channel_id) DO NOTHING",
        vec![now.into(), now.into()],
    ))
    .await?;
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let lock = match backend {
        DbBackend::Postgres => "FOR UPDATE OF p SKIP LOCKED",
        _ => "",
    };
    let rows = db
        .query_all_raw(statement(
            backend,
            &format!(
                "UPDATE order_pulls SET next_poll_at = ? WHERE id IN ( \
                   SELECT p.id FROM order_pulls p JOIN channels c ON c.id = p.channel_id \
                   WHERE p.next_poll_at <= ? AND c.orders_url IS NOT NULL AND c.is_active \
                   ORDER BY p.next_poll_at, p.id LIMIT ? {lock}) \
                 RETURNING id, aggregator_id, channel_id, cursor, attempts"
            ),
            vec![until.into(), now.into(), (limit as i64).into()],
        ))
        .await?;
    let mut due = Vec::with_capacity(rows.len());
    for row in rows {
        let aggregator_id: i64 = row.try_get("", "aggregator_id")?;
        let channel_id: i64 = row.try_get("", "channel_id")?;
        let (Some(aggregator), Some(channel)) = (
            aggregators::Entity::find_by_id(aggregator_id)
                .one(db)
                .await?,
            channels::Entity::find()
                .filter(channels::Column::Id.eq(channel_id))
                .one(db)
                .await?,
        ) else {
            continue;
        };
        due.push(DuePull {
            id: row.try_get("", "id")?,
            aggregator_slug: aggregator.slug,
            channel,
            cursor: row.try_get("", "cursor")?,
            attempts: row.try_get("", "attempts")?,
        });
    }
    Ok(due)
}

/// Records the events one poll returned, each once. An event that is not a valid order event
/// of this aggregator is left out and named in the result; the others are recorded.
pub async fn record_events(
    db: &DatabaseConnection,
    pull: &DuePull,
    events: &[serde_json::Value],
) -> AppResult<Recorded> {
    let mut result = Recorded::default();
    for (at, raw) in events.iter().enumerate() {
        let body = raw.to_string();
        let event = match document::parse(body.as_bytes()) {
            Ok(event) if event.aggregator_slug == pull.aggregator_slug => event,
            Ok(_) => {
                result
                    .refused
                    .push(format!("event {at}: for another aggregator than polled"));
                continue;
            }
            Err(err) => {
                result.refused.push(format!("event {at}: {err}"));
                continue;
            }
        };
        match record(db, &pull.channel, None, &event).await {
            Ok(_) => result.recorded += 1,
            Err(
                err @ (crate::error::AppError::Invalid(_) | crate::error::AppError::Conflict(_)),
            ) => {
                result.refused.push(format!("event {at}: {err}"));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(result)
}

/// The poll went through: the next resumes from `cursor` after `next_in`.
pub async fn polled(
    db: &impl ConnectionTrait,
    id: i64,
    cursor: Option<&str>,
    next_in: Duration,
    problems: Option<String>,
) -> AppResult<()> {
    let now = Utc::now();
    db.execute_raw(statement(
        db.get_database_backend(),
        "UPDATE order_pulls SET cursor = COALESCE(?, cursor), attempts = 0, next_poll_at = ?, \
         last_polled_at = ?, last_error = ?, updated_at = ? WHERE id = ?",
        vec![
            cursor.map(str::to_owned).into(),
            (now + chrono::Duration::from_std(next_in).unwrap_or_default()).into(),
            now.into(),
            problems.into(),
            now.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The poll failed: tried again after `retry_in`, from the same cursor.
pub async fn poll_failed(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    retry_in: Duration,
) -> AppResult<()> {
    let now = Utc::now();
    let error: String = error.chars().take(500).collect();
    db.execute_raw(statement(
        db.get_database_backend(),
        "UPDATE order_pulls SET attempts = attempts + 1, next_poll_at = ?, last_error = ?, \
         updated_at = ? WHERE id = ?",
        vec![
            (now + chrono::Duration::from_std(retry_in).unwrap_or_default()).into(),
            error.into(),
            now.into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}
