//! Batched reads of sellers and categories by id, one statement per batch: what listings and
//! feeds show of a product besides its own rows.

use std::collections::HashMap;

use entity::{categories, sellers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppResult;

/// Sellers by id (callers decide what of them to show).
pub async fn sellers(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, sellers::Model>> {
    Ok(sellers::Entity::find()
        .filter(sellers::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|seller| (seller.id, seller))
        .collect())
}

/// Categories by id.
pub async fn categories(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, categories::Model>> {
    Ok(categories::Entity::find()
        .filter(categories::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|category| (category.id, category))
        .collect())
}
