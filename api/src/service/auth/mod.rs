//! Sessions: login, refresh-token rotation with reuse detection, and logout. Throttling is in
//! `login_throttle`, the session check and revocation in `sessions`.

pub mod login_throttle;
pub mod sessions;

use chrono::Utc;
use entity::{enums::Role, refresh_tokens, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, sea_query::Expr,
};

use self::login_throttle::Attempt;
use super::users::{self as users_service, UserRow};
use crate::{
    auth::{AuthUser, JwtKeys, RefreshToken, hash_refresh_token, verify_password},
    cache::Cache,
    config::Settings,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
};

/// What a successful login or refresh hands to the client.
#[derive(Debug)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: chrono::DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: chrono::DateTime<Utc>,
    pub user: users::Model,
}

/// What issuing, rotating and revoking sessions needs: the transport builds it from what the
/// application shares, the service never sees the rest.
#[derive(Clone, Copy)]
pub struct SessionIssuer<'a> {
    pub db: &'a DatabaseConnection,
    pub cache: &'a Cache,
    pub keys: &'a JwtKeys,
    pub settings: &'a Settings,
}

/// A well-formed argon2id hash of a random password, verified when the e-mail is unknown so
/// that a miss takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9o3Wkn3V8iH8qTZ0K5b6nF4sS0Q1aNhdvC9HZ+8gq2E";

pub fn auth_user(user: &users::Model, session_id: String) -> AuthUser {
    AuthUser {
        user_id: user.id,
        role: user.role,
        aggregator_id: user.aggregator_id,
        seller_id: user.seller_id,
        session_id,
    }
}

// Every argument is skipped: an e-mail address is personal data and never logged.
#[tracing::instrument(skip_all)]
pub async fn login(
    ctx: &SessionIssuer<'_>,
    email: &str,
    password: String,
    client_ip: &str,
) -> AppResult<Session> {
    let email = email.trim().to_lowercase();
    let attempt =
        Attempt::admit(ctx.cache, &ctx.settings.login_throttle, &email, client_ip).await?;

    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(ctx.db)
        .await?;
    let stored_hash = user
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |user| user.password_hash.clone());
    let password_ok = verify_password(password, stored_hash).await?;
    let user = match user {
        Some(user) if password_ok && user.is_active => user,
        _ => {
            attempt.failed().await;
            return Err(AppError::Invalid(vec![FieldError::new(
                &["input"],
                FieldErrorCode::InvalidCredentials,
                "the e-mail or password is incorrect",
            )]));
        }
    };
    attempt.succeeded().await;

    let family = uuid::Uuid::new_v4().to_string();
    let txn = crate::db::begin_write(ctx.db).await?;
    let refresh = issue_refresh_token(&txn, ctx, user.id, &family).await?;
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(user_id = user.id, "login");
    session(ctx, user, family, refresh)
}

/// Exchanges a refresh token for a new pair. A token that was already exchanged means it
/// leaked: the whole family is revoked.
#[tracing::instrument(skip_all)]
pub async fn refresh(ctx: &SessionIssuer<'_>, presented: &str) -> AppResult<Session> {
    let hash = hash_refresh_token(presented.trim());
    let stored = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(ctx.db)
        .await?
        .ok_or(AppError::InvalidToken("unknown refresh token"))?;
    if stored.revoked_at.is_some() {
        return Err(AppError::InvalidToken("the session was revoked"));
    }
    if stored.rotated_at.is_some() {
        revoke_family(ctx, stored.user_id, &stored.family_id).await?;
        tracing::warn!(
            user_id = stored.user_id,
            "refresh token reused: session revoked"
        );
        return Err(AppError::InvalidToken(
            "this refresh token was already used; the session has been revoked",
        ));
    }
    if stored.expires_at <= Utc::now() {
        return Err(AppError::InvalidToken("the refresh token has expired"));
    }

    let txn = crate::db::begin_write(ctx.db).await?;
    // The conditional update makes two concurrent refreshes with one token race safely:
    // exactly one wins, the other is treated as reuse.
    let rotated = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RotatedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::Id.eq(stored.id))
        .filter(refresh_tokens::Column::RotatedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if rotated.rows_affected != 1 {
        txn.rollback().await?;
        revoke_family(ctx, stored.user_id, &stored.family_id).await?;
        return Err(AppError::InvalidToken(
            "this refresh token was already used; the session has been revoked",
        ));
    }
    let user = users::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?
        .filter(|user| user.is_active);
    let Some(user) = user else {
        txn.rollback().await?;
        revoke_family(ctx, stored.user_id, &stored.family_id).await?;
        return Err(AppError::InvalidToken("the account is disabled"));
    };
    let refresh = issue_refresh_token(&txn, ctx, user.id, &stored.family_id).await?;
    txn.commit().await?;
    session(ctx, user, stored.family_id, refresh)
}

