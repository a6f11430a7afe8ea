//! Publishing products on channels: the rules check, the listings, retries, and what the
//! dashboard reads of them (status, delivery attempts).

pub mod outbox;
pub mod status;
mod watch;

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    channel_listings,
    enums::{ListingStatus, OutboxStatus, ProductStatus},
    listing_deliveries, outbox_jobs,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Order,
    QueryFilter, QueryOrder, Set, TryIntoModel,
};
use serde_json::json;

pub use self::watch::watch;
use self::{
    outbox::category_slugs,
    status::{ListingEvent, ListingState, next},
};
use super::{
    Page, PageRequest, Scope,
    audit::{self, AuditEntry},
    catalogue::{batches as catalogue_batches, detail, require_catalogue_manager},
    channels,
    channels::rules::Candidate,
    pagination::paginate,
    products as product_service,
};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    events::{self, Event},
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
    let aggregator_id = require_catalogue_manager(caller)?;
    let product = product_service::find(db, caller, product_id).await?;
    if choices.is_empty() {
        return Err(AppError::invalid(
            &["input", "channels"],
            FieldErrorCode::Blank,
            "choose at least one channel",
        ));
    }
    let detail = detail(db, product).await?;
    let product = &detail.product;
    let seller = catalogue_batches::sellers(db, &[product.seller_id])
        .await?
        .remove(&product.seller_id)
        .ok_or(AppError::NotFound("seller"))?;
    let mut categories = catalogue_batches::categories(db, &[product.category_id]).await?;
    let parents: Vec<i64> = categories.values().filter_map(|c| c.parent_id).collect();
    categories.extend(catalogue_batches::categories(db, &parents).await?);
    let slugs = category_slugs(&categories, product.category_id);
    let mut errors = Vec::new();
    if product.status != ProductStatus::Active {
        errors.push(FieldError::new(
            &["input", "productId"],
            FieldErrorCode::Invalid,
            "only an ACTIVE product can be published",
        ));
    }
    let mut seen = HashMap::new();
    for (index, choice) in choices.iter().enumerate() {
        let index = index.to_string();
        let field = ["input", "channels", index.as_str()];
        if seen.insert(choice.channel_id, ()).is_some() {
            errors.push(FieldError::new(
                &field,
                FieldErrorCode::Conflict,
                "this channel is chosen twice",
            ));
            continue;
        }
        let channel = match channels::find(db, choice.channel_id).await {
            Ok(channel) if channel.is_active => channel,
            Ok(_) => {
                errors.push(FieldError::new(
                    &field,
                    FieldErrorCode::Invalid,
                    "this channel is deactivated by the platform",
                ));
                continue;
            }
            Err(AppError::NotFound(_)) => {
                errors.push(FieldError::new(
                    &field,
                    FieldErrorCode::NotFound,
                    "no such active channel",
                ));
                continue;
            }
            Err(other) => return Err(other),
        };
        let Some(link) = channels::link(db, aggregator_id, channel.id).await? else {
            errors.push(FieldError::new(
                &field,
                FieldErrorCode::NotFound,
                "your aggregator has not enabled this channel",
            ));
            continue;
        };
        if let Some(price) = choice.price_override
            && price <= 0
        {
            errors.push(FieldError::new(
                &field,
                FieldErrorCode::TooSmall,
                "the price override must be positive",
            ));
            continue;
        }
        let channel_category = channels::mapped_category(&link, product.category_id);
        let candidate = Candidate::of(
            &detail,
            &seller,
            choice.price_override,
            &slugs,
            channel_category.as_deref(),
        );
        errors.extend(channels::rules_of(&channel).check(&field, &candidate));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let mut listings = Vec::new();
    for choice in &choices {
        let existing = channel_listings::Entity::find()
            .filter(channel_listings::Column::ProductId.eq(product.id))
            .filter(channel_listings::Column::ChannelId.eq(choice.channel_id))
            .one(&txn)
            .await?;
        let from = existing
            .as_ref()
            .map_or(ListingState::UNLISTED, ListingState::of);
        let to = next(from, ListingEvent::Published).map_err(refused)?;
        let mut model: channel_listings::ActiveModel = match existing {
            Some(existing) => existing.into(),
            None => channel_listings::ActiveModel {
                aggregator_id: Set(aggregator_id),
                product_id: Set(product.id),
                channel_id: Set(choice.channel_id),
                created_at: Set(now),
                ..Default::default()
            },
        };
        model.status = Set(to.status);
        model.withdrawn = Set(to.withdrawn);
        model.price_override = Set(choice.price_override);
        model.last_error = Set(None);
        model.attempts = Set(0);
        model.updated_at = Set(now);
        listings.push(model.save(&txn).await?.try_into_model()?);
    }
    let entry = AuditEntry {
        aggregator_id: Some(aggregator_id),
        action: "product.published",
        entity_type: "Product",
        entity_id: product.id,
        changes: json!({ "channels": choices.iter().map(|c| c.channel_id).collect::<Vec<_>>() }),
    };
    queue_and_commit(txn, caller, entry, listings).await
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
    let aggregator_id = require_catalogue_manager(caller)?;
    let product = product_service::find(db, caller, product_id).await?;
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
    require_catalogue_manager(caller)?;
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

/// A listing the caller may see.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<channel_listings::Model> {
    Scope::channel_listings(caller)
        .filter(channel_listings::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("listing"))
}

/// What to list of the caller's listings.
#[derive(Clone, Debug, Default)]
pub struct ListingFilter {
    pub product_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub status: Option<ListingStatus>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: ListingFilter,
    page: PageRequest,
) -> AppResult<Page<channel_listings::Model>> {
    let mut select = Scope::channel_listings(caller);
    if let Some(product_id) = filter.product_id {
        select = select.filter(channel_listings::Column::ProductId.eq(product_id));
    }
    if let Some(channel_id) = filter.channel_id {
        select = select.filter(channel_listings::Column::ChannelId.eq(channel_id));
    }
    if let Some(status) = filter.status {
        select = select.filter(channel_listings::Column::Status.eq(status));
    }
    paginate(db, select, channel_listings::Column::Id, Order::Asc, page).await
}

/// The listings of a product the caller may see.
pub async fn of_product(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    product_id: i64,
) -> AppResult<Vec<channel_listings::Model>> {
    Ok(Scope::channel_listings(caller)
        .filter(channel_listings::Column::ProductId.eq(product_id))
        .order_by_asc(channel_listings::Column::Id)
        .all(db)
        .await?)
}

/// Every delivery attempt of a listing, newest first.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    listing_id: i64,
    page: PageRequest,
) -> AppResult<Page<listing_deliveries::Model>> {
    let listing = find(db, caller, listing_id).await?;
    let select = listing_deliveries::Entity::find()
        .filter(listing_deliveries::Column::ListingId.eq(listing.id));
    paginate(
        db,
        select,
        listing_deliveries::Column::Id,
        Order::Desc,
        page,
    )
    .await
}

/// Pending or in-flight jobs of a listing (tests and diagnostics).
pub async fn active_jobs(
    db: &impl ConnectionTrait,
    listing_id: i64,
) -> AppResult<Vec<outbox_jobs::Model>> {
    Ok(outbox_jobs::Entity::find()
        .filter(outbox_jobs::Column::ListingId.eq(listing_id))
        .filter(outbox_jobs::Column::Status.is_in([OutboxStatus::Pending, OutboxStatus::InFlight]))
        .all(db)
        .await?)
}
