//! `sellers`: the micro businesses (UMKM) an aggregator onboards.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{SellerScale, SellerSector, SellerStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sellers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub business_name: String,
    pub owner_name: String,
    pub phone: String,
    /// Nomor Induk Berusaha, 13 digits.
    pub nib: Option<String>,
    pub sector: SellerSector,
    pub scale: SellerScale,
    pub province: String,
    pub city: String,
    pub address: Option<String>,
    pub halal_cert_no: Option<String>,
    /// Izin Produksi Pangan Industri Rumah Tangga.
    pub pirt_no: Option<String>,
    pub bpom_no: Option<String>,
    pub status: SellerStatus,
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
    #[sea_orm(has_many = "super::users::Entity")]
    Users,
    #[sea_orm(has_many = "super::products::Entity")]
    Products,
    #[sea_orm(has_many = "super::seller_onboarding_steps::Entity")]
    OnboardingSteps,
}

impl Related<super::aggregators::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Aggregator.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl Related<super::products::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Products.def()
    }
}

impl Related<super::seller_onboarding_steps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OnboardingSteps.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
