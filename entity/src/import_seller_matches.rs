//! `import_seller_matches`: the stored sellers a running seller import has updated, and the
//! line that did, so no second line updates the same seller.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_seller_matches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seller_id: i64,
    pub line: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::import_jobs::Entity",
        from = "Column::JobId",
        to = "super::import_jobs::Column::Id",
        on_delete = "Cascade"
    )]
    Job,
    #[sea_orm(
        belongs_to = "super::sellers::Entity",
        from = "Column::SellerId",
        to = "super::sellers::Column::Id",
        on_delete = "Cascade"
    )]
    Seller,
}

impl Related<super::import_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Job.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
