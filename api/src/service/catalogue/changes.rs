//! The catalogue change log behind mobile delta sync (`catalogueChanges`).
//!
//! Every write that can change what the public catalogue shows of a product ends its
//! transaction by advancing the one-row `catalogue_clock` and stamping the changed products
//! with the new tick in `catalogue_changes`. The clock row stays locked until commit, so ticks
//! become visible in tick order: once a reader sees tick N, no transaction can still commit a
//! tick below N. A sync token is the (tick, product id) of the last change a client has seen;
//! reading on from it never misses a change, and a product that changes again simply moves
//! further along the log.
//!
//! The clock is always the last lock a writer takes, and only clock holders touch
//! `catalogue_changes` rows, so the log adds no deadlock between writers.

use sea_orm::{ConnectionTrait, Value};

use crate::{db::statement, error::AppResult};

/// A position in the log: the tick and product id of the last change seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogPosition {
    pub seq: i64,
    pub product_id: i64,
}

/// Advances the clock; the row stays locked until the caller's transaction ends.
async fn tick(db: &impl ConnectionTrait) -> AppResult<i64> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(statement(
            backend,
            "UPDATE catalogue_clock SET value = value + 1 WHERE id = 1 RETURNING value",
            vec![],
        ))
        .await?
        .ok_or_else(|| crate::error::AppError::Internal(anyhow::anyhow!("no catalogue clock")))?;
    let tick = row.try_get::<i64>("", "value")?;
    crate::service::invalidation::record_tick(tick);
    Ok(tick)
}

/// The clock's current tick: the last write to the public catalogue that committed.
pub async fn current_tick(db: &impl ConnectionTrait) -> AppResult<i64> {
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            "SELECT value FROM catalogue_clock WHERE id = 1",
            vec![],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "value")?,
        None => 0,
    })
}

const UPSERT_TAIL: &str = "ON CONFLICT (product_id) DO UPDATE SET seq = excluded.seq";

/// Stamps products with a new tick. Call it as the last statement of the transaction that
/// changed them (`super::product_changes` does).
pub async fn stamp_products(db: &impl ConnectionTrait, product_ids: &[i64]) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    let seq = tick(db).await?;
    let backend = db.get_database_backend();
    for chunk in product_ids.chunks(500) {
        let rows = vec!["(?, ?)"; chunk.len()].join(", ");
        let values = chunk
            .iter()
            .flat_map(|id| [Value::from(*id), Value::from(seq)])
            .collect();
        db.execute_raw(statement(
            backend,
            &format!("INSERT INTO catalogue_changes (product_id, seq) VALUES {rows} {UPSERT_TAIL}"),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Stamps every product of these sellers with a new tick (their status or public profile
/// changed). Call it last in the transaction.
pub async fn stamp_sellers_products(
    db: &impl ConnectionTrait,
    seller_ids: &[i64],
) -> AppResult<()> {
    if seller_ids.is_empty() {
        return Ok(());
    }
    let seq = tick(db).await?;
    for chunk in seller_ids.chunks(500) {
        let list = vec!["?"; chunk.len()].join(", ");
        let mut values = vec![Value::from(seq)];
        values.extend(chunk.iter().map(|id| Value::from(*id)));
        db.execute_raw(statement(
            db.get_database_backend(),
            &format!(
                "INSERT INTO catalogue_changes (product_id, seq) \
                 SELECT id, ? FROM products WHERE seller_id IN ({list}) {UPSERT_TAIL}"
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Stamps every product with a new tick (after a bulk load that bypassed the services).
pub async fn stamp_all_products(db: &impl ConnectionTrait) -> AppResult<()> {
    let seq = tick(db).await?;
    db.execute_raw(statement(
        db.get_database_backend(),
        &format!(
            "INSERT INTO catalogue_changes (product_id, seq) \
             SELECT id, ? FROM products WHERE TRUE {UPSERT_TAIL}"
        ),
        vec![seq.into()],
    ))
    .await?;
    Ok(())
}

/// Up to `limit` changes after `after` (from the start without it), oldest first.
pub async fn changes_after(
    db: &impl ConnectionTrait,
    after: Option<LogPosition>,
    limit: u64,
) -> AppResult<Vec<LogPosition>> {
    let after = after.unwrap_or(LogPosition {
        seq: 0,
        product_id: 0,
    });
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            "SELECT product_id, seq FROM catalogue_changes \
             WHERE seq > ? OR (seq = ? AND product_id > ?) \
             ORDER BY seq, product_id LIMIT ?",
            vec![
                after.seq.into(),
                after.seq.into(),
                after.product_id.into(),
                (limit as i64).into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(LogPosition {
                seq: row.try_get("", "seq")?,
                product_id: row.try_get("", "product_id")?,
            })
        })
        .collect()
}
