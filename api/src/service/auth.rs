//! Sessions: login, refresh-token rotation with reuse detection, logout, and throttling.

use std::time::Duration;

use chrono::Utc;
use entity::{enums::Role, refresh_tokens, users};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::{
    auth::{AuthUser, RefreshToken, hash_refresh_token, verify_password},
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    state::AppContext,
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

/// A well-formed argon2id hash of a random password, verified when the e-mail is unknown so
/// that a miss takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9o3Wkn3V8iH8qTZ0K5b6nF4sS0Q1aNhdvC9HZ+8gq2E";

fn revoked_session_key(session_id: &str) -> String {
    format!("session:revoked:{session_id}")
}

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
    ctx: &AppContext,
    email: &str,
    password: String,
    client_ip: &str,
) -> AppResult<Session> {
    let email = email.trim().to_lowercase();
    let throttle = &ctx.settings.login_throttle;
    let account_key = format!("login:failures:account:{email}");
    let ip_key = format!("login:failures:ip:{client_ip}");
    for (key, limit) in [
        (&account_key, throttle.max_failures as u64),
        (&ip_key, throttle.max_failures as u64 * 10),
    ] {
        // Without the cache there is no throttle: logins stay possible during an outage.
        let (failures, left) = ctx.cache.counter(key).await.unwrap_or_default();
        if failures >= limit {
            return Err(AppError::RateLimited { retry_after: left });
        }
    }

    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&ctx.db)
        .await?;
    let stored_hash = user
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |user| user.password_hash.clone());
    let password_ok = verify_password(password, stored_hash).await?;
    let user = match user {
        Some(user) if password_ok && user.is_active => user,
        _ => {
            let _ = ctx.cache.increment(&account_key, throttle.window).await;
            let _ = ctx.cache.increment(&ip_key, throttle.window).await;
            return Err(AppError::Invalid(vec![FieldError::new(
                &["input"],
                FieldErrorCode::InvalidCredentials,
                "the e-mail or password is incorrect",
            )]));
        }
    };
    let _ = ctx.cache.delete(&account_key).await;

    let family = uuid::Uuid::new_v4().to_string();
    let txn = crate::db::begin_write(&ctx.db).await?;
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
pub async fn refresh(ctx: &AppContext, presented: &str) -> AppResult<Session> {
    let hash = hash_refresh_token(presented.trim());
    let stored = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(&ctx.db)
        .await?
        .ok_or(AppError::InvalidToken("unknown refresh token"))?;
    if stored.revoked_at.is_some() {
        return Err(AppError::InvalidToken("the session was revoked"));
    }
    if stored.rotated_at.is_some() {
        revoke_family(ctx, &stored.family_id).await?;
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

    let txn = crate::db::begin_write(&ctx.db).await?;
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
        revoke_family(ctx, &stored.family_id).await?;
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
        revoke_family(ctx, &stored.family_id).await?;
        return Err(AppError::InvalidToken("the account is disabled"));
    };
    let refresh = issue_refresh_token(&txn, ctx, user.id, &stored.family_id).await?;
    txn.commit().await?;
    session(ctx, user, stored.family_id, refresh)
}

/// Ends the caller's session, or the one the refresh token belongs to.
pub async fn logout(
    ctx: &AppContext,
    caller: Option<&AuthUser>,
    refresh_token: Option<&str>,
) -> AppResult<()> {
    let mut families = Vec::new();
    if let Some(caller) = caller {
        families.push(caller.session_id.clone());
    }
    if let Some(token) = refresh_token {
        let stored = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(hash_refresh_token(token.trim())))
            .one(&ctx.db)
            .await?
            .ok_or(AppError::InvalidToken("unknown refresh token"))?;
        if caller.is_some_and(|caller| caller.user_id != stored.user_id) {
            return Err(AppError::Forbidden);
        }
        families.push(stored.family_id);
    }
    if families.is_empty() {
        return Err(AppError::Unauthenticated);
    }
    for family in families {
        revoke_family(ctx, &family).await?;
    }
    Ok(())
}

/// Revokes every refresh token of a family and blocks its access tokens until they expire.
pub async fn revoke_family(ctx: &AppContext, family_id: &str) -> AppResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&ctx.db)
        .await?;
    // The refresh tokens are revoked for good; blocking the short-lived access tokens is
    // best effort, like the check in `authenticate`.
    if let Err(err) = ctx
        .cache
        .set(
            &revoked_session_key(family_id),
            "1",
            Duration::from_secs(ctx.jwt.access_ttl_secs() + 60),
        )
        .await
    {
        tracing::debug!(error = %err, "could not record the revoked session in the cache");
    }
    Ok(())
}

/// Revokes every session of a user (an account being disabled).
pub async fn revoke_user_sessions(ctx: &AppContext, user_id: i64) -> AppResult<()> {
    let families: Vec<String> = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|token| token.family_id)
        .collect();
    for family in families {
        revoke_family(ctx, &family).await?;
    }
    Ok(())
}

/// Verifies an access token and that its session has not been revoked since it was issued.
pub async fn authenticate(ctx: &AppContext, token: &str) -> AppResult<AuthUser> {
    let user = ctx.jwt.verify(token)?;
    match ctx.cache.get(&revoked_session_key(&user.session_id)).await {
        Ok(Some(_)) => Err(AppError::InvalidToken("the session was revoked")),
        Ok(None) => Ok(user),
        Err(err) => {
            // Availability over a revocation check: the token is short-lived anyway.
            // The cache logs its outages once; this request logs nothing more.
            tracing::debug!(error = %err, "could not check session revocation");
            Ok(user)
        }
    }
}

async fn issue_refresh_token(
    db: &impl ConnectionTrait,
    ctx: &AppContext,
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
    ctx: &AppContext,
    user: users::Model,
    family: String,
    (refresh, refresh_expires_at): (RefreshToken, chrono::DateTime<Utc>),
) -> AppResult<Session> {
    let (access_token, exp) = ctx.jwt.issue(
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
    let hash = crate::auth::hash_password(password.expose().to_owned()).await?;
    let now = Utc::now();
    users::ActiveModel {
        email: Set(email.into_inner()),
        password_hash: Set(hash),
        role: Set(Role::PlatformAdmin),
        display_name: Set("Platform admin".to_owned()),
        aggregator_id: Set(None),
        seller_id: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
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
