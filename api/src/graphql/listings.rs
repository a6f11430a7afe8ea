//! Listings of products on channels: publishing, status, delivery attempts, and the
//! `listingStatusChanged` subscription.

use async_graphql::{
    ComplexObject, Context, ID, InputObject, Object, SimpleObject, Subscription,
    futures_util::{Stream, StreamExt},
};
use chrono::{DateTime, Utc};
use entity::{channel_listings, listing_deliveries};

use super::{
    app,
    channel_types::Channel,
    enums::ListingStatus,
    gql,
    guard::{ANY_USER, RoleGuard},
    loaders::{ChannelLoader, load_one},
    money::Money,
    payload::{UserError, into_payload},
    relay::{IdConnection, IdCursor, connection, input_id, page_request, parse_id, to_id},
    subscription_quota, user,
};
use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    events::EventBus,
    service::listings::{self as service, ChannelChoice, ListingFilter},
};

/// A product on one channel, and how far its delivery got.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ChannelListing {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    pub channel_id: i64,
    #[graphql(skip)]
    pub product_db_id: i64,
    pub status: ListingStatus,
    /// Replaces every variant's price on this channel.
    pub price_override: Option<Money>,
    /// The channel's id for the listing, from its answer.
    pub external_id: Option<String>,
    /// Why the last attempt failed or was refused.
    pub last_error: Option<String>,
    /// Attempts of the latest delivery.
    pub attempts: i32,
    /// The product version the channel last acknowledged.
    pub delivered_version: Option<i32>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[ComplexObject]
impl ChannelListing {
    pub async fn id(&self) -> ID {
        to_id("ChannelListing", self.db_id)
    }

    async fn product_id(&self) -> ID {
        to_id("Product", self.product_db_id)
    }

    async fn channel(&self, ctx: &Context<'_>) -> async_graphql::Result<Channel> {
        // Subscriptions (over WebSocket) carry no loaders; they read one channel per event.
        let channel = load_one::<ChannelLoader>(ctx, self.channel_id).await?;
        Ok(channel.ok_or(AppError::NotFound("channel"))?.into())
    }
}

impl From<channel_listings::Model> for ChannelListing {
    fn from(model: channel_listings::Model) -> Self {
        Self {
            db_id: model.id,
            channel_id: model.channel_id,
            product_db_id: model.product_id,
            status: model.status.into(),
            price_override: model.price_override.map(Money::rupiah),
            external_id: model.external_id,
            last_error: model.last_error,
            attempts: model.attempts,
            delivered_version: model.delivered_version,
            delivered_at: model.delivered_at,
            updated_at: model.updated_at,
        }
    }
}

/// One attempt to push a listing.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ListingDelivery {
    #[graphql(skip)]
    pub db_id: i64,
    pub attempted_at: DateTime<Utc>,
    pub product_version: i32,
    /// The attempt number within its delivery, from 1.
    pub attempt: i32,
    /// The partner's HTTP status, when it answered.
    pub http_status: Option<i32>,
    pub duration_ms: i64,
    /// DELIVERED, REJECTED, RETRY or FAILED.
    pub outcome: String,
    pub error: Option<String>,
}

#[ComplexObject]
impl ListingDelivery {
    pub async fn id(&self) -> ID {
        to_id("ListingDelivery", self.db_id)
    }
}

impl From<listing_deliveries::Model> for ListingDelivery {
    fn from(model: listing_deliveries::Model) -> Self {
        Self {
            db_id: model.id,
            attempted_at: model.created_at,
            product_version: model.product_version,
            attempt: model.attempt,
            http_status: model.http_status,
            duration_ms: model.duration_ms,
            outcome: model.outcome,
            error: model.error,
        }
    }
}

#[derive(InputObject)]
pub struct ChannelChoiceInput {
    pub channel_id: ID,
    /// Whole rupiah, as a decimal string; replaces every variant's price on this channel.
    pub price_override: Option<String>,
}

#[derive(InputObject)]
pub struct PublishProductInput {
    pub product_id: ID,
    pub channels: Vec<ChannelChoiceInput>,
}

