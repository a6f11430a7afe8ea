//! What changed in the caller's listings, as it happens: the feed of `listingStatusChanged`.
//! It reads the database only when an event names a listing the caller may see (or asks every
//! subscriber to re-read), never on a timer.

use chrono::{DateTime, Utc};
use entity::channel_listings;
use futures_util::{Stream, stream};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect,
};

use crate::service::Scope;
use crate::{
    auth::AuthUser,
    error::AppResult,
    events::{Event, Subscriber},
};

/// The caller's listings (of one product, when given) each time they change after now, in
/// the order they changed; ends when the event bus does.
pub fn watch(
    db: DatabaseConnection,
    caller: AuthUser,
    product_id: Option<i64>,
    events: Subscriber,
) -> impl Stream<Item = AppResult<channel_listings::Model>> + Send + 'static {
    let start = Watch {
        db,
        caller,
        product_id,
        events,
        since: (Utc::now(), 0),
        ready: Vec::new(),
    };
    stream::unfold(start, |mut watch| async move {
        loop {
            if let Some(listing) = watch.ready.pop() {
                return Some((Ok(listing), watch));
            }
            let event = watch.events.next().await?;
            if !watch.concerns(&event) {
                continue;
            }
            match changed_since(&watch.db, &watch.caller, watch.product_id, watch.since).await {
                Ok(mut changed) => {
                    if let Some(last) = changed.last() {
                        watch.since = (last.updated_at, last.id);
                    }
                    changed.reverse();
                    watch.ready = changed;
                }
                Err(error) => return Some((Err(error), watch)),
            }
        }
    })
}

struct Watch {
    db: DatabaseConnection,
    caller: AuthUser,
    product_id: Option<i64>,
    events: Subscriber,
    /// The last change emitted: (updated_at, id).
    since: (DateTime<Utc>, i64),
    /// Changes read but not yet emitted, the oldest last.
    ready: Vec<channel_listings::Model>,
}

impl Watch {
    /// Whether `event` may change what this subscription shows. Only a pre-filter: the re-read
    /// is scoped to the caller.
    fn concerns(&self, event: &Event) -> bool {
        match event {
            Event::Listing {
                aggregator_id,
                product_id,
                ..
            } => {
                let visible = self.caller.is_platform_admin()
                    || self.caller.aggregator_id == Some(*aggregator_id);
                let same_product = match (self.product_id, product_id) {
                    (Some(wanted), Some(changed)) => wanted == *changed,
                    _ => true,
                };
                visible && same_product
            }
            Event::Resync => true,
            Event::ImportJob { .. } | Event::SessionsRevoked { .. } | Event::Order { .. } => false,
        }
    }
}

/// Listings of the caller's that changed after `since` (then by id), oldest change first.
async fn changed_since(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    product_id: Option<i64>,
    since: (DateTime<Utc>, i64),
) -> AppResult<Vec<channel_listings::Model>> {
    use sea_orm::sea_query::{Condition, Expr, ExprTrait};
    let mut select = Scope::channel_listings(caller).filter(
        Condition::any()
            .add(channel_listings::Column::UpdatedAt.gt(since.0))
            .add(
                Expr::col(channel_listings::Column::UpdatedAt)
                    .eq(since.0)
                    .and(Expr::col(channel_listings::Column::Id).gt(since.1)),
            ),
    );
    if let Some(product_id) = product_id {
        select = select.filter(channel_listings::Column::ProductId.eq(product_id));
    }
    Ok(select
        .order_by_asc(channel_listings::Column::UpdatedAt)
        .order_by_asc(channel_listings::Column::Id)
        .limit(100)
        .all(db)
        .await?)
}
