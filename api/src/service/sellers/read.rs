//! Reading sellers within the caller's scope: one, or a page's worth at once.

use std::collections::HashMap;

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

/// The caller's sellers among `ids`, in one statement; another tenant's id is left out, as
/// [`find`] answers NOT_FOUND for it.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    ids: &[i64],
) -> AppResult<HashMap<i64, sellers::Model>> {
    Ok(Scope::sellers(caller)
        .filter(sellers::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|seller| (seller.id, seller))
        .collect())
}
