//! What the dashboard reads of the caller's listings: one, a page, a product's, and their
//! delivery attempts.

use std::collections::HashMap;

use entity::{
    channel_listings,
    enums::{ListingStatus, OutboxStatus},
    listing_deliveries, outbox_jobs,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    service::{Page, PageRequest, Scope, pagination::paginate},
};

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

/// The listings the caller may see of each product, oldest first, in one statement (every
/// asked id gets an entry).
pub async fn of_products(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    product_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<channel_listings::Model>>> {
    let mut by_product: HashMap<i64, Vec<_>> =
        product_ids.iter().map(|id| (*id, Vec::new())).collect();
    for listing in Scope::channel_listings(caller)
        .filter(channel_listings::Column::ProductId.is_in(product_ids.to_vec()))
        .order_by_asc(channel_listings::Column::Id)
        .all(db)
        .await?
    {
        by_product
            .entry(listing.product_id)
            .or_default()
            .push(listing);
    }
    Ok(by_product)
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
