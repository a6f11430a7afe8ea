//! Pull feeds: the LIVE listings of an aggregator on a channel, read a page at a time so the
//! transport can stream them, authorised by the feed token issued when the channel was enabled.

use entity::{
    aggregators, channel_listings, channels,
    enums::{ListingStatus, ProductStatus, SellerStatus},
    products,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{allocation::StockAllocation, lookup::link, tokens::hash_token};
use crate::{
    error::{AppError, AppResult},
    service::catalogue::{batches as catalogue_batches, with_details},
};

/// Listings read per page.
pub const PAGE_SIZE: u64 = 200;

/// Whose feed a request reads, once its token checks out.
#[derive(Clone, Debug)]
pub struct Feed {
    pub aggregator_id: i64,
    pub aggregator_name: String,
    pub channel_id: i64,
    pub channel_name: String,
    pub allocation: StockAllocation,
}

/// One row of a feed.
#[derive(Clone, Debug)]
pub struct FeedItem {
    pub id: String,
    pub title: String,
    pub description: String,
    pub in_stock: bool,
    /// Whole rupiah.
    pub price: i64,
    pub link: String,
    pub image_link: String,
    pub brand: String,
}

/// The feed of `aggregator_slug` on `channel_code`, if `token` is its token. Every mismatch
/// reads as not found, so a token reveals nothing about other feeds.
pub async fn authorise(
    db: &impl ConnectionTrait,
    channel_code: &str,
    aggregator_slug: &str,
    token: &str,
) -> AppResult<Feed> {
    let not_found = || AppError::NotFound("feed");
    let channel = channels::Entity::find()
        .filter(channels::Column::Code.eq(channel_code))
        // A deactivated channel's feeds are gone.
        .filter(channels::Column::IsActive.eq(true))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let aggregator = aggregators::Entity::find()
        .filter(aggregators::Column::Slug.eq(aggregator_slug))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let link = link(db, aggregator.id, channel.id)
        .await?
        .ok_or_else(not_found)?;
    if !constant_time_eq(
        hash_token(token).as_bytes(),
        link.feed_token_hash.as_bytes(),
    ) {
        return Err(not_found());
    }
    Ok(Feed {
        aggregator_id: aggregator.id,
        aggregator_name: aggregator.name,
        channel_id: channel.id,
        channel_name: channel.name,
        allocation: StockAllocation::of(Some(&link)),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One page of a feed: its rows, and the last listing read (`None` at the end). A page may
/// have no rows (every product in it archived) without being the last.
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub last_listing: Option<i64>,
}

/// The next page of the feed after listing `after`.
pub async fn page(
    db: &impl ConnectionTrait,
    feed: &Feed,
    product_base_url: &str,
    after: i64,
) -> AppResult<FeedPage> {
    let listings = channel_listings::Entity::find()
        .filter(channel_listings::Column::AggregatorId.eq(feed.aggregator_id))
        .filter(channel_listings::Column::ChannelId.eq(feed.channel_id))
        .filter(channel_listings::Column::Status.eq(ListingStatus::Live))
        .filter(channel_listings::Column::Id.gt(after))
        .order_by_asc(channel_listings::Column::Id)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    let Some(last_listing) = listings.last().map(|listing| listing.id) else {
        return Ok(FeedPage {
            items: Vec::new(),
            last_listing: None,
        });
    };
    let product_ids: Vec<i64> = listings.iter().map(|l| l.product_id).collect();
    let found = products::Entity::find()
        .filter(products::Column::Id.is_in(product_ids))
        .all(db)
        .await?;
    let details = with_details(db, found).await?;
    let seller_ids: Vec<i64> = details.iter().map(|d| d.product.seller_id).collect();
    let sellers = catalogue_batches::sellers(db, &seller_ids).await?;
    let items = listings
        .iter()
        .filter_map(|listing| {
            let detail = details
                .iter()
                .find(|d| d.product.id == listing.product_id)?;
            let product = &detail.product;
            let seller = sellers.get(&product.seller_id)?;
            if product.status != ProductStatus::Active || seller.status != SellerStatus::Active {
                return None;
            }
            let price = listing
                .price_override
                .unwrap_or_else(|| detail.variants.iter().map(|v| v.price).min().unwrap_or(0));
            let stock: i64 = detail
                .variants
                .iter()
                .map(|v| i64::from(feed.allocation.apply(v.stock)))
                .sum();
            let description = if product.description.trim().is_empty() {
                product.title.clone()
            } else {
                product.description.clone()
            };
            Some(FeedItem {
                id: format!("dermaga-{}", product.id),
                title: product.title.clone(),
                description,
                in_stock: stock > 0,
                price,
                link: format!("{product_base_url}{}", product.id),
                image_link: detail
                    .images
                    .first()
                    .map(|image| image.url.clone())
                    .unwrap_or_default(),
                brand: seller.business_name.clone(),
            })
        })
        .collect();
    Ok(FeedPage {
        items,
        last_listing: Some(last_listing),
    })
}
