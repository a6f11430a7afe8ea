//! Reading one product within the caller's scope.

use entity::products;
use sea_orm::ConnectionTrait;

use crate::{
    auth::AuthUser,
    error::AppResult,
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
    Scope::product(db, caller, id).await
}

pub async fn find_detail(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<ProductDetail> {
    let product = find(db, caller, id).await?;
    detail(db, product).await
}
