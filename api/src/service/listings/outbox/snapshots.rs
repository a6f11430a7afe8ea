//! The snapshot pushed for a listing: its event and payload (`docs/partners.md`), and whether
//! the channel's rules still accept its product.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    aggregator_channels, channel_listings, channels,
    enums::{ListingStatus, OutboxStatus, ProductStatus, SellerStatus},
    outbox_jobs, products,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::{
    error::AppResult,
    global_id,
    service::{
        catalogue::{ProductDetail, batches as catalogue_batches, with_details},
        channels::{self as channel_service, StockAllocation, mapped_category},
        listings::{
            channel_rules::broken_rules,
            status::{ListingEvent, ListingState, next},
        },
    },
};

/// The version of the payload schema (`docs/partners.md`).
pub const PAYLOAD_SCHEMA_VERSION: i32 = 1;
pub const EVENT_UPSERT: &str = "listing.upsert";
pub const EVENT_DELETE: &str = "listing.delete";

/// What a change comes to for one listing.
pub(super) enum Plan {
    /// Push this snapshot; `revives` when the listing was refused for the channel's rules and
    /// now meets them.
    Push {
        job: Box<outbox_jobs::ActiveModel>,
        revives: bool,
    },
    /// The product breaks the channel's rules: refuse the listing instead (at this version).
    Refuse { version: i32, broken: Vec<String> },
}

/// Everything the snapshots of a set of listings need, loaded in a few queries.
pub(super) struct Snapshots {
    products: HashMap<i64, ProductDetail>,
    sellers: HashMap<i64, entity::sellers::Model>,
    categories: HashMap<i64, entity::categories::Model>,
    channels: HashMap<i64, channels::Model>,
    links: HashMap<(i64, i64), aggregator_channels::Model>,
}

