//! `channel_listings`: a product offered on one channel, and how far its delivery got.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ListingStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "channel_listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub product_id: i64,
    pub channel_id: i64,
    pub status: ListingStatus,
    /// Whole rupiah; `None` means the variant prices apply.
    pub price_override: Option<i64>,
    pub external_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub attempts: i32,
    /// The product version the channel last acknowledged.
    pub delivered_version: Option<i32>,
    pub delivered_at: Option<DateTimeUtc>,
    /// UNPUBLISHED by Dermaga (product archived or unpublished, seller suspended) rather than
    /// by the aggregator: queued again once its product and seller are active again.
    pub withdrawn: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::products::Entity",
        from = "Column::ProductId",
        to = "super::products::Column::Id",
        on_delete = "Cascade"
    )]
    Product,
    #[sea_orm(
        belongs_to = "super::channels::Entity",
        from = "Column::ChannelId",
        to = "super::channels::Column::Id",
        on_delete = "Restrict"
    )]
    Channel,
    #[sea_orm(has_many = "super::outbox_jobs::Entity")]
    OutboxJobs,
}

impl Related<super::products::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Product.def()
    }
}

impl Related<super::channels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Channel.def()
    }
}

impl Related<super::outbox_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutboxJobs.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
