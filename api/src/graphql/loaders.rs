//! DataLoaders: batch the per-row lookups of a page into one query each. A fresh set is
//! attached to every request, so nothing is cached across requests.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::seller_onboarding_steps;
use entity::{categories, channels, product_images, product_variants, sellers};
use sea_orm::DatabaseConnection;

use crate::service::catalogue_batches as batches;
use crate::{service::onboarding, state::AppContext};

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

/// Adds this request's loaders to its data.
pub fn attach(request: async_graphql::Request, app: &AppContext) -> async_graphql::Request {
    let request = request.data(DataLoader::new(
        OnboardingStepsLoader { db: app.db.clone() },
        tokio::spawn,
    ));
    let db = || app.db.clone();
    let cached = HashMapCache::default;
    request
        .data(DataLoader::with_cache(
            SellerLoader { db: db() },
            tokio::spawn,
            cached(),
        ))
        .data(DataLoader::with_cache(
            CategoryLoader { db: db() },
            tokio::spawn,
            cached(),
        ))
        .data(DataLoader::with_cache(
            VariantsLoader { db: db() },
            tokio::spawn,
            cached(),
        ))
        .data(DataLoader::with_cache(
            ImagesLoader { db: db() },
            tokio::spawn,
            cached(),
        ))
        .data(DataLoader::with_cache(
            ChannelLoader { db: db() },
            tokio::spawn,
            cached(),
        ))
}
