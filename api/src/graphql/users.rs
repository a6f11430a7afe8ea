use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::users;

use super::{
    aggregators::Aggregator,
    app,
    enums::Role,
    gql,
    guard::{ANY_USER, RoleGuard},
    loaders::{ScopedAggregatorLoader, ScopedSellerLoader, load_one},
    payload::{UserError, into_payload},
    relay::{IdConnection, IdCursor, connection, input_id, page_request, parse_id, to_id},
    sellers::Seller,
    user,
};
use crate::{
    error::AppError,
    service::users::{self as service, NewUser},
};

/// A login of a person: platform staff, an aggregator's team member, or a seller.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    pub aggregator_db_id: Option<i64>,
    #[graphql(skip)]
    pub seller_db_id: Option<i64>,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl User {
    pub async fn id(&self) -> ID {
        to_id("User", self.db_id)
    }

    /// The aggregator this login belongs to; none for platform admins.
    async fn aggregator(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Aggregator>> {
        let Some(id) = self.aggregator_db_id else {
            return Ok(None);
        };
        let found = load_one::<ScopedAggregatorLoader>(ctx, id).await?;
        Ok(Some(found.ok_or(AppError::NotFound("aggregator"))?.into()))
    }

    /// The business of a SELLER login.
    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Seller>> {
        let Some(id) = self.seller_db_id else {
            return Ok(None);
        };
        let found = load_one::<ScopedSellerLoader>(ctx, id).await?;
        Ok(Some(found.ok_or(AppError::NotFound("seller"))?.into()))
    }
}

impl From<users::Model> for User {
    fn from(model: users::Model) -> Self {
        Self {
            db_id: model.id,
            aggregator_db_id: model.aggregator_id,
            seller_db_id: model.seller_id,
            email: model.email,
            display_name: model.display_name,
            role: model.role.into(),
            is_active: model.is_active,
            last_login_at: model.last_login_at,
            created_at: model.created_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
    pub role: Role,
    /// Required when a platform admin creates an aggregator login; defaults to the caller's own.
    pub aggregator_id: Option<ID>,
    /// Required for a SELLER login.
    pub seller_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct CreateUserPayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct SetUserActivePayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// Logins the caller may manage: all (platform admins) or its aggregator's (aggregator admins).
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<IdConnection<User>> {
        let page = gql(page_request(first, after))?;
        let page = gql(service::list(&app(ctx)?.db, user(ctx)?, page).await)?;
        Ok(connection(page, |model| IdCursor(model.id), User::from))
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let id = gql(parse_id(&id, "User", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a login: aggregator admins (platform admins), staff and sellers (aggregator admins).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let ids = (|| {
            let aggregator_id = input
                .aggregator_id
                .as_ref()
                .map(|id| input_id(id, "Aggregator", "aggregatorId"))
                .transpose()?;
            let seller_id = input
                .seller_id
                .as_ref()
                .map(|id| input_id(id, "Seller", "sellerId"))
                .transpose()?;
            Ok((aggregator_id, seller_id))
        })();
        let result = match ids {
            Ok((aggregator_id, seller_id)) => {
                let new_user = NewUser {
                    email: input.email,
                    password: input.password,
                    display_name: input.display_name,
                    role: input.role.into(),
                    aggregator_id,
                    seller_id,
                };
                service::create(&app(ctx)?.db, user(ctx)?, new_user).await
            }
            Err(error) => Err(error),
        };
        into_payload(result, |user, user_errors| CreateUserPayload {
            user: user.map(Into::into),
            user_errors,
        })
    }

    /// Disables or re-enables a login; disabling ends its sessions.
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        id: ID,
        active: bool,
    ) -> async_graphql::Result<SetUserActivePayload> {
        let app = app(ctx)?;
        let caller = user(ctx)?;
        let result = match parse_id(&id, "User", "id") {
            Ok(id) => service::set_active(&app.db, caller, id, active).await,
            Err(error) => Err(error),
        };
        if let (Ok(disabled), false) = (&result, active) {
            let ended = crate::service::auth::sessions::revoke_user_sessions(
                &app.db,
                &app.cache,
                &app.settings.sessions,
                disabled.id,
            );
            gql(ended.await)?;
        }
        into_payload(result, |user, user_errors| SetUserActivePayload {
            user: user.map(Into::into),
            user_errors,
        })
    }
}
