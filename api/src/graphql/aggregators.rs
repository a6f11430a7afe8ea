use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::aggregators;

use super::{
    app,
    enums::{AggregatorKind, AggregatorStatus},
    gql,
    guard::{ANY_USER, RoleGuard},
    payload::{UserError, into_payload},
    relay::{IdConnection, IdCursor, connection, page_request, parse_id, to_id},
    user,
};
use crate::service::aggregators::{self as service, NewAggregator};

/// A "local hero": an organisation that brings micro businesses online.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Aggregator {
    #[graphql(skip)]
    pub db_id: i64,
    pub name: String,
    pub slug: String,
    pub kind: AggregatorKind,
    pub province: String,
    pub city: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub status: AggregatorStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[ComplexObject]
impl Aggregator {
    pub async fn id(&self) -> ID {
        to_id("Aggregator", self.db_id)
    }
}

impl From<aggregators::Model> for Aggregator {
    fn from(model: aggregators::Model) -> Self {
        Self {
            db_id: model.id,
            name: model.name,
            slug: model.slug,
            kind: model.kind.into(),
            province: model.province,
            city: model.city,
            contact_name: model.contact_name,
            contact_email: model.contact_email,
            contact_phone: model.contact_phone,
            status: model.status.into(),
            created_at: model.created_at,
            updated_at: model.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreateAggregatorInput {
    pub name: String,
    /// URL-safe identifier, unique across the platform (e.g. `koperasi-medan`).
    pub slug: String,
    pub kind: AggregatorKind,
    pub province: String,
    pub city: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateAggregatorPayload {
    pub aggregator: Option<Aggregator>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AggregatorQuery;

#[Object]
impl AggregatorQuery {
    /// Every aggregator (platform admins), or the caller's own.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn aggregators(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<IdConnection<Aggregator>> {
        let page = gql(page_request(first, after))?;
        let page = gql(service::list(&app(ctx)?.db, user(ctx)?, page).await)?;
        Ok(connection(
            page,
            |model| IdCursor(model.id),
            Aggregator::from,
        ))
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn aggregator(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Aggregator> {
        let id = gql(parse_id(&id, "Aggregator", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }
}

#[derive(Default)]
pub struct AggregatorMutation;

#[Object]
impl AggregatorMutation {
    /// Registers a new aggregator (platform admins only).
    async fn create_aggregator(
        &self,
        ctx: &Context<'_>,
        input: CreateAggregatorInput,
    ) -> async_graphql::Result<CreateAggregatorPayload> {
        let input = NewAggregator {
            name: input.name,
            slug: input.slug,
            kind: input.kind.into(),
            province: input.province,
            city: input.city,
            contact_name: input.contact_name,
            contact_email: input.contact_email,
            contact_phone: input.contact_phone,
        };
        let result = service::create(&app(ctx)?.db, user(ctx)?, input).await;
        into_payload(result, |aggregator, user_errors| CreateAggregatorPayload {
            aggregator: aggregator.map(Into::into),
            user_errors,
        })
    }
}
