//! `idempotency_keys`: a user's `Idempotency-Key`, the hash of the request sent with it and,
//! once the request has run, its answer (replayed to a retry for 24 hours).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub key: String,
    /// SHA-256 (hex) of the operations, variables and uploaded files.
    pub request_hash: String,
    /// While the request runs, its executor renews this; past it, the run counts as dead.
    pub locked_until: DateTimeUtc,
    /// The HTTP status of the answer, once there is one.
    pub response_status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
