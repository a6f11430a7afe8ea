//! The transactional outbox: every change to a published product queues a push of its newest
//! snapshot for each of its listings, in the transaction of the change. A listing has at most
//! one PENDING job (a partial unique index); queueing again replaces that job's snapshot, so
//! pending pushes coalesce and only the newest is sent.

mod snapshots;

use chrono::Utc;
use entity::{
    channel_listings,
    enums::{ListingStatus, OutboxStatus},
    listing_deliveries, outbox_jobs, products,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    Statement,
    sea_query::{Expr, OnConflict},
};

pub use self::snapshots::{EVENT_DELETE, EVENT_UPSERT, PAYLOAD_SCHEMA_VERSION};
use self::snapshots::{Plan, Snapshots};
use super::status::{ListingEvent, ListingState, Refused, next, not_held_back, rules_error};
use crate::{
    error::AppResult,
    events::{self, Event},
};

/// Queues a push for every listing of these products that the aggregator has not unpublished
/// (a listing Dermaga withdrew is pushed again: it comes back once its product and seller are
/// active). Runs inside the transaction that changed them.
pub async fn queue_for_products(db: &impl ConnectionTrait, product_ids: &[i64]) -> AppResult<()> {
    queue_for_products_except(db, product_ids, None).await
}

/// `queue_for_products`, leaving out the listings on `except_channel` (the channel whose
/// order moved the stock already knows).
pub async fn queue_for_products_except(
    db: &impl ConnectionTrait,
    product_ids: &[i64],
    except_channel: Option<i64>,
) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    let mut listings = Vec::new();
    for chunk in product_ids.chunks(500) {
        let mut query = channel_listings::Entity::find()
            .filter(channel_listings::Column::ProductId.is_in(chunk.to_vec()))
            .filter(not_held_back());
        if let Some(channel_id) = except_channel {
            query = query.filter(channel_listings::Column::ChannelId.ne(channel_id));
        }
        listings.extend(query.all(db).await?);
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
