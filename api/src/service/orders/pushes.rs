//! The outbox of order status changes sent back to the order's channel (`order.shipped` with
//! the courier and tracking number, `order.completed`, `order.cancelled`): queued in the
//! change's transaction, so a crash loses none, and sent by the worker one order at a time in
//! the order they were made.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};

use crate::{db::statement, error::AppResult, global_id};
use entity::orders;

/// A queued status change, claimed for sending.
#[derive(Debug)]
pub struct Push {
    pub id: i64,
    pub channel_id: i64,
    pub event: String,
    pub payload: String,
    pub attempts: i32,
}

/// Queues `event` for the order's channel with the order as it now stands.
pub(super) async fn queue(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    channel_code: &str,
    event: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let payload = payload(order, channel_code, event).to_string();
    db.execute_raw(statement(
        db.get_database_backend(),
        "INSERT INTO order_pushes (order_id, channel_id, event, payload, attempts, next_attempt_at, \
         created_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
        vec![
            order.id.into(),
            order.channel_id.into(),
            event.into(),
            payload.into(),
            now.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// What the channel receives (`docs/partners.md`, "Order status from Dermaga").
fn payload(order: &orders::Model, channel_code: &str, event: &str) -> Value {
    let at = |time: Option<DateTime<Utc>>| time.map(|time| time.to_rfc3339());
    json!({
        "schemaVersion": 1,
        "event": event,
        "channel": channel_code,
        "order": {
            "id": global_id::encode("Order", order.id),
            "externalId": order.external_id,
            "status": order.status.to_string(),
            "shippedAt": at(order.shipped_at),
            "completedAt": at(order.completed_at),
            "cancelledAt": at(order.cancelled_at),
            "courier": order.courier,
            "trackingNumber": order.tracking_number,
            "reason": order.cancel_reason,
        }
    })
}

/// Claims up to `limit` due pushes for `lease`, each the oldest unsent one of its order.
pub async fn claim(db: &impl ConnectionTrait, limit: u64, lease: Duration) -> AppResult<Vec<Push>> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let lock = match db.get_database_backend() {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            &format!(
                "UPDATE order_pushes SET next_attempt_at = ? WHERE id IN ( \
                   SELECT p.id FROM order_pushes p WHERE p.delivered_at IS NULL \
                   AND p.failed_at IS NULL AND p.next_attempt_at <= ? \
                   AND NOT EXISTS (SELECT 1 FROM order_pushes e WHERE e.order_id = p.order_id \
                     AND e.id < p.id AND e.delivered_at IS NULL AND e.failed_at IS NULL) \
                   ORDER BY p.id LIMIT ? {lock}) \
                 RETURNING id, channel_id, event, payload, attempts"
            ),
            vec![until.into(), now.into(), (limit as i64).into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Push {
                id: row.try_get("", "id")?,
                channel_id: row.try_get("", "channel_id")?,
                event: row.try_get("", "event")?,
                payload: row.try_get("", "payload")?,
                attempts: row.try_get("", "attempts")?,
            })
        })
        .collect()
}

/// The channel acknowledged the push.
pub async fn delivered(db: &impl ConnectionTrait, id: i64) -> AppResult<()> {
    db.execute_raw(statement(
        db.get_database_backend(),
        "UPDATE order_pushes SET delivered_at = ?, attempts = attempts + 1, last_error = NULL \
         WHERE id = ?",
        vec![Utc::now().into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// The push failed: tried again after `retry_in`, or given up on when `None`.
pub async fn failed(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    retry_in: Option<Duration>,
) -> AppResult<()> {
    let now = Utc::now();
    let (sql, when) = match retry_in {
        Some(delay) => (
            "UPDATE order_pushes SET next_attempt_at = ?, attempts = attempts + 1, last_error = ? \
             WHERE id = ?",
            now + chrono::Duration::from_std(delay).unwrap_or_default(),
        ),
        None => (
            "UPDATE order_pushes SET failed_at = ?, attempts = attempts + 1, last_error = ? \
             WHERE id = ?",
            now,
        ),
    };
    let error: String = error.chars().take(500).collect();
    db.execute_raw(statement(
        db.get_database_backend(),
        sql,
        vec![when.into(), error.into(), id.into()],
    ))
    .await?;
    Ok(())
}
