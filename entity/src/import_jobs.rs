//! `import_jobs`: one CSV upload (sellers or products), its progress and the rows it refused.
//! `processed_rows` is also where a resumed job carries on.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ImportKind, ImportStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub aggregator_id: i64,
    pub created_by_user_id: Option<i64>,
    pub kind: ImportKind,
    pub status: ImportStatus,
    pub file_name: String,
    /// Data rows in the file (the header not counted).
    pub total_rows: i32,
    pub processed_rows: i32,
    pub created_count: i32,
    pub updated_count: i32,
    pub rejected_count: i32,
    /// A JSON list of `{"line": 7, "field": "phone", "message": "…"}`, lines counted from 1
    /// (the header).
    pub rejected_rows: Json,
    /// Why the whole job failed, when it did.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    /// Touched with every committed batch.
    pub heartbeat_at: DateTimeUtc,
    /// Claims of the job since it last moved forward (a committed batch); past
    /// `IMPORT_MAX_ATTEMPTS` the job is failed.
    pub attempts: i32,
    /// The claim running the job, until `locked_until`; `None` while nobody runs it.
    pub lease_owner: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
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
        belongs_to = "super::users::Entity",
        from = "Column::CreatedByUserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    CreatedBy,
}

impl Related<super::aggregators::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Aggregator.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
