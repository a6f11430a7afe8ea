//! Dashboard statistics, computed by aggregate SQL in the database.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use entity::{
    channel_listings, channels,
    enums::{ListingStatus, ProductStatus, SellerSector},
    products, sellers,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use super::sellers::onboarding;
use crate::{
    auth::AuthUser,
    domain::OnboardingStage,
    error::{AppError, AppResult, FieldErrorCode},
};

pub const WEEKS: usize = 12;

#[derive(Debug)]
pub struct DashboardStats {
    pub aggregator_id: i64,
    pub sellers_total: i64,
    pub sellers_by_stage: Vec<(OnboardingStage, i64)>,
    pub sellers_by_sector: Vec<(SellerSector, i64)>,
    pub sellers_by_city: Vec<(String, String, i64)>,
    pub products_by_status: Vec<(ProductStatus, i64)>,
    pub listings_by_channel: Vec<ChannelListingCount>,
    /// Week start (Monday 00:00 WIB) and sellers onboarded that week, oldest first.
    pub sellers_onboarded_per_week: Vec<(DateTime<Utc>, i64)>,
}

#[derive(Debug)]
pub struct ChannelListingCount {
    pub channel: channels::Model,
    pub status: ListingStatus,
    pub count: i64,
}

/// The aggregator whose statistics the caller may see.
fn target(caller: &AuthUser, requested: Option<i64>) -> AppResult<i64> {
    if caller.is_platform_admin() {
        return requested.ok_or_else(|| {
            AppError::invalid(
                &["aggregatorId"],
                FieldErrorCode::Blank,
                "is required for a platform admin",
            )
        });
    }
    let own = caller.team_aggregator()?;
    match requested {
        Some(id) if id != own => Err(AppError::NotFound("aggregator")),
        _ => Ok(own),
    }
}

pub async fn dashboard(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    aggregator_id: Option<i64>,
) -> AppResult<DashboardStats> {
    let aggregator = target(caller, aggregator_id)?;
    let of_aggregator = sellers::Column::AggregatorId.eq(aggregator);

    let sellers_by_stage = sellers_by_stage(db, aggregator).await?;
    let sellers_by_sector: Vec<(SellerSector, i64)> = sellers::Entity::find()
        .select_only()
        .column(sellers::Column::Sector)
        .column_as(Expr::col(sellers::Column::Id).count(), "count")
        .filter(of_aggregator.clone())
        .group_by(sellers::Column::Sector)
        .into_tuple()
        .all(db)
        .await?;
    let mut sellers_by_city: Vec<(String, String, i64)> = sellers::Entity::find()
        .select_only()
        .column(sellers::Column::Province)
        .column(sellers::Column::City)
        .column_as(Expr::col(sellers::Column::Id).count(), "count")
        .filter(of_aggregator.clone())
        .group_by(sellers::Column::Province)
        .group_by(sellers::Column::City)
        .into_tuple()
        .all(db)
        .await?;
    sellers_by_city.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    let sellers_total = sellers_by_city.iter().map(|(_, _, count)| count).sum();

    let products_by_status: Vec<(ProductStatus, i64)> = products::Entity::find()
        .select_only()
        .column(products::Column::Status)
        .column_as(Expr::col(products::Column::Id).count(), "count")
        .filter(products::Column::AggregatorId.eq(aggregator))
        .group_by(products::Column::Status)
        .into_tuple()
        .all(db)
        .await?;

    let listings_by_channel = listings_by_channel(db, aggregator).await?;
    let sellers_onboarded_per_week = onboarded_per_week(db, aggregator, Utc::now()).await?;
    Ok(DashboardStats {
        aggregator_id: aggregator,
        sellers_total,
        sellers_by_stage,
        sellers_by_sector,
        sellers_by_city,
        products_by_status,
        listings_by_channel,
        sellers_onboarded_per_week,
    })
}

