//! `idempotency_keys`: the `Idempotency-Key` of a mutation request, per user, with a hash of
//! the request and, once it has run, the answer to replay. Kept 24 hours.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261123_000003_create_users::Users;
use crate::ddl::{Timestamps, create_indexes, created_at, foreign_key, id, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum IdempotencyKeys {
    Table,
    Id,
    UserId,
    Key,
    RequestHash,
    LockedUntil,
    ResponseStatus,
    ResponseBody,
    CompletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as Keys;
        manager
            .create_table(
                Table::create()
                    .table(Keys::Table)
                    .col(id(Keys::Id))
                    .col(big_integer(Keys::UserId))
                    .col(string_len(Keys::Key, 255))
                    .col(string_len(Keys::RequestHash, 64))
                    .col(timestamp_with_time_zone(Keys::LockedUntil))
                    .col(integer_null(Keys::ResponseStatus))
                    .col(text_null(Keys::ResponseBody))
                    .col(created_at())
                    .col(timestamp_with_time_zone_null(Keys::CompletedAt))
                    .index(
                        unique("idempotency_keys_user_id_key_key")
                            .col(Keys::UserId)
                            .col(Keys::Key),
                    )
                    .foreign_key(
                        foreign_key("idempotency_keys_user_id_fkey")
                            .from(Keys::Table, Keys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [index("idempotency_keys_created_at_idx", Keys::Table)
                .col(Timestamps::CreatedAt)
                .take()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).take())
            .await
    }
}
