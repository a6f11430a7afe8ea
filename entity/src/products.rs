//! `products`: what a seller offers; `version` increases with every change channels must see.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ProductStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub seller_id: i64,
    pub category_id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub status: ProductStatus,
    pub halal_certified: bool,
    pub version: i32,
    pub published_at: Option<DateTimeUtc>,
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
        belongs_to = "super::sellers::Entity",
        from = "Column::SellerId",
        to = "super::sellers::Column::Id",
        on_delete = "Restrict"
    )]
    Seller,
    #[sea_orm(
        belongs_to = "super::categories::Entity",
        from = "Column::CategoryId",
        to = "super::categories::Column::Id",
        on_delete = "Restrict"
    )]
    Category,
    #[sea_orm(has_many = "super::product_variants::Entity")]
    Variants,
    #[sea_orm(has_many = "super::product_images::Entity")]
    Images,
    #[sea_orm(has_many = "super::channel_listings::Entity")]
    ChannelListings,
}

impl Related<super::aggregators::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Aggregator.def()
    }
}

impl Related<super::sellers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Seller.def()
    }
}

impl Related<super::categories::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::product_variants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Variants.def()
    }
}

impl Related<super::product_images::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Images.def()
    }
}

impl Related<super::channel_listings::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChannelListings.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
