//! `outbox_jobs`: listing deliveries waiting for the worker, written in the same transaction as
//! the change they announce.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::OutboxStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "outbox_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub listing_id: i64,
    pub event_type: String,
    pub payload: Json,
    pub product_version: i32,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub run_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::aggregators::Entity",
        from = "Column::AggregatorId",
        to = "super::aggregators::Column::Id",
        on_delete = "Restrict"
    )]
    Aggregator,
    #[sea_orm(
        belongs_to = "super::channel_listings::Entity",
        from = "Column::ListingId",
        to = "super::channel_listings::Column::Id",
        on_delete = "Cascade"
    )]
    Listing,
}

impl Related<super::aggregators::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Aggregator.def()
    }
}

impl Related<super::channel_listings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Listing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
