//! DataLoaders: batch the per-row lookups of a page into one query each. A fresh set is
//! attached to every request, so nothing is cached across requests.

use std::{collections::HashMap, time::Duration};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::seller_onboarding_steps;
use entity::{categories, channels, product_images, product_variants, sellers};
use sea_orm::DatabaseConnection;

use crate::service::catalogue::batches;
use crate::{service::sellers::onboarding, state::AppContext};

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
    };
}

batch_loader!(
    /// Sellers by id.
    SellerLoader,
    sellers::Model,
    batches::sellers
);
batch_loader!(
    /// Categories by id.
    CategoryLoader,
    categories::Model,
    batches::categories
);
batch_loader!(
    /// Variants by product id, in display order.
    VariantsLoader,
    Vec<product_variants::Model>,
    batches::variants
);
batch_loader!(
    /// Images by product id, in display order.
    ImagesLoader,
    Vec<product_images::Model>,
    batches::images
);

batch_loader!(
    /// Channels by id (a page of listings names few channels).
    ChannelLoader,
    channels::Model,
    crate::service::channels::by_ids
);

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

/// Adds this request's loaders to its data.
pub fn attach(request: async_graphql::Request, app: &AppContext) -> async_graphql::Request {
    let db = || app.db.clone();
    request
        .data(loader(OnboardingStepsLoader { db: db() }))
        .data(cached_loader(SellerLoader { db: db() }))
        .data(cached_loader(CategoryLoader { db: db() }))
        .data(cached_loader(VariantsLoader { db: db() }))
        .data(cached_loader(ImagesLoader { db: db() }))
        .data(cached_loader(ChannelLoader { db: db() }))
}