#[derive(InputObject)]
pub struct UnpublishProductInput {
    pub product_id: ID,
    /// Only these channels; all of the product's when omitted.
    pub channel_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct RetryListingInput {
    pub listing_id: ID,
}

#[derive(SimpleObject)]
pub struct ListingsPayload {
    pub listings: Option<Vec<ChannelListing>>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct ListingPayload {
    pub listing: Option<ChannelListing>,
    pub user_errors: Vec<UserError>,
}

fn listings_payload(
    result: AppResult<Vec<channel_listings::Model>>,
) -> async_graphql::Result<ListingsPayload> {
    into_payload(result, |listings, user_errors| ListingsPayload {
        listings: listings.map(|listings| listings.into_iter().map(Into::into).collect()),
        user_errors,
    })
}

fn choices(input: Vec<ChannelChoiceInput>) -> AppResult<Vec<ChannelChoice>> {
    input
        .into_iter()
        .enumerate()
        .map(|(index, choice)| {
            let index = index.to_string();
            let channel_id = input_id(&choice.channel_id, "Channel", "channelId")?;
            let price_override = choice
                .price_override
                .map(|raw| {
                    crate::domain::Money::parse(
                        &["input", "channels", &index, "priceOverride"],
                        &raw,
                    )
                    .map(|money| money.rupiah())
                    .map_err(|error| crate::error::AppError::Invalid(vec![error]))
                })
                .transpose()?;
            Ok(ChannelChoice {
                channel_id,
                price_override,
            })
        })
        .collect()
}

async fn publish(
    db: &sea_orm::DatabaseConnection,
    caller: &AuthUser,
    input: PublishProductInput,
) -> AppResult<Vec<channel_listings::Model>> {
    let product_id = input_id(&input.product_id, "Product", "productId")?;
    service::publish(db, caller, product_id, choices(input.channels)?).await
}

async fn unpublish(
    db: &sea_orm::DatabaseConnection,
    caller: &AuthUser,
    input: UnpublishProductInput,
) -> AppResult<Vec<channel_listings::Model>> {
    let product_id = input_id(&input.product_id, "Product", "productId")?;
    let channel_ids = input
        .channel_ids
        .map(|ids| {
            ids.iter()
                .map(|id| input_id(id, "Channel", "channelIds"))
                .collect::<AppResult<Vec<_>>>()
        })
        .transpose()?;
    service::unpublish(db, caller, product_id, channel_ids).await
}

#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// The caller's listings, oldest first.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        product_id: Option<ID>,
        channel_id: Option<ID>,
        status: Option<ListingStatus>,
    ) -> async_graphql::Result<IdConnection<ChannelListing>> {
        let page = gql(page_request(first, after))?;
        let filter = ListingFilter {
            product_id: product_id
                .map(|id| gql(parse_id(&id, "Product", "productId")))
                .transpose()?,
            channel_id: channel_id
                .map(|id| gql(parse_id(&id, "Channel", "channelId")))
                .transpose()?,
            status: status.map(Into::into),
        };
        let page = gql(service::list(&app(ctx)?.db, user(ctx)?, filter, page).await)?;
        Ok(connection(
            page,
            |model| IdCursor(model.id),
            ChannelListing::from,
        ))
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn channel_listing(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ChannelListing> {
        let id = gql(parse_id(&id, "ChannelListing", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }

    /// Every attempt to push a listing, newest first: the answer to "why is my product not
    /// on the marketplace?".
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn listing_deliveries(
        &self,
        ctx: &Context<'_>,
        listing_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<IdConnection<ListingDelivery>> {
        let listing_id = gql(parse_id(&listing_id, "ChannelListing", "listingId"))?;
        let page = gql(page_request(first, after))?;
        let page = gql(service::deliveries(&app(ctx)?.db, user(ctx)?, listing_id, page).await)?;
        Ok(connection(
            page,
            |model| IdCursor(model.id),
            ListingDelivery::from,
        ))
    }
}

#[derive(Default)]
pub struct ListingMutation;

#[Object]
impl ListingMutation {
    /// Publishes a product on channels. A broken channel rule is one `userErrors` entry each,
    /// and then nothing is queued.
    async fn publish_product(
        &self,
        ctx: &Context<'_>,
        input: PublishProductInput,
    ) -> async_graphql::Result<ListingsPayload> {
        listings_payload(publish(&app(ctx)?.db, user(ctx)?, input).await)
    }

    /// Withdraws a product from channels.
    async fn unpublish_product(
        &self,
        ctx: &Context<'_>,
        input: UnpublishProductInput,
    ) -> async_graphql::Result<ListingsPayload> {
        listings_payload(unpublish(&app(ctx)?.db, user(ctx)?, input).await)
    }

    /// Queues a FAILED or REJECTED listing again.
    async fn retry_listing(
        &self,
        ctx: &Context<'_>,
        input: RetryListingInput,
    ) -> async_graphql::Result<ListingPayload> {
        let db = &app(ctx)?.db;
        let caller = user(ctx)?;
        let result = match input_id(&input.listing_id, "ChannelListing", "listingId") {
            Ok(id) => service::retry(db, caller, id).await,
            Err(error) => Err(error),
        };
        into_payload(result, |listing, user_errors| ListingPayload {
            listing: listing.map(Into::into),
            user_errors,
        })
    }
}

#[derive(Default)]
pub struct ListingSubscription;

#[Subscription]
impl ListingSubscription {
    /// Every change of the caller's listings (of one product, when given), as it happens on
    /// any replica or worker.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn listing_status_changed(
        &self,
        ctx: &Context<'_>,
        product_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ChannelListing>> + use<>>
    {
        let product_id = product_id
            .map(|id| gql(parse_id(&id, "Product", "productId")))
            .transpose()?;
        let place = subscription_quota::take(ctx)?;
        let db = app(ctx)?.db.clone();
        let caller = user(ctx)?.clone();
        let events = ctx.data::<EventBus>()?.subscribe();
        let changes = service::watch(db, caller, product_id, events);
        Ok(changes.map(move |listing| {
            let _held = &place;
            Ok(gql(listing)?.into())
        }))
    }
}
