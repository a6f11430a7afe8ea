//! `order_events`: each order event a channel sent, once per (channel, external order id,
//! event), with the answer it got; a repeat is answered from here and changes nothing.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "order_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub external_order_id: String,
    pub event: String,
    pub order_id: Option<i64>,
    pub response_status: i32,
    #[sea_orm(column_type = "Text")]
    pub response_body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
