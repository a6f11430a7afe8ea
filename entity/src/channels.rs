//! `channels`: the partner sales channels (marketplaces, food delivery, procurement…).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ChannelKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    pub webhook_url: Option<String>,
    /// Signs webhook deliveries; never serialised.
    #[serde(skip_serializing)]
    pub signing_secret: String,
    /// The channel's listing rules, as a JSON document.
    pub rules: Json,
    pub is_active: bool,
    /// Where a channel that must be polled serves its order events; none for one that pushes.
    pub orders_url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::channel_listings::Entity")]
    Listings,
}

impl Related<super::channel_listings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Listings.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
