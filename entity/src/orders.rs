//! `orders`: an order a partner channel sent in, for one aggregator (and, once its lines are
//! matched, one seller). Only the buyer's city is kept: no more personal data than fulfilment
//! and reporting need.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::OrderStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub channel_id: i64,
    pub seller_id: Option<i64>,
    /// The channel's own id for the order.
    pub external_id: String,
    pub status: OrderStatus,
    /// A line's SKU is unknown or its stock was short: someone must look at it.
    pub needs_attention: bool,
    /// The accepted lines' stock is taken from the variants (given back once on a
    /// cancellation or a return before shipping).
    pub stock_held: bool,
    /// Whole rupiah, as the channel reported it.
    pub total_amount: i64,
    pub buyer_city: Option<String>,
    pub placed_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub returned_at: Option<DateTimeUtc>,
    pub shipped_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::order_lines::Entity")]
    Lines,
}

impl Related<super::order_lines::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lines.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
