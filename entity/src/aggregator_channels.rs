//! `aggregator_channels`: a channel an aggregator has enabled, with its category mapping,
//! stock allocation and pull-feed token.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "aggregator_channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub channel_id: i64,
    /// A JSON object of Dermaga category id (as a string) to the channel's category id.
    pub category_map: Json,
    /// Offer this share (0–100) of each variant's stock on the channel.
    pub stock_share_percent: Option<i32>,
    /// Hold back this many units of each variant's stock from the channel.
    pub stock_buffer: Option<i32>,
    /// SHA-256 (hex) of the pull-feed token; the token itself is shown once.
    #[serde(skip_serializing)]
    pub feed_token_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::channels::Entity",
        from = "Column::ChannelId",
        to = "super::channels::Column::Id",
        on_delete = "Restrict"
    )]
    Channel,
}

impl Related<super::channels::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Channel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
