//! The GraphQL schema: one module per domain, merged into the roots.

mod aggregators;
mod apq;
mod audit;
mod auth;
mod catalogue;
mod catalogue_sync;
mod catalogue_types;
mod categories;
mod channel_types;
mod channels;
pub mod cost;
mod enums;
mod errors;
mod guard;
mod imports;
pub mod limits;
mod listings;
mod loaders;
mod money;
mod node;
mod onboarding;
mod orders;
mod payload;
mod pipeline;
mod product_mutations;
mod product_variants;
mod products;
mod query_key;
mod relay;
pub mod response_cache;
mod sellers;
mod stats;
pub mod subscription_quota;
mod users;
mod variant_mutations;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema, SchemaBuilder};

use crate::{auth::Caller, error::AppError, state::AppContext};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    auth::AuthQuery,
    node::NodeQuery,
    aggregators::AggregatorQuery,
    users::UserQuery,
    sellers::SellerQuery,
    stats::StatsQuery,
    audit::AuditQuery,
    imports::ImportQuery,
    products::ProductQuery,
    categories::CategoryQuery,
    catalogue::CatalogueQuery,
    catalogue_sync::CatalogueSyncQuery,
    channels::ChannelQuery,
    listings::ListingQuery,
    orders::OrderQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    auth::AuthMutation,
    aggregators::AggregatorMutation,
    users::UserMutation,
    sellers::SellerMutation,
    onboarding::OnboardingMutation,
    imports::ImportMutation,
    product_mutations::ProductMutation,
    variant_mutations::ProductVariantMutation,
    channels::ChannelMutation,
    listings::ListingMutation,
    orders::OrderMutation,
);

/// Subscriptions, served over WebSocket (graphql-transport-ws and the legacy graphql-ws).
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(
    imports::ImportSubscription,
    listings::ListingSubscription,
    orders::OrderSubscription,
);

pub type DermagaSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

pub use apq::stored_query as persisted_query_text;
pub use loaders::attach as attach_loaders;
pub use pipeline::Pipeline;
pub use response_cache::{QueriesOnly, ResponseStore};

/// Where the request came from, for throttling and logs.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub ip: String,
}

/// Builds the schema the WebSocket serves: the shared context rides along as schema data, and
/// the extensions apply the limits, persisted queries and the response cache (whose store the
/// HTTP transport looks up in too).
pub fn build_schema(app: Option<(AppContext, ResponseStore)>) -> DermagaSchema {
    let Some((app, responses)) = app else {
        return builder(None).finish();
    };
    let graphql = &app.settings.graphql;
    let persisted = app.cache.clone();
    let cache = response_cache(&app, responses);
    builder(Some(app.clone()))
        // First: it checks the text before anything else reads it, and measures the document
        // (depth and cost included) once the persisted query has its text.
        .extension(limits::DocumentLimits::new(graphql.limits.clone()))
        // Next: the extensions after it see the persisted query as ordinary text.
        .extension(apq::PersistedQueries::new(persisted))
        .extension(cache)
        .finish()
}

/// Builds what runs HTTP requests: the same schema without extensions, and the pipeline that
/// takes their place (`pipeline`).
pub fn build_pipeline(app: AppContext, responses: ResponseStore) -> Pipeline {
    let limits = app.settings.graphql.limits.clone();
    let persisted = app.cache.clone();
    let cache = response_cache(&app, responses);
    Pipeline::new(builder(Some(app)).finish(), limits, persisted, cache)
}

fn response_cache(app: &AppContext, responses: ResponseStore) -> response_cache::ResponseCache {
    response_cache::ResponseCache::new(
        responses,
        app.settings.response_cache.clone(),
        app.metrics.clone(),
    )
}

fn builder(app: Option<AppContext>) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    );
    if let Some(app) = app {
        if !app.settings.graphql.introspection {
            builder = builder.disable_introspection();
        }
        if !app.settings.http.graphql_suggestions {
            // "Did you mean …?" would name the fields that introspection hides.
            builder = builder.disable_suggestions();
        }
        builder = builder.data(app);
    }
    builder
}

/// The SDL that `api/schema.graphql` must match.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

fn app<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a AppContext> {
    ctx.data::<AppContext>()
}

fn caller<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Caller> {
    ctx.data::<Caller>()
}

/// The authenticated caller, or UNAUTHENTICATED.
fn user<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a crate::auth::AuthUser> {
    Ok(caller(ctx)?.user()?)
}

/// The value of type `T` a transport put in the request's data (`Request::data`), if any:
/// extensions read it before the request's context exists.
fn request_data<T: std::any::Any + Send + Sync>(request: &async_graphql::Request) -> Option<&T> {
    request
        .data
        .get(&std::any::TypeId::of::<T>())
        .and_then(|data| data.downcast_ref::<T>())
}

/// Shorthand for resolvers: a service error becomes a GraphQL error with its code.
fn gql<T>(result: Result<T, AppError>) -> async_graphql::Result<T> {
    result.map_err(Into::into)
}
