//! DataLoaders: batch the per-row lookups of a page into one query each. A fresh set is
//! attached to every request, so nothing is cached across requests. The dashboard's loaders
//! are scoped: they read through the caller's `Scope`, as the one-row reads they replace did,
//! so a key of another tenant's row loads nothing.

use std::{collections::HashMap, time::Duration};

use async_graphql::{
    Context,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use entity::{
    aggregators, categories, channel_listings, channels, seller_onboarding_steps, sellers,
};
use sea_orm::DatabaseConnection;

use crate::{
    auth::Caller,
    service::{
        aggregators as aggregator_service, categories as category_service, listings,
        sellers::{self as seller_service, onboarding},
    },
    state::AppContext,
};

/// A loader whose results (loaded or fed) are kept for the rest of the request.
pub type CachedLoader<L> = DataLoader<L, HashMapCache>;

/// Completed onboarding steps by seller id.
pub struct OnboardingStepsLoader {
    db: DatabaseConnection,
}

impl Loader<i64> for OnboardingStepsLoader {
    type Value = Vec<seller_onboarding_steps::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        onboarding::steps_of(&self.db, keys)
            .await
            .map_err(Into::into)
    }
}

/// Declares a loader over `i64` keys backed by one batch function; its cache lives for the
/// request, so a value fed or loaded once is not fetched again.
macro_rules! batch_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $batch:path) => {
        $(#[$doc])*
        pub struct $name {
            db: DatabaseConnection,
        }

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                $batch(&self.db, keys).await.map_err(Into::into)
            }
        }

        impl RequestLoader for $name {
            fn new(db: DatabaseConnection, _caller: &Caller) -> Self {
                Self { db }
            }
        }
    };
}

/// Declares a loader over `i64` keys backed by one batch function that reads within the
/// caller's scope (an anonymous caller loads nothing but UNAUTHENTICATED).
macro_rules! scoped_loader {
    ($(#[$doc:meta])* $name:ident, $value:ty, $batch:path) => {
        $(#[$doc])*
        pub struct $name {
            db: DatabaseConnection,
            caller: Caller,
        }

        impl Loader<i64> for $name {
            type Value = $value;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
                $batch(&self.db, self.caller.user()?, keys)
                    .await
                    .map_err(Into::into)
            }
        }

        impl RequestLoader for $name {
            fn new(db: DatabaseConnection, caller: &Caller) -> Self {
                Self {
                    db,
                    caller: caller.clone(),
                }
            }
        }
    };
}

/// A loader that one request builds for itself from the database and its caller.
pub trait RequestLoader: Loader<i64, Error = async_graphql::Error> {
    fn new(db: DatabaseConnection, caller: &Caller) -> Self;
}

batch_loader!(
    /// Channels by id (a page of listings names few channels).
    ChannelLoader,
    channels::Model,
    crate::service::channels::by_ids
);

batch_loader!(
    /// The direct children of each category, in display order.
    CategoryChildrenLoader,
    Vec<categories::Model>,
    category_service::children_of
);

batch_loader!(
    /// The lines of each order, in order (the orders were read through the caller's scope).
    OrderLinesLoader,
    Vec<entity::order_lines::Model>,
    crate::service::orders::lines_of
);

scoped_loader!(
    /// The caller's sellers by id (the dashboard's `Seller`s).
    ScopedSellerLoader,
    sellers::Model,
    seller_service::by_ids
);
scoped_loader!(
    /// The aggregators the caller may see, by id.
    ScopedAggregatorLoader,
    aggregators::Model,
    aggregator_service::by_ids
);
scoped_loader!(
    /// The listings the caller may see, by product id, oldest first.
    ListingsByProductLoader,
    Vec<channel_listings::Model>,
    listings::of_products
);

/// Loads `key` through the request's loader `L`, batched with the rest of the page. An
/// operation that came without loaders (over WebSocket) reads the one key alone.
pub async fn load_one<L>(ctx: &Context<'_>, key: i64) -> async_graphql::Result<Option<L::Value>>
where
    L: RequestLoader,
    L::Value: Clone + Send + Sync + 'static,
{
    if let Some(loader) = ctx.data_opt::<CachedLoader<L>>() {
        return loader.load_one(key).await;
    }
    let loader = L::new(super::app(ctx)?.db.clone(), super::caller(ctx)?);
    Ok(loader.load(&[key]).await?.remove(&key))
}

/// Collects the keys a page's resolvers ask for and loads them in one batch. The batch runs
/// as a task of its own, which starts only after the resolvers of the page have all been
/// polled once (they are polled together, and each asks its loader before it first waits), so
/// no extra wait is needed to gather the keys. The library's default of 1 ms added that much
/// to every request for each level of loaded fields, and woke a timer thread to end it.
fn loader<L>(loader: L) -> DataLoader<L> {
    DataLoader::new(loader, tokio::spawn).delay(Duration::ZERO)
}

fn cached_loader<L>(loader: L) -> CachedLoader<L> {
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()).delay(Duration::ZERO)
}

/// Adds this request's loaders, reading as `caller`, to its data.
pub fn attach(
    request: async_graphql::Request,
    app: &AppContext,
    caller: &Caller,
) -> async_graphql::Request {
    fn cached<L: RequestLoader>(app: &AppContext, caller: &Caller) -> CachedLoader<L> {
        cached_loader(L::new(app.db.clone(), caller))
    }
    request
        .data(loader(OnboardingStepsLoader { db: app.db.clone() }))
        .data(cached::<ChannelLoader>(app, caller))
        .data(cached::<CategoryChildrenLoader>(app, caller))
        .data(cached::<ScopedSellerLoader>(app, caller))
        .data(cached::<ScopedAggregatorLoader>(app, caller))
        .data(cached::<ListingsByProductLoader>(app, caller))
        .data(cached::<OrderLinesLoader>(app, caller))
}
