//! The one builder of a listing row: publishing, the demo data set and the seed start from it,
//! and its status always comes from the transition table in `status`.

use chrono::{DateTime, Utc};
use entity::channel_listings;
use sea_orm::Set;

use super::status::{ListingEvent, ListingState, next};

/// A listing of `product_id` on `channel_id`, published at `now`: PENDING until the worker
/// delivers it.
pub fn published(
    (aggregator_id, product_id): (i64, i64),
    channel_id: i64,
    price_override: Option<i64>,
    now: DateTime<Utc>,
) -> channel_listings::ActiveModel {
    let state = just_published();
    channel_listings::ActiveModel {
        aggregator_id: Set(aggregator_id),
        product_id: Set(product_id),
        channel_id: Set(channel_id),
        status: Set(state.status),
        withdrawn: Set(state.withdrawn),
        price_override: Set(price_override),
        external_id: Set(None),
        last_error: Set(None),
        attempts: Set(0),
        delivered_version: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A just-published listing as it stands once the partner took `version` of the product, as
/// `external_id`, at `at` (in one attempt): LIVE. For data sets that start with live listings.
pub fn delivered(
    mut listing: channel_listings::ActiveModel,
    external_id: String,
    version: i32,
    at: DateTime<Utc>,
) -> channel_listings::ActiveModel {
    let state = next(just_published(), ListingEvent::Delivered)
        .expect("a just-published listing can be delivered");
    listing.status = Set(state.status);
    listing.withdrawn = Set(state.withdrawn);
    listing.external_id = Set(Some(external_id));
    listing.attempts = Set(1);
    listing.delivered_version = Set(Some(version));
    listing.delivered_at = Set(Some(at));
    listing.updated_at = Set(at);
    listing
}

fn just_published() -> ListingState {
    next(ListingState::UNLISTED, ListingEvent::Published)
        .expect("publishing is allowed from every state")
}
