use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    app,
    enums::SellerSector,
    gql,
    money::Money,
    onboarding::OnboardingStage,
    relay::{parse_id, to_id},
    user,
};
use crate::service::{orders::Sold, stats as service};

#[derive(SimpleObject)]
pub struct StageCount {
    pub stage: OnboardingStage,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct SectorCount {
    pub sector: SellerSector,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct CityCount {
    pub province: String,
    pub city: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct ProductStatusCount {
    /// DRAFT, ACTIVE or ARCHIVED.
    pub status: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct ChannelListingCount {
    pub channel_id: ID,
    pub channel_code: String,
    pub channel_name: String,
    /// PENDING, LIVE, REJECTED, FAILED or UNPUBLISHED.
    pub status: String,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct WeekCount {
    /// Monday 00:00 WIB (UTC+7) of the week.
    pub week_start: DateTime<Utc>,
    pub count: i64,
}

/// Orders and gross merchandise value (whole rupiah of the orders' totals).
#[derive(SimpleObject)]
pub struct SalesFigures {
    pub orders: i64,
    pub gross_merchandise_value: Money,
}

impl From<Sold> for SalesFigures {
    fn from(sold: Sold) -> Self {
        Self {
            orders: sold.orders,
            gross_merchandise_value: Money::rupiah(sold.gross),
        }
    }
}

#[derive(SimpleObject)]
pub struct ChannelSales {
    pub channel_id: ID,
    pub channel_code: String,
    pub channel_name: String,
    pub sales: SalesFigures,
}

#[derive(SimpleObject)]
pub struct SectorSales {
    /// None for orders no SKU tied to a seller.
    pub sector: Option<SellerSector>,
    pub sales: SalesFigures,
}

#[derive(SimpleObject)]
pub struct DaySales {
    /// The day in WIB (UTC+7), `YYYY-MM-DD`.
    pub day: String,
    pub sales: SalesFigures,
}

/// What the programme sold over a range: cancelled and returned orders do not count.
#[derive(SimpleObject)]
pub struct Sales {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub total: SalesFigures,
    /// Most GMV first.
    pub by_channel: Vec<ChannelSales>,
    pub by_sector: Vec<SectorSales>,
    /// Oldest first; days without sales are left out.
    pub by_day: Vec<DaySales>,
}

/// An aggregator's figures at a glance.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DashboardStats {
    #[graphql(skip)]
    pub aggregator_db_id: i64,
    pub sellers_total: i64,
    pub sellers_by_stage: Vec<StageCount>,
    pub sellers_by_sector: Vec<SectorCount>,
    /// Most sellers first.
    pub sellers_by_city: Vec<CityCount>,
    pub products_by_status: Vec<ProductStatusCount>,
    pub listings_by_channel: Vec<ChannelListingCount>,
    /// The last 12 weeks, oldest first, including the current one.
    pub sellers_onboarded_per_week: Vec<WeekCount>,
}

impl From<service::DashboardStats> for DashboardStats {
    fn from(stats: service::DashboardStats) -> Self {
        Self {
            aggregator_db_id: stats.aggregator_id,
            sellers_total: stats.sellers_total,
            sellers_by_stage: stats
                .sellers_by_stage
                .into_iter()
                .map(|(stage, count)| StageCount {
                    stage: stage.into(),
                    count,
                })
                .collect(),
            sellers_by_sector: stats
                .sellers_by_sector
                .into_iter()
                .map(|(sector, count)| SectorCount {
                    sector: sector.into(),
                    count,
                })
                .collect(),
            sellers_by_city: stats
                .sellers_by_city
                .into_iter()
                .map(|(province, city, count)| CityCount {
                    province,
                    city,
                    count,
                })
                .collect(),
            products_by_status: stats
                .products_by_status
                .into_iter()
                .map(|(status, count)| ProductStatusCount {
                    status: status.to_string(),
                    count,
                })
                .collect(),
            listings_by_channel: stats
                .listings_by_channel
                .into_iter()
                .map(|row| ChannelListingCount {
                    channel_id: to_id("Channel", row.channel.id),
                    channel_code: row.channel.code,
                    channel_name: row.channel.name,
                    status: row.status.to_string(),
                    count: row.count,
                })
                .collect(),
            sellers_onboarded_per_week: stats
                .sellers_onboarded_per_week
                .into_iter()
                .map(|(week_start, count)| WeekCount { week_start, count })
                .collect(),
        }
    }
}

#[ComplexObject]
impl DashboardStats {
    /// Orders and GMV placed from `from` (inclusive) to `to` (exclusive), at most 366 days;
    /// the last 30 days when left out.
    async fn sales(
        &self,
        ctx: &Context<'_>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Sales> {
        let to = to.unwrap_or_else(Utc::now);
        let from = from.unwrap_or(to - chrono::Duration::days(30));
        let sold = gql(service::sales(
            &app(ctx)?.db,
            user(ctx)?,
            Some(self.aggregator_db_id),
            from,
            to,
        )
        .await)?;
        Ok(Sales {
            from,
            to,
            total: sold.total.into(),
            by_channel: sold
                .by_channel
                .into_iter()
                .map(|((id, code, name), sold)| ChannelSales {
                    channel_id: to_id("Channel", id),
                    channel_code: code,
                    channel_name: name,
                    sales: sold.into(),
                })
                .collect(),
            by_sector: sold
                .by_sector
                .into_iter()
                .map(|(sector, sold)| SectorSales {
                    sector: sector.map(Into::into),
                    sales: sold.into(),
                })
                .collect(),
            by_day: sold
                .by_day
                .into_iter()
                .map(|(day, sold)| DaySales {
                    day,
                    sales: sold.into(),
                })
                .collect(),
        })
    }
}

#[derive(Default)]
pub struct StatsQuery;

#[Object]
impl StatsQuery {
    /// Figures for the caller's aggregator (a platform admin names one).
    async fn dashboard_stats(
        &self,
        ctx: &Context<'_>,
        aggregator_id: Option<ID>,
    ) -> async_graphql::Result<DashboardStats> {
        let aggregator_id = aggregator_id
            .map(|id| gql(parse_id(&id, "Aggregator", "aggregatorId")))
            .transpose()?;
        Ok(gql(service::dashboard(&app(ctx)?.db, user(ctx)?, aggregator_id).await)?.into())
    }
}
