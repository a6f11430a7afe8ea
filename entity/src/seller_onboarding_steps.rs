//! `seller_onboarding_steps`: what a seller has completed on the way online, one row per step.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "seller_onboarding_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub seller_id: i64,
    pub step: String,
    /// 1 to 4.
    pub stage: i16,
    pub note: Option<String>,
    pub completed_at: DateTimeUtc,
    pub completed_by_user_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::sellers::Entity",
        from = "Column::SellerId",
        to = "super::sellers::Column::Id",
        on_delete = "Cascade"
    )]
    Seller,
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::CompletedByUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CompletedBy,
}

impl Related<super::sellers::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Seller.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CompletedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
