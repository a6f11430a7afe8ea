//! `order_lines`: one SKU of an order, matched to a variant of the order's aggregator when the
//! SKU is known there, with how many units its stock could give.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// The line's place in the order, from 0.
    pub position: i32,
    pub sku: String,
    pub variant_id: Option<i64>,
    pub quantity: i32,
    /// Whole rupiah per unit.
    pub unit_price: i64,
    /// The units taken from stock: all of `quantity`, or none.
    pub accepted_quantity: i32,
    /// `UNKNOWN_SKU` or `OVERSOLD`; `None` when the line was accepted.
    pub problem: Option<String>,
    /// How many units were missing, for an `OVERSOLD` line.
    pub oversold_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::orders::Entity",
        from = "Column::OrderId",
        to = "super::orders::Column::Id",
        on_delete = "Cascade"
    )]
    Order,
}

impl Related<super::orders::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
