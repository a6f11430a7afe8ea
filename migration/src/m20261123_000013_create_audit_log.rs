use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000001_create_aggregators::Aggregators;
use super::m20261123_000003_create_users::Users;
use crate::ddl::{Timestamps, create_indexes, created_at, foreign_key, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum AuditLog {
    Table,
    Id,
    AggregatorId,
    ActorUserId,
    Action,
    EntityType,
    EntityId,
    Changes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(big_integer_null(AuditLog::AggregatorId))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::EntityType, 64))
                    .col(string_len(AuditLog::EntityId, 64))
                    .col(json_null(AuditLog::Changes))
                    .col(created_at())
                    .foreign_key(
                        foreign_key("audit_log_aggregator_id_fkey")
                            .from(AuditLog::Table, AuditLog::AggregatorId)
                            .to(Aggregators::Table, Aggregators::Id),
                    )
                    .foreign_key(
                        foreign_key("audit_log_actor_user_id_fkey")
                            .from(AuditLog::Table, AuditLog::ActorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("audit_log_aggregator_created_idx", AuditLog::Table)
                    .col(AuditLog::AggregatorId)
                    .col(Timestamps::CreatedAt)
                    .take(),
                index("audit_log_entity_idx", AuditLog::Table)
                    .col(AuditLog::EntityType)
                    .col(AuditLog::EntityId)
                    .take(),
                index("audit_log_actor_idx", AuditLog::Table)
                    .col(AuditLog::ActorUserId)
                    .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).take())
            .await
    }
}
