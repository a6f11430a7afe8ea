//! An aggregator's side of a channel: enabling it with its category mapping, stock allocation
//! and pull-feed token, and the channels it has enabled.

use std::collections::HashMap;

use chrono::Utc;
use entity::{aggregator_channels, channels, enums::Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TryIntoModel,
};
use serde_json::json;

use super::{
    lookup::{by_ids, find, link},
    tokens::{hash_token, random_token},
};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    service::audit::{self, AuditEntry},
};

/// An aggregator's settings for a channel.
#[derive(Clone, Debug, Default)]
pub struct ChannelSetup {
    /// Dermaga category id → the channel's category id.
    pub category_map: HashMap<i64, String>,
    pub stock_share_percent: Option<i32>,
    pub stock_buffer: Option<i32>,
}

/// An enabled channel and its pull-feed token, shown this once.
pub struct EnabledChannel {
    pub link: aggregator_channels::Model,
    pub channel: channels::Model,
    pub feed_token: String,
}

/// Enables (or re-configures) a channel for the caller's aggregator; issues a new feed token.
#[tracing::instrument(skip(db, setup))]
pub async fn enable(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    channel_id: i64,
    setup: ChannelSetup,
) -> AppResult<EnabledChannel> {
    let aggregator_id = match (caller.role, caller.aggregator_id) {
        (Role::AggregatorAdmin, Some(id)) => id,
        _ => return Err(AppError::Forbidden),
    };
    let channel = find(db, channel_id).await?;
    check_setup(&channel, &setup)?;
    let feed_token = random_token();
    let category_map: serde_json::Map<String, serde_json::Value> = setup
        .category_map
        .into_iter()
        .map(|(category, external)| (category.to_string(), external.trim().into()))
        .collect();
    let now = Utc::now();
    let existing = link(db, aggregator_id, channel_id).await?;
    let mut model = match existing {
        Some(existing) => existing.into(),
        None => aggregator_channels::ActiveModel {
            aggregator_id: Set(aggregator_id),
            channel_id: Set(channel_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.category_map = Set(category_map.into());
    model.stock_share_percent = Set(setup.stock_share_percent);
    model.stock_buffer = Set(setup.stock_buffer);
    model.feed_token_hash = Set(hash_token(&feed_token));
    model.updated_at = Set(now);
    let link = model.save(db).await?.try_into_model()?;
    audit::record(
        db,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(aggregator_id),
            action: "channel.enabled",
            entity_type: "Channel",
            entity_id: channel_id,
            changes: json!({
                "categoryMap": link.category_map,
                "stockSharePercent": link.stock_share_percent,
                "stockBuffer": link.stock_buffer,
            }),
        },
    )
    .await?;
    Ok(EnabledChannel {
        link,
        channel,
        feed_token,
    })
}

/// One error per bad setting: a deactivated channel, a share and a buffer both, a value out
/// of range, a blank or overlong channel category id.
fn check_setup(channel: &channels::Model, setup: &ChannelSetup) -> AppResult<()> {
    let mut errors = Vec::new();
    if !channel.is_active {
        errors.push(FieldError::new(
            &["input", "channelId"],
            FieldErrorCode::Invalid,
            "this channel is deactivated by the platform and can't be enabled",
        ));
    }
    match (setup.stock_share_percent, setup.stock_buffer) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            &["input", "stockBuffer"],
            FieldErrorCode::Conflict,
            "give either a stock share or a stock buffer, not both",
        )),
        (Some(share), None) if !(0..=100).contains(&share) => errors.push(FieldError::new(
            &["input", "stockSharePercent"],
            FieldErrorCode::Invalid,
            "must be between 0 and 100",
        )),
        (None, Some(buffer)) if buffer < 0 => errors.push(FieldError::new(
            &["input", "stockBuffer"],
            FieldErrorCode::TooSmall,
            "can't be negative",
        )),
        _ => {}
    }
    for (category, external) in &setup.category_map {
        if external.trim().is_empty() || external.len() > 200 {
            errors.push(FieldError::new(
                &["input", "categoryMappings"],
                FieldErrorCode::Invalid,
                format!(
                    "the channel category id for category {category} must be 1 to 200 characters"
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The channels the caller's aggregator has enabled, with its settings for each.
pub async fn enabled(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
) -> AppResult<Vec<(aggregator_channels::Model, channels::Model)>> {
    let aggregator_id = caller.team_aggregator()?;
    let links = aggregator_channels::Entity::find()
        .filter(aggregator_channels::Column::AggregatorId.eq(aggregator_id))
        .order_by_asc(aggregator_channels::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = links.iter().map(|link| link.channel_id).collect();
    let mut channels = by_ids(db, &ids).await?;
    Ok(links
        .into_iter()
        .filter_map(|link| {
            let channel = channels.remove(&link.channel_id)?;
            Some((link, channel))
        })
        .collect())
}
