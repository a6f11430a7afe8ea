//! What an aggregator's programme sold over a date range: orders and gross merchandise value
//! (GMV) per channel, per seller sector and per day (in WIB, UTC+7), by aggregate SQL. An order
//! counts from when it was placed; cancelled and returned orders do not count.

use chrono::{DateTime, Duration, Utc};
use entity::enums::SellerSector;
use sea_orm::{ConnectionTrait, DbBackend, Value};

use crate::{
    db::statement,
    error::{AppError, AppResult, FieldErrorCode},
};

/// The longest range one question may cover.
pub const MAX_RANGE_DAYS: i64 = 366;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sold {
    pub orders: i64,
    /// Whole rupiah.
    pub gross: i64,
}

#[derive(Debug, Default)]
pub struct Sales {
    pub total: Sold,
    /// (channel id, code, name), most GMV first.
    pub by_channel: Vec<((i64, String, String), Sold)>,
    /// Orders whose seller is unknown (no SKU matched) have no sector.
    pub by_sector: Vec<(Option<SellerSector>, Sold)>,
    /// `YYYY-MM-DD` in WIB, oldest first; days without sales are left out.
    pub by_day: Vec<(String, Sold)>,
}

/// The sales of `aggregator_id` placed in `[from, to)`.
pub async fn sales(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Sales> {
    if to <= from || to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(AppError::invalid(
            &["to"],
            FieldErrorCode::Invalid,
            format!("must be after `from`, at most {MAX_RANGE_DAYS} days later"),
        ));
    }
    let backend = db.get_database_backend();
    let counted = "o.aggregator_id = ? AND o.placed_at >= ? AND o.placed_at < ? \
                   AND o.status NOT IN ('CANCELLED', 'RETURNED')";
    let values = || -> Vec<Value> { vec![aggregator_id.into(), from.into(), to.into()] };
    // PostgreSQL sums bigints as numeric: the cast brings it back to a 64-bit integer.
    let sums = "COUNT(*) AS orders, CAST(COALESCE(SUM(o.total_amount), 0) AS BIGINT) AS gross";

    let mut result = Sales::default();
    for row in db
        .query_all_raw(statement(
            backend,
            &format!(
                "SELECT c.id AS id, c.code AS code, c.name AS name, {sums} FROM orders o \
                 JOIN channels c ON c.id = o.channel_id WHERE {counted} \
                 GROUP BY c.id, c.code, c.name ORDER BY gross DESC, c.id"
            ),
            values(),
        ))
        .await?
    {
        let sold = sold(&row)?;
        result.total.orders += sold.orders;
        result.total.gross += sold.gross;
        result.by_channel.push((
            (
                row.try_get("", "id")?,
                row.try_get("", "code")?,
                row.try_get("", "name")?,
            ),
            sold,
        ));
    }
    for row in db
        .query_all_raw(statement(
            backend,
            &format!(
                "SELECT s.sector AS sector, {sums} FROM orders o \
                 LEFT JOIN sellers s ON s.id = o.seller_id WHERE {counted} \
                 GROUP BY s.sector ORDER BY gross DESC"
            ),
            values(),
        ))
        .await?
    {
        let sector: Option<SellerSector> = row.try_get("", "sector")?;
        result.by_sector.push((sector, sold(&row)?));
    }
    let day = match backend {
        DbBackend::Postgres => {
            "to_char(o.placed_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM-DD')".to_owned()
        }
        _ => "date(o.placed_at, '+7 hours')".to_owned(),
    };
    for row in db
        .query_all_raw(statement(
            backend,
            &format!(
                "SELECT {day} AS day, {sums} FROM orders o WHERE {counted} \
                 GROUP BY {day} ORDER BY day"
            ),
            values(),
        ))
        .await?
    {
        result.by_day.push((row.try_get("", "day")?, sold(&row)?));
    }
    Ok(result)
}

fn sold(row: &sea_orm::QueryResult) -> AppResult<Sold> {
    Ok(Sold {
        orders: row.try_get("", "orders")?,
        gross: row.try_get("", "gross")?,
    })
}