/// Ends the caller's session, or the one the refresh token belongs to.
pub async fn logout(
    ctx: &SessionIssuer<'_>,
    caller: Option<&AuthUser>,
    refresh_token: Option<&str>,
) -> AppResult<()> {
    let mut families = Vec::new();
    if let Some(caller) = caller {
        families.push((caller.user_id, caller.session_id.clone()));
    }
    if let Some(token) = refresh_token {
        let stored = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(hash_refresh_token(token.trim())))
            .one(ctx.db)
            .await?
            .ok_or(AppError::InvalidToken("unknown refresh token"))?;
        if caller.is_some_and(|caller| caller.user_id != stored.user_id) {
            return Err(AppError::Forbidden);
        }
        families.push((stored.user_id, stored.family_id));
    }
    if families.is_empty() {
        return Err(AppError::Unauthenticated);
    }
    for (user_id, family) in families {
        revoke_family(ctx, user_id, &family).await?;
    }
    Ok(())
}

async fn revoke_family(ctx: &SessionIssuer<'_>, user_id: i64, family_id: &str) -> AppResult<()> {
    sessions::revoke_family(
        ctx.db,
        ctx.cache,
        &ctx.settings.sessions,
        user_id,
        family_id,
    )
    .await
}

async fn issue_refresh_token(
    db: &impl ConnectionTrait,
    ctx: &SessionIssuer<'_>,
    user_id: i64,
    family_id: &str,
) -> AppResult<(RefreshToken, chrono::DateTime<Utc>)> {
    let token = RefreshToken::generate();
    let now = Utc::now();
    let expires_at = now
        + chrono::Duration::from_std(ctx.settings.jwt.refresh_token_ttl)
            .map_err(|err| AppError::Internal(err.into()))?;
    refresh_tokens::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family_id.to_owned()),
        token_hash: Set(token.hash.clone()),
        expires_at: Set(expires_at),
        created_at: Set(now),
        rotated_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

fn session(
    ctx: &SessionIssuer<'_>,
    user: users::Model,
    family: String,
    (refresh, refresh_expires_at): (RefreshToken, chrono::DateTime<Utc>),
) -> AppResult<Session> {
    let (access_token, exp) = ctx.keys.issue(
        &auth_user(&user, family),
        &ctx.settings.jwt.issuer,
        &ctx.settings.jwt.audience,
    )?;
    Ok(Session {
        access_token,
        access_token_expires_at: chrono::DateTime::from_timestamp(exp as i64, 0)
            .unwrap_or_else(Utc::now),
        refresh_token: refresh.token,
        refresh_token_expires_at: refresh_expires_at,
        user,
    })
}

/// Creates the first platform admin (from the CLI or BOOTSTRAP_ADMIN_*); an existing
/// account with that e-mail is left as it is.
pub async fn ensure_platform_admin(
    db: &impl ConnectionTrait,
    email: &str,
    password: &str,
) -> AppResult<bool> {
    use crate::domain::{Email, Password};
    let email = Email::parse(&["email"], email).map_err(|error| AppError::Invalid(vec![error]))?;
    let password =
        Password::parse(&["password"], password).map_err(|error| AppError::Invalid(vec![error]))?;
    let exists = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let password_hash = crate::auth::hash_password(password.expose().to_owned()).await?;
    let row = UserRow {
        email: email.into_inner(),
        password_hash,
        role: Role::PlatformAdmin,
        display_name: "Platform admin".to_owned(),
        aggregator_id: None,
        seller_id: None,
    };
    users_service::insert(db, row).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        let parsed = argon2::PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }
}
