//! The transactional outbox: every change to a published product queues a push of its newest
//! snapshot for each of its listings, in the transaction of the change. A listing has at most
//! one PENDING job (a partial unique index); queueing again replaces that job's snapshot, so
//! pending pushes coalesce and only the newest is sent.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{
    aggregator_channels, channel_listings, channels,
    enums::{ListingStatus, OutboxStatus, ProductStatus, SellerStatus},
    listing_deliveries, outbox_jobs, products,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    Statement,
    sea_query::{Expr, OnConflict},
};
use serde_json::{Value, json};

use super::status::{ListingEvent, ListingState, Refused, next, not_held_back, rules_error};
use crate::service::{
    catalogue::{ProductDetail, batches as catalogue_batches, with_details},
    channels::{StockAllocation, mapped_category, rules::Candidate, rules_of},
};
use crate::{
    error::AppResult,
    events::{self, Event},
    global_id,
};

/// The version of the payload schema (`docs/partners.md`).
pub const PAYLOAD_SCHEMA_VERSION: i32 = 1;
pub const EVENT_UPSERT: &str = "listing.upsert";
pub const EVENT_DELETE: &str = "listing.delete";

/// Queues a push for every listing of these products that the aggregator has not unpublished
/// (a listing Dermaga withdrew is pushed again: it comes back once its product and seller are
/// active). Runs inside the transaction that changed them.
pub async fn queue_for_products(db: &impl ConnectionTrait, product_ids: &[i64]) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    let mut listings = Vec::new();
    for chunk in product_ids.chunks(500) {
        listings.extend(
            channel_listings::Entity::find()
                .filter(channel_listings::Column::ProductId.is_in(chunk.to_vec()))
                .filter(not_held_back())
                .all(db)
                .await?,
        );
    }
    enqueue(db, listings).await
}

/// Queues a push for every listing of these sellers' products (their status changed).
pub async fn queue_for_sellers(db: &impl ConnectionTrait, seller_ids: &[i64]) -> AppResult<()> {
    if seller_ids.is_empty() {
        return Ok(());
    }
    let product_ids: Vec<i64> = products::Entity::find()
        .select_only()
        .column(products::Column::Id)
        .filter(products::Column::SellerId.is_in(seller_ids.to_vec()))
        .filter(
            products::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(channel_listings::Column::ProductId)
                    .from(channel_listings::Entity)
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    queue_for_products(db, &product_ids).await
}

/// What a change comes to for one listing.
enum Plan {
    /// Push this snapshot; `revives` when the listing was refused for the channel's rules and
    /// now meets them.
    Push {
        job: Box<outbox_jobs::ActiveModel>,
        revives: bool,
    },
    /// The product breaks the channel's rules: refuse the listing instead (at this version).
    Refuse { version: i32, broken: Vec<String> },
}

/// Queues the newest snapshot of each listing (replacing a pending one).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    listings: Vec<channel_listings::Model>,
) -> AppResult<()> {
    if listings.is_empty() {
        return Ok(());
    }
    let snapshots = Snapshots::load(db, &listings).await?;
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut revived = Vec::new();
    for listing in &listings {
        match snapshots.plan(listing, now) {
            None => {}
            Some(Plan::Push { job, revives }) => {
                upsert_job(db, *job).await?;
                if revives {
                    revived.push(listing);
                }
            }
            Some(Plan::Refuse { version, broken }) => refused.push((listing, version, broken)),
        }
    }
    // Refused or revived here: their subscribers hear of it at commit.
    let mut changed = Vec::new();
    for (listing, version, broken) in refused {
        reject_for_rules(db, listing, version, &broken).await?;
        changed.push(Event::listing(listing));
    }
    changed.extend(revived.iter().map(|listing| Event::listing(listing)));
    revive(db, revived.iter().map(|listing| listing.id).collect(), now).await?;
    events::notify(db, &changed).await
}

