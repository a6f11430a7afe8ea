//! Partner channels: registered by a platform admin, enabled per aggregator (with category
//! mapping, stock allocation and a pull-feed token).

mod allocation;
pub mod feeds;
pub mod rules;

use std::collections::HashMap;

use chrono::Utc;
use entity::{aggregator_channels, channels, enums::ChannelKind, enums::Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TryIntoModel,
};
use serde_json::json;
use sha2::{Digest, Sha256};

pub use allocation::StockAllocation;
pub use rules::{ChannelRules, RequiredField};

use super::audit::{self, AuditEntry};
use crate::{
    auth::AuthUser,
    domain::WebhookUrl,
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
};

const CODE_KEY: Constraint = Constraint {
    name: "channels_code_key",
    sqlite_columns: "channels.code",
};

/// A channel to register.
#[derive(Clone, Debug)]
pub struct NewChannel {
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    pub webhook_url: Option<String>,
    pub rules: ChannelRules,
}

/// A registered channel and its signing secret, which is shown this once.
pub struct RegisteredChannel {
    pub channel: channels::Model,
    pub signing_secret: String,
}

/// Registers a partner channel (platform admins only).
#[tracing::instrument(skip(db, input))]
pub async fn register(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    allow_private_webhooks: bool,
    input: NewChannel,
) -> AppResult<RegisteredChannel> {
    require_platform_admin(caller)?;
    let mut errors = Vec::new();
    let code = input.code.trim().to_ascii_lowercase();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(FieldError::new(
            &["input", "code"],
            FieldErrorCode::Invalid,
            "must be 1 to 32 letters, digits, '-' or '_'",
        ));
    }
    let name = input.name.trim().to_owned();
    check_name(&name, &mut errors);
    let webhook_url = match input.webhook_url.as_deref() {
        None => None,
        Some(raw) => match WebhookUrl::parse(&["input", "webhookUrl"], raw, allow_private_webhooks)
        {
            Ok(url) => Some(url.into_inner()),
            Err(error) => {
                errors.push(error);
                None
            }
        },
    };
    check_rules(&input.rules, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let signing_secret = format!("whsec_{}", random_token());
    let now = Utc::now();
    let channel = channels::ActiveModel {
        code: Set(code),
        name: Set(name),
        kind: Set(input.kind),
        webhook_url: Set(webhook_url),
        signing_secret: Set(signing_secret.clone()),
        rules: Set(serde_json::to_value(&input.rules).map_err(anyhow::Error::from)?),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|err| {
        AppError::from(err).on_constraint(&[(
            CODE_KEY,
            FieldError::new(
                &["input", "code"],
                FieldErrorCode::Taken,
                "is already taken",
            ),
        )])
    })?;
    audit::record(
        db,
        Some(caller),
        AuditEntry {
            aggregator_id: None,
            action: "channel.registered",
            entity_type: "Channel",
            entity_id: channel.id,
            changes: json!({ "code": channel.code, "webhookUrl": channel.webhook_url }),
        },
    )
    .await?;
    Ok(RegisteredChannel {
        channel,
        signing_secret,
    })
}

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
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
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

/// The channels the caller's aggregator has enabled, with its settings for each.
pub async fn enabled(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
) -> AppResult<Vec<(aggregator_channels::Model, channels::Model)>> {
    let Some(aggregator_id) = caller.aggregator_id else {
        return Err(AppError::Forbidden);
    };
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

/// SHA-256 (hex) of a feed token, as stored.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn random_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What `updateChannel` changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ChannelChanges {
    pub name: Option<String>,
    /// `Some("")` removes the webhook (a pull-feed-only channel).
    pub webhook_url: Option<String>,
    pub rules: Option<ChannelRules>,
}

/// A channel name (trimmed) must be 1 to 200 characters.
fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            &["input", "name"],
            FieldErrorCode::Blank,
            "must be 1 to 200 characters",
        ));
    }
}

fn check_rules(rules: &ChannelRules, errors: &mut Vec<FieldError>) {
    if let Some(min) = rules.min_price
        && min < 0
    {
        errors.push(FieldError::new(
            &["input", "rules", "minPrice"],
            FieldErrorCode::TooSmall,
            "can't be negative",
        ));
    }
}

fn require_platform_admin(caller: &AuthUser) -> AppResult<()> {
    if caller.role == Role::PlatformAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Changes a channel's name, webhook URL or rules, with registration's validation (platform
/// admins only). New rules apply to every later change of its listings.
#[tracing::instrument(skip(db, changes))]
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    caller: &AuthUser,
    allow_private_webhooks: bool,
    id: i64,
    changes: ChannelChanges,
) -> AppResult<channels::Model> {
    require_platform_admin(caller)?;
    let channel = find(db, id).await?;
    let mut errors = Vec::new();
    let mut model: channels::ActiveModel = channel.clone().into();
    if let Some(name) = &changes.name {
        let name = name.trim();
        check_name(name, &mut errors);
        model.name = Set(name.to_owned());
    }
    if let Some(raw) = &changes.webhook_url {
        if raw.trim().is_empty() {
            model.webhook_url = Set(None);
        } else {
            match WebhookUrl::parse(&["input", "webhookUrl"], raw, allow_private_webhooks) {
                Ok(url) => model.webhook_url = Set(Some(url.into_inner())),
                Err(error) => errors.push(error),
            }
        }
    }
    if let Some(rules) = &changes.rules {
        check_rules(rules, &mut errors);
        model.rules = Set(serde_json::to_value(rules).map_err(anyhow::Error::from)?);
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    model.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(db).await?;
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: None,
            action: "channel.updated",
            entity_type: "Channel",
            entity_id: updated.id,
            changes: json!({
                "name": changes.name.as_ref().map(|_| &updated.name),
                "webhookUrl": changes.webhook_url.as_ref().map(|_| &updated.webhook_url),
                "rules": changes.rules.as_ref().map(|_| &updated.rules),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deactivates or reactivates a channel (platform admins only). While deactivated it can't
/// be enabled or published to, its feeds answer 404 and its pending jobs wait.
#[tracing::instrument(skip(db))]
pub async fn set_active(
    db: &sea_orm::DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    active: bool,
) -> AppResult<channels::Model> {
    require_platform_admin(caller)?;
    let channel = find(db, id).await?;
    if channel.is_active == active {
        return Err(AppError::Conflict(FieldError::new(
            &["id"],
            FieldErrorCode::Conflict,
            if active {
                "the channel is already active"
            } else {
                "the channel is already deactivated"
            },
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut model: channels::ActiveModel = channel.into();
    model.is_active = Set(active);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: None,
            action: if active {
                "channel.reactivated"
            } else {
                "channel.deactivated"
            },
            entity_type: "Channel",
            entity_id: updated.id,
            changes: json!({ "isActive": active }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Issues a new signing secret (platform admins only); returned this once. Deliveries from
/// now on are signed with it.
#[tracing::instrument(skip(db))]
pub async fn rotate_secret(
    db: &sea_orm::DatabaseConnection,
    caller: &AuthUser,
    id: i64,
) -> AppResult<RegisteredChannel> {
    require_platform_admin(caller)?;
    let channel = find(db, id).await?;
    let signing_secret = format!("whsec_{}", random_token());
    let txn = crate::db::begin_write(db).await?;
    let mut model: channels::ActiveModel = channel.into();
    model.signing_secret = Set(signing_secret.clone());
    model.updated_at = Set(Utc::now());
    let channel = model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: None,
            action: "channel.secret_rotated",
            entity_type: "Channel",
            entity_id: channel.id,
            changes: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RegisteredChannel {
        channel,
        signing_secret,
    })
}
