use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    ClientInfo, app, caller, gql,
    guard::{ANY_USER, RoleGuard},
    payload::{UserError, into_payload},
    user,
    users::User,
};
use crate::service::{auth as service, users as user_service};

/// Tokens of a logged-in session. Send the access token as `Authorization: Bearer …`; when
/// it expires, exchange the refresh token with `refreshSession` (each one works once).
#[derive(SimpleObject)]
pub struct AuthSession {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub token_type: String,
    pub user: User,
}

impl From<service::Session> for AuthSession {
    fn from(session: service::Session) -> Self {
        Self {
            access_token: session.access_token,
            access_token_expires_at: session.access_token_expires_at,
            refresh_token: session.refresh_token,
            refresh_token_expires_at: session.refresh_token_expires_at,
            token_type: "Bearer".to_owned(),
            user: session.user.into(),
        }
    }
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct RefreshSessionInput {
    pub refresh_token: String,
}

#[derive(InputObject)]
pub struct LogoutInput {
    /// The refresh token of the session to end; defaults to the caller's own session.
    pub refresh_token: Option<String>,
}

#[derive(SimpleObject)]
pub struct SessionPayload {
    pub session: Option<AuthSession>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    pub revoked: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The logged-in caller.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let caller = user(ctx)?;
        Ok(gql(user_service::find(&app(ctx)?.db, caller, caller.user_id).await)?.into())
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Starts a session. Repeated failures for one account or address are throttled.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<SessionPayload> {
        let ip = ctx
            .data_opt::<ClientInfo>()
            .map_or("unknown", |client| client.ip.as_str());
        let result = service::login(
            &app(ctx)?.session_issuer(),
            &input.email,
            input.password,
            ip,
        )
        .await;
        into_payload(result, |session, user_errors| SessionPayload {
            session: session.map(Into::into),
            user_errors,
        })
    }

    /// Exchanges a refresh token for new tokens. A token used twice ends the whole session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let result = service::refresh(&app(ctx)?.session_issuer(), &input.refresh_token).await;
        into_payload(result, |session, user_errors| SessionPayload {
            session: session.map(Into::into),
            user_errors,
        })
    }

    /// Ends a session: its refresh tokens stop working and its access tokens are refused.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        input: LogoutInput,
    ) -> async_graphql::Result<LogoutPayload> {
        let caller = caller(ctx)?.user().ok();
        let result = service::logout(
            &app(ctx)?.session_issuer(),
            caller,
            input.refresh_token.as_deref(),
        )
        .await;
        into_payload(result, |revoked, user_errors| LogoutPayload {
            revoked: revoked.is_some(),
            user_errors,
        })
    }
}
