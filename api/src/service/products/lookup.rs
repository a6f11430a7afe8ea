//! Reading one product within the caller's scope.

use entity::products;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    service::{
        Scope,
        catalogue::{ProductDetail, detail},
    },
};

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<products::Model> {
    Scope::products(caller)
        .filter(products::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("product"))
}

pub async fn find_detail(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<ProductDetail> {
    let product = find(db, caller, id).await?;
    detail(db, product).await
}
