//! Reading channels and an aggregator's settings for them.

use std::collections::HashMap;

use entity::{aggregator_channels, channels};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::rules::ChannelRules;
use crate::error::{AppError, AppResult};

/// Every channel, by code.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<channels::Model>> {
    Ok(channels::Entity::find()
        .order_by_asc(channels::Column::Code)
        .all(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<channels::Model> {
    channels::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("channel"))
}

/// Channels by id.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, channels::Model>> {
    Ok(channels::Entity::find()
        .filter(channels::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|channel| (channel.id, channel))
        .collect())
}

/// The rules a channel stores (an unreadable document reads as no rules).
pub fn rules_of(channel: &channels::Model) -> ChannelRules {
    serde_json::from_value(channel.rules.clone()).unwrap_or_default()
}

/// Dermaga category id → channel category id, as an aggregator mapped them.
pub fn category_mappings(link: &aggregator_channels::Model) -> Vec<(i64, String)> {
    let mut mappings: Vec<(i64, String)> = link
        .category_map
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(category, external)| {
            Some((category.parse().ok()?, external.as_str()?.to_owned()))
        })
        .collect();
    mappings.sort();
    mappings
}

/// The aggregator's settings for a channel, when it enabled it.
pub async fn link(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    channel_id: i64,
) -> AppResult<Option<aggregator_channels::Model>> {
    Ok(aggregator_channels::Entity::find()
        .filter(aggregator_channels::Column::AggregatorId.eq(aggregator_id))
        .filter(aggregator_channels::Column::ChannelId.eq(channel_id))
        .one(db)
        .await?)
}

/// The channel category an aggregator maps a category to.
pub fn mapped_category(link: &aggregator_channels::Model, category_id: i64) -> Option<String> {
    link.category_map
        .get(category_id.to_string())
        .and_then(|value| value.as_str())
        .map(str::to_owned)
}
