//! Publishing a product on channels, withdrawing it and retrying a refused or failed push:
//! the aggregator's writes to its listings, each with its push queued in the same
//! transaction.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{categories, channel_listings, enums::ProductStatus, sellers};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TryIntoModel,
};
use serde_json::json;

use super::{
    channel_rules::broken_rules,
    outbox,
    reads::find,
    status::{self, ListingEvent, ListingState, next},
};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    events::{self, Event},
    service::{
        Scope,
        audit::{self, AuditEntry},
        catalogue::{ProductDetail, batches as catalogue_batches, detail},
        channels,
    },
};

/// One channel to publish a product on.
#[derive(Clone, Debug)]
pub struct ChannelChoice {
    pub channel_id: i64,
    /// Whole rupiah; replaces every variant's price on this channel.
    pub price_override: Option<i64>,
}

/// Publishes a product on channels: checks every channel's rules (one error per broken
/// rule, nothing queued when any breaks), then creates or re-activates the listings and
/// queues their first push in the same transaction.
#[tracing::instrument(skip(db))]
pub async fn publish(
    db: &DatabaseConnection,
    caller: &AuthUser,
    product_id: i64,
    choices: Vec<ChannelChoice>,
) -> AppResult<Vec<channel_listings::Model>> {
    let aggregator_id = caller.team_aggregator()?;
    let product = Scope::product(db, caller, product_id).await?;
    if choices.is_empty() {
        return Err(AppError::invalid(
            &["input", "channels"],
            FieldErrorCode::Blank,
            "choose at least one channel",
        ));
    }
    let product = Publishable::load(db, detail(db, product).await?).await?;
    let errors = product.check(db, aggregator_id, &choices).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let product_id = product.detail.product.id;
    let listings = save_published(&txn, aggregator_id, product_id, &choices).await?;
    let entry = AuditEntry {
        aggregator_id: Some(aggregator_id),
        action: "product.published",
        entity_type: "Product",
        entity_id: product_id,
        changes: json!({ "channels": choices.iter().map(|c| c.channel_id).collect::<Vec<_>>() }),
    };
    queue_and_commit(txn, caller, entry, listings).await
}

/// A product about to be published, with what the channels' rules look at.
struct Publishable {
    detail: ProductDetail,
    seller: sellers::Model,
    /// Its category and that category's parent.
    categories: HashMap<i64, categories::Model>,
}

impl Publishable {
    async fn load(db: &impl ConnectionTrait, detail: ProductDetail) -> AppResult<Self> {
        let product = &detail.product;
        let seller = catalogue_batches::sellers(db, &[product.seller_id])
            .await?
            .remove(&product.seller_id)
            .ok_or(AppError::NotFound("seller"))?;
        let mut categories = catalogue_batches::categories(db, &[product.category_id]).await?;
        let parents: Vec<i64> = categories.values().filter_map(|c| c.parent_id).collect();
        categories.extend(catalogue_batches::categories(db, &parents).await?);
        Ok(Self {
            detail,
            seller,
            categories,
        })
    }

    /// Every reason not to publish it on these channels, one error each.
    async fn check(
        &self,
        db: &impl ConnectionTrait,
        aggregator_id: i64,
        choices: &[ChannelChoice],
    ) -> AppResult<Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.detail.product.status != ProductStatus::Active {
            errors.push(FieldError::new(
                &["input", "productId"],
                FieldErrorCode::Invalid,
                "only an ACTIVE product can be published",
            ));
        }
        let mut seen = HashSet::new();
        for (index, choice) in choices.iter().enumerate() {
            let index = index.to_string();
            let field = ["input", "channels", index.as_str()];
            if !seen.insert(choice.channel_id) {
                errors.push(FieldError::new(
                    &field,
                    FieldErrorCode::Conflict,
                    "this channel is chosen twice",
                ));
                continue;
            }
            errors.extend(self.check_choice(db, aggregator_id, choice, &field).await?);
        }
        Ok(errors)
    }

    /// Why it can't go on one chosen channel: the channel, the aggregator's setup of it, the
    /// price override, the channel's rules.
    async fn check_choice(
        &self,
        db: &impl ConnectionTrait,
        aggregator_id: i64,
        choice: &ChannelChoice,
        field: &[&str],
    ) -> AppResult<Vec<FieldError>> {
        let refuse = |code, message| Ok(vec![FieldError::new(field, code, message)]);
        let channel = match channels::find(db, choice.channel_id).await {
            Ok(channel) if channel.is_active => channel,
            Ok(_) => {
                return refuse(
                    FieldErrorCode::Invalid,
                    "this channel is deactivated by the platform",
                );
            }
            Err(AppError::NotFound(_)) => {
                return refuse(FieldErrorCode::NotFound, "no such active channel");
            }
            Err(other) => return Err(other),
        };
        let Some(link) = channels::link(db, aggregator_id, channel.id).await? else {
            return refuse(
                FieldErrorCode::NotFound,
                "your aggregator has not enabled this channel",
            );
        };
        if let Some(price) = choice.price_override
            && price <= 0
        {
            return refuse(
                FieldErrorCode::TooSmall,
                "the price override must be positive",
            );
        }
        Ok(broken_rules(
            field,
            &channel,
            Some(&link),
            &self.detail,
            &self.seller,
            &self.categories,
            choice.price_override,
        ))
    }
}