/// How many of the aggregator's sellers stand at each onboarding stage, every stage listed.
/// What the aggregator's programme sold in `[from, to)` (see `orders::sales`).
pub async fn sales(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    aggregator_id: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<super::orders::Sales> {
    let aggregator = target(caller, aggregator_id)?;
    super::orders::sales(db, aggregator, from, to).await
}

async fn sellers_by_stage(
    db: &impl ConnectionTrait,
    aggregator: i64,
) -> AppResult<Vec<(OnboardingStage, i64)>> {
    let stage_rows: Vec<(String, i64)> = sellers::Entity::find()
        .select_only()
        .column_as(Expr::cust(onboarding::stage_sql()), "stage")
        .column_as(Expr::col(sellers::Column::Id).count(), "count")
        .filter(sellers::Column::AggregatorId.eq(aggregator))
        .group_by(Expr::cust(onboarding::stage_sql()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(OnboardingStage::ALL
        .into_iter()
        .map(|stage| {
            let count = stage_rows
                .iter()
                .find(|(code, _)| code == stage.code())
                .map_or(0, |(_, count)| *count);
            (stage, count)
        })
        .collect())
}

/// The aggregator's listings counted by channel and status.
async fn listings_by_channel(
    db: &impl ConnectionTrait,
    aggregator: i64,
) -> AppResult<Vec<ChannelListingCount>> {
    let listing_rows: Vec<(i64, ListingStatus, i64)> = channel_listings::Entity::find()
        .select_only()
        .column(channel_listings::Column::ChannelId)
        .column(channel_listings::Column::Status)
        .column_as(Expr::col(channel_listings::Column::Id).count(), "count")
        .filter(channel_listings::Column::AggregatorId.eq(aggregator))
        .group_by(channel_listings::Column::ChannelId)
        .group_by(channel_listings::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let all_channels = channels::Entity::find().all(db).await?;
    Ok(listing_rows
        .into_iter()
        .filter_map(|(channel_id, status, count)| {
            let channel = all_channels.iter().find(|c| c.id == channel_id)?.clone();
            Some(ChannelListingCount {
                channel,
                status,
                count,
            })
        })
        .collect())
}

/// Monday 00:00 in Western Indonesia Time (UTC+7) of the week holding `now`.
fn week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let Some(wib) = FixedOffset::east_opt(WIB_OFFSET_SECONDS) else {
        return now;
    };
    let local = now.with_timezone(&wib);
    let monday = local.date_naive() - Duration::days(local.weekday().num_days_from_monday() as i64);
    wib.from_local_datetime(&monday.and_time(NaiveTime::MIN))
        .single()
        .map_or(now, |start| start.with_timezone(&Utc))
}

const WIB_OFFSET_SECONDS: i32 = 7 * 3600;

/// One aggregate query with a conditional count per week.
async fn onboarded_per_week(
    db: &impl ConnectionTrait,
    aggregator: i64,
    now: DateTime<Utc>,
) -> AppResult<Vec<(DateTime<Utc>, i64)>> {
    let current = week_start(now);
    let starts: Vec<DateTime<Utc>> = (0..WEEKS)
        .rev()
        .map(|weeks_back| current - Duration::weeks(weeks_back as i64))
        .collect();
    let mut query = sellers::Entity::find()
        .select_only()
        .filter(sellers::Column::AggregatorId.eq(aggregator))
        .filter(sellers::Column::CreatedAt.gte(starts[0]));
    for (index, start) in starts.iter().enumerate() {
        let end = *start + Duration::weeks(1);
        let in_week = Expr::case(
            Expr::col(sellers::Column::CreatedAt)
                .gte(*start)
                .and(Expr::col(sellers::Column::CreatedAt).lt(end)),
            1,
        )
        .finally(0);
        // COALESCE: SUM over no rows is NULL.
        query = query.column_as(
            Expr::from(Func::coalesce([Func::sum(in_week).into(), Expr::val(0)])),
            format!("w{index}"),
        );
    }
    let statement = query.build(db.get_database_backend());
    let row = db.query_one_raw(statement).await?;
    let mut counts = Vec::with_capacity(WEEKS);
    for (index, start) in starts.into_iter().enumerate() {
        let count = match &row {
            Some(row) => row.try_get::<i64>("", &format!("w{index}"))?,
            None => 0,
        };
        counts.push((start, count));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_in_jakarta() {
        // Sunday 2026-11-22 20:00 UTC is Monday 03:00 WIB.
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap();
        assert_eq!(
            week_start(now),
            Utc.with_ymd_and_hms(2026, 11, 22, 17, 0, 0).unwrap()
        );
    }
}
