//! `listing_deliveries`: one row per attempt to push a listing to its channel.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "listing_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub listing_id: i64,
    pub job_id: Option<i64>,
    pub product_version: i32,
    /// The job's attempt number, from 1.
    pub attempt: i32,
    /// The partner's HTTP status, when it answered at all.
    pub http_status: Option<i32>,
    pub duration_ms: i64,
    /// `DELIVERED`, `REJECTED`, `RETRY` or `FAILED`.
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::channel_listings::Entity",
        from = "Column::ListingId",
        to = "super::channel_listings::Column::Id",
        on_delete = "Cascade"
    )]
    Listing,
}

impl Related<super::channel_listings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Listing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