impl Snapshots {
    pub(super) async fn load(
        db: &impl ConnectionTrait,
        listings: &[channel_listings::Model],
    ) -> AppResult<Self> {
        let product_ids: Vec<i64> = unique(listings.iter().map(|listing| listing.product_id));
        let channel_ids: Vec<i64> = unique(listings.iter().map(|listing| listing.channel_id));
        let aggregator_ids: Vec<i64> = unique(listings.iter().map(|listing| listing.aggregator_id));
        let mut found = Vec::new();
        for chunk in product_ids.chunks(500) {
            found.extend(
                products::Entity::find()
                    .filter(products::Column::Id.is_in(chunk.to_vec()))
                    .all(db)
                    .await?,
            );
        }
        let details = with_details(db, found).await?;
        let seller_ids = unique(details.iter().map(|detail| detail.product.seller_id));
        let category_ids = unique(details.iter().map(|detail| detail.product.category_id));
        let sellers = catalogue_batches::sellers(db, &seller_ids).await?;
        let mut categories = catalogue_batches::categories(db, &category_ids).await?;
        let parent_ids = unique(
            categories
                .values()
                .filter_map(|category| category.parent_id),
        );
        categories.extend(catalogue_batches::categories(db, &parent_ids).await?);
        let channels = channel_service::by_ids(db, &channel_ids).await?;
        let links = aggregator_channels::Entity::find()
            .filter(aggregator_channels::Column::ChannelId.is_in(channel_ids))
            .filter(aggregator_channels::Column::AggregatorId.is_in(aggregator_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|link| ((link.aggregator_id, link.channel_id), link))
            .collect();
        Ok(Self {
            products: details
                .into_iter()
                .map(|detail| (detail.product.id, detail))
                .collect(),
            sellers,
            categories,
            channels,
            links,
        })
    }

    /// What to do for a listing: push its snapshot, refuse it for the channel's rules, or
    /// nothing when its product, seller or channel is gone.
    pub(super) fn plan(
        &self,
        listing: &channel_listings::Model,
        now: chrono::DateTime<Utc>,
    ) -> Option<Plan> {
        let (event, payload, version) = self.payload(listing)?;
        let mut revives = false;
        if event == EVENT_UPSERT {
            let broken = self.broken_rules(listing);
            if !broken.is_empty() {
                return Some(Plan::Refuse { version, broken });
            }
            revives = next(ListingState::of(listing), ListingEvent::MetRules).is_ok();
        }
        let job = outbox_jobs::ActiveModel {
            aggregator_id: Set(listing.aggregator_id),
            listing_id: Set(listing.id),
            event_type: Set(event.to_owned()),
            payload: Set(payload),
            product_version: Set(version),
            status: Set(OutboxStatus::Pending),
            attempts: Set(0),
            run_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        Some(Plan::Push {
            job: Box::new(job),
            revives,
        })
    }

    /// The messages of the channel's rules the listing's product breaks now: the check
    /// `publishProduct` makes.
    fn broken_rules(&self, listing: &channel_listings::Model) -> Vec<String> {
        let (Some(detail), Some(channel)) = (
            self.products.get(&listing.product_id),
            self.channels.get(&listing.channel_id),
        ) else {
            return Vec::new();
        };
        let Some(seller) = self.sellers.get(&detail.product.seller_id) else {
            return Vec::new();
        };
        let link = self.links.get(&(listing.aggregator_id, listing.channel_id));
        broken_rules(
            &[],
            channel,
            link,
            detail,
            seller,
            &self.categories,
            listing.price_override,
        )
        .into_iter()
        .map(|error| error.message)
        .collect()
    }

    /// The event, payload and product version to push for a listing.
    fn payload(&self, listing: &channel_listings::Model) -> Option<(&'static str, Value, i32)> {
        let detail = self.products.get(&listing.product_id)?;
        let product = &detail.product;
        let seller = self.sellers.get(&product.seller_id)?;
        let channel = self.channels.get(&listing.channel_id)?;
        let link = self.links.get(&(listing.aggregator_id, listing.channel_id));
        let category = self.categories.get(&product.category_id);
        let withdrawn = (listing.status == ListingStatus::Unpublished && !listing.withdrawn)
            || product.status != ProductStatus::Active
            || seller.status != SellerStatus::Active;
        let event = if withdrawn {
            EVENT_DELETE
        } else {
            EVENT_UPSERT
        };
        let allocation = StockAllocation::of(link);
        let variants: Vec<Value> = detail
            .variants
            .iter()
            .map(|variant| {
                json!({
                    "sku": variant.sku,
                    "name": variant.name,
                    "options": variant.option_values,
                    "price": { "amount": listing.price_override.unwrap_or(variant.price).to_string(), "currency": "IDR" },
                    "stock": if withdrawn { 0 } else { allocation.apply(variant.stock) },
                    "weightGrams": variant.weight_grams,
                })
            })
            .collect();
        let payload = json!({
            "schemaVersion": PAYLOAD_SCHEMA_VERSION,
            "event": event,
            "listingId": global_id::encode("ChannelListing", listing.id),
            "channel": channel.code,
            "productVersion": product.version,
            "product": {
                "id": global_id::encode("Product", product.id),
                "title": product.title,
                "description": product.description,
                "status": product.status,
                "halalCertified": product.halal_certified,
                "category": {
                    "slug": category.map(|category| category.slug.clone()),
                    "name": category.map(|category| category.name.clone()),
                    "channelCategoryId": link.and_then(|link| mapped_category(link, product.category_id)),
                },
                "seller": {
                    "id": global_id::encode("Seller", seller.id),
                    "businessName": seller.business_name,
                    "city": seller.city,
                    "province": seller.province,
                    "nib": seller.nib,
                    "halalCertNo": seller.halal_cert_no,
                },
                "variants": variants,
                "images": detail.images.iter().map(|image| json!({ "url": image.url, "altText": image.alt_text })).collect::<Vec<_>>(),
            },
        });
        Some((event, payload, product.version))
    }
}

fn unique(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let set: HashSet<i64> = ids.collect();
    set.into_iter().collect()
}
