//! Reading one seller within the caller's scope.

use entity::sellers;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    service::Scope,
};

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<sellers::Model> {
    Scope::sellers(caller)
        .filter(sellers::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("seller"))
}