/// Queues one job, replacing the listing's pending one. One row per statement: a multi-row
/// upsert may not touch the same pending row twice.
async fn upsert_job(db: &impl ConnectionTrait, job: outbox_jobs::ActiveModel) -> AppResult<()> {
    outbox_jobs::Entity::insert(job)
        .on_conflict(
            OnConflict::column(outbox_jobs::Column::ListingId)
                // Written out, not bound: the target must repeat the partial index's WHERE.
                .target_and_where(Expr::cust("status = 'PENDING'"))
                .update_columns([
                    outbox_jobs::Column::EventType,
                    outbox_jobs::Column::Payload,
                    outbox_jobs::Column::ProductVersion,
                    outbox_jobs::Column::UpdatedAt,
                ])
                // Two writers racing: an older snapshot never replaces a newer one.
                .action_and_where(Expr::cust(
                    "outbox_jobs.product_version <= excluded.product_version",
                ))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Listings refused for the channel's rules that meet them again: the push just queued
/// decides their status.
async fn revive(
    db: &impl ConnectionTrait,
    listing_ids: Vec<i64>,
    now: chrono::DateTime<Utc>,
) -> AppResult<()> {
    if listing_ids.is_empty() {
        return Ok(());
    }
    let revived = next(REFUSED_FOR_RULES, ListingEvent::MetRules).map_err(table_changed)?;
    channel_listings::Entity::update_many()
        .col_expr(
            channel_listings::Column::Status,
            Expr::value(revived.status.to_string()),
        )
        .col_expr(
            channel_listings::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(channel_listings::Column::UpdatedAt, Expr::value(now))
        .filter(channel_listings::Column::Id.is_in(listing_ids))
        .exec(db)
        .await?;
    Ok(())
}

/// A listing Dermaga refused for the channel's rules.
const REFUSED_FOR_RULES: ListingState = ListingState {
    status: ListingStatus::Rejected,
    withdrawn: false,
    broke_rules: true,
};

fn table_changed(refused: Refused) -> crate::error::AppError {
    crate::error::AppError::Internal(anyhow::anyhow!(
        "the listing status table refuses {refused:?}"
    ))
}

/// A change made the product break the channel's rules: the listing becomes REJECTED with the
/// broken rules named, a waiting push is dropped and nothing is queued; the delivery log keeps
/// the refusal. The next change that makes it valid again queues a push as usual.
async fn reject_for_rules(
    db: &impl ConnectionTrait,
    listing: &channel_listings::Model,
    version: i32,
    errors: &[String],
) -> AppResult<()> {
    let now = Utc::now();
    let refused =
        next(ListingState::of(listing), ListingEvent::BrokeRules).map_err(table_changed)?;
    let error = rules_error(errors);
    outbox_jobs::Entity::update_many()
        .col_expr(
            outbox_jobs::Column::Status,
            Expr::value(OutboxStatus::Superseded.to_string()),
        )
        .col_expr(outbox_jobs::Column::LastError, Expr::value(error.clone()))
        .col_expr(outbox_jobs::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_jobs::Column::ListingId.eq(listing.id))
        .filter(outbox_jobs::Column::Status.eq(OutboxStatus::Pending))
        .exec(db)
        .await?;
    channel_listings::Entity::update_many()
        .col_expr(
            channel_listings::Column::Status,
            Expr::value(refused.status.to_string()),
        )
        .col_expr(
            channel_listings::Column::LastError,
            Expr::value(error.clone()),
        )
        .col_expr(channel_listings::Column::UpdatedAt, Expr::value(now))
        .filter(channel_listings::Column::Id.eq(listing.id))
        .exec(db)
        .await?;
    listing_deliveries::ActiveModel {
        aggregator_id: Set(listing.aggregator_id),
        listing_id: Set(listing.id),
        job_id: Set(None),
        product_version: Set(version),
        attempt: Set(0),
        http_status: Set(None),
        duration_ms: Set(0),
        outcome: Set("REJECTED".to_owned()),
        error: Set(Some(error)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Queues again every listing whose channel has not acknowledged its product's current
/// version and that has no job waiting or in flight (a lost answer, a manual change).
/// Returns how many were queued.
pub async fn reconcile(db: &impl ConnectionTrait) -> AppResult<usize> {
    let sql = "SELECT l.id AS id FROM channel_listings l JOIN products p ON p.id = l.product_id \
         WHERE l.status IN ('PENDING', 'LIVE') \
         AND (l.delivered_version IS NULL OR l.delivered_version < p.version) \
         AND NOT EXISTS (SELECT 1 FROM outbox_jobs j WHERE j.listing_id = l.id \
                         AND j.status IN ('PENDING', 'IN_FLIGHT')) \
         LIMIT 1000";
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(0);
    }
    let listings = channel_listings::Entity::find()
        .filter(channel_listings::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let queued = listings.len();
    enqueue(db, listings).await?;
    Ok(queued)
}

/// Everything the snapshots of a set of listings need, loaded in a few queries.
struct Snapshots {
    products: HashMap<i64, ProductDetail>,
    sellers: HashMap<i64, entity::sellers::Model>,
    categories: HashMap<i64, entity::categories::Model>,
    channels: HashMap<i64, channels::Model>,
    links: HashMap<(i64, i64), aggregator_channels::Model>,
}

impl Snapshots {
    async fn load(
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
        let channels = crate::service::channels::by_ids(db, &channel_ids).await?;
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
    fn plan(&self, listing: &channel_listings::Model, now: chrono::DateTime<Utc>) -> Option<Plan> {
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
        let slugs = category_slugs(&self.categories, detail.product.category_id);
        let channel_category = self
            .links
            .get(&(listing.aggregator_id, listing.channel_id))
            .and_then(|link| mapped_category(link, detail.product.category_id));
        let candidate = Candidate::of(
            detail,
            seller,
            listing.price_override,
            &slugs,
            channel_category.as_deref(),
        );
        rules_of(channel)
            .check(&[], &candidate)
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

/// A category's slug followed by its parent's.
pub fn category_slugs(
    categories: &HashMap<i64, entity::categories::Model>,
    category_id: i64,
) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut next = Some(category_id);
    while let Some(id) = next {
        let Some(category) = categories.get(&id) else {
            break;
        };
        slugs.push(category.slug.clone());
        next = category.parent_id.filter(|_| slugs.len() < 8);
    }
    slugs
}

fn unique(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let set: HashSet<i64> = ids.collect();
    set.into_iter().collect()
}