/// Creates the product's listing on each chosen channel, or re-activates the one it had.
async fn save_published(
    txn: &impl ConnectionTrait,
    aggregator_id: i64,
    product_id: i64,
    choices: &[ChannelChoice],
) -> AppResult<Vec<channel_listings::Model>> {
    let now = Utc::now();
    let mut listings = Vec::new();
    for choice in choices {
        let existing = channel_listings::Entity::find()
            .filter(channel_listings::Column::ProductId.eq(product_id))
            .filter(channel_listings::Column::ChannelId.eq(choice.channel_id))
            .one(txn)
            .await?;
        let from = existing
            .as_ref()
            .map_or(ListingState::UNLISTED, ListingState::of);
        let to = next(from, ListingEvent::Published).map_err(refused)?;
        let mut model: channel_listings::ActiveModel = match existing {
            Some(existing) => existing.into(),
            None => super::rows::published(
                (aggregator_id, product_id),
                choice.channel_id,
                choice.price_override,
                now,
            ),
        };
        model.status = Set(to.status);
        model.withdrawn = Set(to.withdrawn);
        model.price_override = Set(choice.price_override);
        model.last_error = Set(None);
        model.attempts = Set(0);
        model.updated_at = Set(now);
        listings.push(model.save(txn).await?.try_into_model()?);
    }
    Ok(listings)
}

/// Withdraws a product from channels (all of its channels when `channel_ids` is `None`) and
/// queues the withdrawal push.
#[tracing::instrument(skip(db))]
pub async fn unpublish(
    db: &DatabaseConnection,
    caller: &AuthUser,
    product_id: i64,
    channel_ids: Option<Vec<i64>>,
) -> AppResult<Vec<channel_listings::Model>> {
    let aggregator_id = caller.team_aggregator()?;
    let product = Scope::product(db, caller, product_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut select = Scope::channel_listings(caller)
        .filter(channel_listings::Column::ProductId.eq(product.id))
        .filter(status::not_held_back());
    if let Some(ids) = channel_ids {
        select = select.filter(channel_listings::Column::ChannelId.is_in(ids));
    }
    let now = Utc::now();
    let mut listings = Vec::new();
    for listing in select.all(&txn).await? {
        let to = next(ListingState::of(&listing), ListingEvent::Unpublished).map_err(refused)?;
        let mut model: channel_listings::ActiveModel = listing.into();
        model.status = Set(to.status);
        model.withdrawn = Set(to.withdrawn);
        model.updated_at = Set(now);
        listings.push(model.update(&txn).await?);
    }
    let entry = AuditEntry {
        aggregator_id: Some(aggregator_id),
        action: "product.unpublished",
        entity_type: "Product",
        entity_id: product.id,
        changes: json!({ "listings": listings.iter().map(|l| l.id).collect::<Vec<_>>() }),
    };
    queue_and_commit(txn, caller, entry, listings).await
}

/// Queues the push of `listings`, records the change and commits: one transaction, so the
/// listings, their push and their audit entry land together or not at all.
async fn queue_and_commit(
    txn: sea_orm::DatabaseTransaction,
    caller: &AuthUser,
    entry: AuditEntry<'_>,
    listings: Vec<channel_listings::Model>,
) -> AppResult<Vec<channel_listings::Model>> {
    outbox::enqueue(&txn, listings.clone()).await?;
    audit::record(&txn, Some(caller), entry).await?;
    let changed: Vec<Event> = listings.iter().map(Event::listing).collect();
    events::notify(&txn, &changed).await?;
    txn.commit().await?;
    Ok(listings)
}

/// Queues a FAILED or REJECTED listing again.
#[tracing::instrument(skip(db))]
pub async fn retry(
    db: &DatabaseConnection,
    caller: &AuthUser,
    listing_id: i64,
) -> AppResult<channel_listings::Model> {
    caller.team_aggregator()?;
    let listing = find(db, caller, listing_id).await?;
    let to = next(ListingState::of(&listing), ListingEvent::Retried).map_err(|refused| {
        AppError::invalid(
            &["input", "listingId"],
            FieldErrorCode::Invalid,
            refused.message(),
        )
    })?;
    let txn = crate::db::begin_write(db).await?;
    let mut model: channel_listings::ActiveModel = listing.into();
    model.status = Set(to.status);
    model.withdrawn = Set(to.withdrawn);
    model.attempts = Set(0);
    model.updated_at = Set(Utc::now());
    let listing = model.update(&txn).await?;
    outbox::enqueue(&txn, vec![listing.clone()]).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(listing.aggregator_id),
            action: "listing.retried",
            entity_type: "ChannelListing",
            entity_id: listing.id,
            changes: json!({ "productId": listing.product_id, "channelId": listing.channel_id }),
        },
    )
    .await?;
    events::notify(&txn, &[Event::listing(&listing)]).await?;
    txn.commit().await?;
    Ok(listing)
}

/// A transition the table refuses where the caller's own checks should have kept it from
/// being asked: a bug, not the caller's mistake.
fn refused(refused: status::Refused) -> AppError {
    AppError::Internal(anyhow::anyhow!("{refused:?}: {}", refused.message()))
}
