//! Whether an access token's session still stands, and ending sessions.
//!
//! The database is the truth. A session is a refresh-token family (`refresh_tokens.family_id`,
//! the access token's `sid`); it has ended once any of its tokens is revoked, and it needs an
//! active user. The cache only remembers answers: a live session for `SESSION_CHECK_SECONDS`,
//! an ended one until its access tokens have expired. A cache miss or a cache error asks the
//! database, so neither a Redis outage nor a restart on the in-process cache lets an ended
//! session back in. Each revocation also emits [`Event::SessionsRevoked`], on which open
//! subscription sockets re-check at once.
//!
//! The bound: when the revocation cannot be written to the cache (Redis down), another replica
//! that cached the session as live a moment before accepts it for at most
//! `SESSION_CHECK_SECONDS` more, then asks the database.

use chrono::Utc;
use entity::refresh_tokens;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::IntoCondition,
};

use crate::{
    auth::{AuthUser, JwtKeys},
    cache::Cache,
    config::SessionSettings,
    db::statement,
    error::{AppError, AppResult},
    events::{self, Event},
};

/// A verified access token whose session stands.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub user: AuthUser,
    /// When the token expires, in seconds since the epoch.
    pub expires_at: u64,
}

const LIVE: &str = "live";
const ENDED: &str = "ended";

fn key(session_id: &str) -> String {
    format!("session:{session_id}")
}

fn ended() -> AppError {
    AppError::InvalidToken("the session has ended (logged out, revoked, or the login disabled)")
}

/// Verifies an access token and that its session still stands.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    cache: &Cache,
    jwt: &JwtKeys,
    settings: &SessionSettings,
    token: &str,
) -> AppResult<Authenticated> {
    let (user, expires_at) = jwt.verify_with_expiry(token)?;
    ensure_live(db, cache, settings, &user).await?;
    Ok(Authenticated { user, expires_at })
}

/// `Ok` while the caller's session stands: from the cache when it remembers, else from the
/// database.
pub async fn ensure_live(
    db: &impl ConnectionTrait,
    cache: &Cache,
    settings: &SessionSettings,
    user: &AuthUser,
) -> AppResult<()> {
    match cache.get(&key(&user.session_id)).await {
        Ok(Some(answer)) if answer == LIVE => return Ok(()),
        Ok(Some(_)) => return Err(ended()),
        Ok(None) => {}
        // The cache logs its outages once; the database answers instead.
        Err(err) => tracing::debug!(error = %err, "session check falls back to the database"),
    }
    ensure_live_in_database(db, cache, settings, user).await
}

/// Asks the database whatever the cache remembers (a revocation event may race its cache
/// write), and remembers the answer.
pub async fn ensure_live_in_database(
    db: &impl ConnectionTrait,
    cache: &Cache,
    settings: &SessionSettings,
    user: &AuthUser,
) -> AppResult<()> {
    let live = is_live(db, user).await?;
    let (answer, ttl) = if live {
        (LIVE, settings.check_interval)
    } else {
        (ENDED, settings.revoked_for)
    };
    if let Err(err) = cache.set(&key(&user.session_id), answer, ttl).await {
        tracing::debug!(error = %err, "could not cache the session check");
    }
    if live { Ok(()) } else { Err(ended()) }
}

/// One indexed statement: the family belongs to the user, none of its tokens is revoked, and
/// the user is active.
async fn is_live(db: &impl ConnectionTrait, user: &AuthUser) -> AppResult<bool> {
    let sql = "SELECT u.is_active AS active, EXISTS (SELECT 1 FROM refresh_tokens r \
               WHERE r.family_id = ? AND r.revoked_at IS NOT NULL) AS revoked \
               FROM users u WHERE u.id = ? AND EXISTS (SELECT 1 FROM refresh_tokens t \
               WHERE t.family_id = ? AND t.user_id = u.id)";
    let family = user.session_id.as_str();
    let row = db
        .query_one_raw(statement(
            db.get_database_backend(),
            sql,
            vec![family.into(), user.user_id.into(), family.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let active: bool = row.try_get("", "active")?;
    let revoked: bool = row.try_get("", "revoked")?;
    Ok(active && !revoked)
}

/// Revokes every refresh token of a family and ends its access tokens.
pub async fn revoke_family(
    db: &impl ConnectionTrait,
    cache: &Cache,
    settings: &SessionSettings,
    user_id: i64,
    family_id: &str,
) -> AppResult<()> {
    let revoked = refresh_tokens::Column::FamilyId.eq(family_id);
    revoke(
        db,
        cache,
        settings,
        user_id,
        revoked,
        &[family_id.to_owned()],
    )
    .await
}

/// Revokes every session of a user (a login being disabled).
pub async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    cache: &Cache,
    settings: &SessionSettings,
    user_id: i64,
) -> AppResult<()> {
    let families: Vec<String> = refresh_tokens::Entity::find()
        .select_only()
        .column(refresh_tokens::Column::FamilyId)
        .distinct()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let revoked = refresh_tokens::Column::UserId.eq(user_id);
    revoke(db, cache, settings, user_id, revoked, &families).await
}

/// Revokes the refresh tokens matching `revoked` that stand, tells the open sockets of user
/// `user_id`, and remembers `families` as ended in the cache.
async fn revoke(
    db: &impl ConnectionTrait,
    cache: &Cache,
    settings: &SessionSettings,
    user_id: i64,
    revoked: impl IntoCondition,
    families: &[String],
) -> AppResult<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(
            refresh_tokens::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(revoked)
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    events::notify(db, &[Event::SessionsRevoked { user_id }]).await?;
    for family in families {
        remember_ended(cache, settings, family).await;
    }
    Ok(())
}

/// Best effort: the database already says so, the cache only answers sooner.
async fn remember_ended(cache: &Cache, settings: &SessionSettings, family_id: &str) {
    if let Err(err) = cache
        .set(&key(family_id), ENDED, settings.revoked_for)
        .await
    {
        tracing::debug!(error = %err, "could not record the ended session in the cache");
    }
}
