//! The platform's register of partner channels: registering one, changing it, switching it
//! off and on, rotating its signing secret (platform admins only).

use chrono::Utc;
use entity::{channels, enums::ChannelKind};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use super::{lookup::find, rules::ChannelRules, tokens::random_token};
use crate::{
    auth::AuthUser,
    domain::WebhookUrl,
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
    service::audit::{self, AuditEntry},
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
    /// Where the channel serves its order events to be polled (`docs/partners.md`).
    pub orders_url: Option<String>,
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
    caller.require_platform_admin()?;
    let (code, name, webhook_url, orders_url) = check_new_channel(&input, allow_private_webhooks)?;
    let signing_secret = format!("whsec_{}", random_token());
    let now = Utc::now();
    let channel = channels::ActiveModel {
        code: Set(code),
        name: Set(name),
        kind: Set(input.kind),
        webhook_url: Set(webhook_url),
        orders_url: Set(orders_url),
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
            changes: json!({
                "code": channel.code,
                "webhookUrl": channel.webhook_url,
                "ordersUrl": channel.orders_url,
            }),
        },
    )
    .await?;
    Ok(RegisteredChannel {
        channel,
        signing_secret,
    })
}

/// A partner URL (webhook or orders), validated like a webhook; `None` when not given.
fn partner_url(
    field: &str,
    raw: Option<&str>,
    allow_private: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let raw = raw?;
    match WebhookUrl::parse(&["input", field], raw, allow_private) {
        Ok(url) => Some(url.into_inner()),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

/// The new channel's code (lower-cased), name, webhook URL and orders URL, or one error per
/// bad field.
fn check_new_channel(
    input: &NewChannel,
    allow_private_webhooks: bool,
) -> AppResult<(String, String, Option<String>, Option<String>)> {
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
    let webhook_url = partner_url(
        "webhookUrl",
        input.webhook_url.as_deref(),
        allow_private_webhooks,
        &mut errors,
    );
    let orders_url = partner_url(
        "ordersUrl",
        input.orders_url.as_deref(),
        allow_private_webhooks,
        &mut errors,
    );
    check_rules(&input.rules, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((code, name, webhook_url, orders_url))
}

/// What `updateChannel` changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ChannelChanges {
    pub name: Option<String>,
    /// `Some("")` removes the webhook (a pull-feed-only channel).
    pub webhook_url: Option<String>,
    /// `Some("")` stops polling the channel for orders.
    pub orders_url: Option<String>,
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
    caller.require_platform_admin()?;
    let channel = find(db, id).await?;
    let mut errors = Vec::new();
    let mut model: channels::ActiveModel = channel.clone().into();
    if let Some(name) = &changes.name {
        let name = name.trim();
        check_name(name, &mut errors);
        model.name = Set(name.to_owned());
    }
    if let Some(raw) = &changes.webhook_url {
        let url = (!raw.trim().is_empty())
            .then(|| partner_url("webhookUrl", Some(raw), allow_private_webhooks, &mut errors))
            .flatten();
        model.webhook_url = Set(url);
    }
    if let Some(raw) = &changes.orders_url {
        let url = (!raw.trim().is_empty())
            .then(|| partner_url("ordersUrl", Some(raw), allow_private_webhooks, &mut errors))
            .flatten();
        model.orders_url = Set(url);
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
                "ordersUrl": changes.orders_url.as_ref().map(|_| &updated.orders_url),
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
    caller.require_platform_admin()?;
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
    caller.require_platform_admin()?;
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
