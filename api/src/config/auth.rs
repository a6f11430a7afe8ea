//! Signing keys, the bootstrap admin, login throttling and the session check.

use std::time::Duration;

use secrecy::SecretString;

use super::{
    AppEnv, ConfigError,
    env::{Env, positive_seconds},
};

/// The minimum length of an HMAC secret: 256 bits, as RFC 7518 asks for HS256.
const MIN_SECRET_LEN: usize = 32;

#[derive(Clone, Debug)]
pub struct JwtSettings {
    /// Key id (`kid`) and secret that sign new access tokens.
    pub signing_key: JwtKey,
    /// Older keys still accepted for verification during a rotation.
    pub previous_keys: Vec<JwtKey>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
}

#[derive(Clone, Debug)]
pub struct JwtKey {
    pub kid: String,
    pub secret: SecretString,
}

/// `BOOTSTRAP_ADMIN_EMAIL` and `BOOTSTRAP_ADMIN_PASSWORD`: the first platform admin.
#[derive(Clone, Debug)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: SecretString,
}

/// Failed logins slow down the pair (account, client address) that failed, never the account
/// as a whole (`crate::service::auth::login_throttle`).
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    /// `LOGIN_MAX_FAILURES`: failures of one account from one address before each next attempt
    /// of that pair waits 1 s, 2 s, 4 s… up to `max_delay`.
    pub max_failures: u32,
    /// `LOGIN_MAX_FAILURES_PER_ADDRESS`: failures from one address, whatever the accounts,
    /// before that address is slowed down the same way.
    pub max_failures_per_address: u32,
    /// `LOGIN_THROTTLE_WINDOW_SECONDS`: how long a failure is remembered.
    pub window: Duration,
    /// `LOGIN_MAX_DELAY_SECONDS`: the longest wait between two attempts.
    pub max_delay: Duration,
}

/// How long the answers of the session check (`crate::service::auth::sessions`) are remembered.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// `SESSION_CHECK_SECONDS`: a live session is cached this long, and a subscription socket
    /// re-checks its session this often. It bounds how long another replica may still accept
    /// a revoked token when the revocation could not be written to the cache.
    pub check_interval: Duration,
    /// How long a revoked session is remembered in the cache: until its access tokens expire.
    pub revoked_for: Duration,
}

impl JwtSettings {
    pub(super) fn from_env(env: &Env, app_env: AppEnv, demo: bool) -> Result<Self, ConfigError> {
        let kid = env
            .get("JWT_KEY_ID")
            .unwrap_or_else(|| "primary".to_owned());
        let secret = match env.get("JWT_SECRET") {
            Some(secret) => secret,
            None if app_env == AppEnv::Development || demo => {
                tracing::warn!(
                    "JWT_SECRET is not set: using a random secret, tokens end with this process"
                );
                random_secret()
            }
            None => {
                return Err(ConfigError(
                    "JWT_SECRET is required when APP_ENV=production (at least 32 characters)"
                        .into(),
                ));
            }
        };
        if secret.len() < MIN_SECRET_LEN {
            return Err(ConfigError(format!(
                "JWT_SECRET must be at least {MIN_SECRET_LEN} characters"
            )));
        }
        let previous_keys = parse_previous_keys(env.get("JWT_PREVIOUS_KEYS").as_deref())?;
        if previous_keys.iter().any(|key| key.kid == kid) {
            return Err(ConfigError(format!(
                "JWT_PREVIOUS_KEYS repeats the current JWT_KEY_ID '{kid}'"
            )));
        }
        Ok(Self {
            signing_key: JwtKey {
                kid,
                secret: secret.into(),
            },
            previous_keys,
            issuer: env
                .get("JWT_ISSUER")
                .unwrap_or_else(|| "dermaga".to_owned()),
            audience: env
                .get("JWT_AUDIENCE")
                .unwrap_or_else(|| "dermaga-api".to_owned()),
            access_token_ttl: Duration::from_secs(env.parse("ACCESS_TOKEN_TTL_SECONDS", 900)?),
            refresh_token_ttl: Duration::from_secs(
                env.parse("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            ),
        })
    }
}

impl BootstrapAdmin {
    pub(super) fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        match (
            env.get("BOOTSTRAP_ADMIN_EMAIL"),
            env.get("BOOTSTRAP_ADMIN_PASSWORD"),
        ) {
            (Some(email), Some(password)) => Ok(Some(Self {
                email,
                password: password.into(),
            })),
            (None, None) => Ok(None),
            _ => Err(ConfigError(
                "BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD must be set together".into(),
            )),
        }
    }
}

impl LoginThrottle {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            max_failures: env.parse("LOGIN_MAX_FAILURES", 5)?,
            max_failures_per_address: env.parse("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)?,
            window: positive_seconds(env, "LOGIN_THROTTLE_WINDOW_SECONDS", 900.0)?,
            max_delay: positive_seconds(env, "LOGIN_MAX_DELAY_SECONDS", 60.0)?,
        })
    }
}

impl SessionSettings {
    pub(super) fn from_env(env: &Env, access_token_ttl: Duration) -> Result<Self, ConfigError> {
        Ok(Self {
            check_interval: positive_seconds(env, "SESSION_CHECK_SECONDS", 5.0)?,
            // The verifier's 30 s leeway, and a margin.
            revoked_for: access_token_ttl + Duration::from_secs(60),
        })
    }
}

/// `JWT_PREVIOUS_KEYS=kid1:secret1,kid2:secret2`
pub(super) fn parse_previous_keys(raw: Option<&str>) -> Result<Vec<JwtKey>, ConfigError> {
    let Some(raw) = raw.filter(|raw| !raw.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|entry| {
            let (kid, secret) = entry.trim().split_once(':').ok_or_else(|| {
                ConfigError("JWT_PREVIOUS_KEYS must look like 'kid:secret,kid:secret'".into())
            })?;
            if kid.is_empty() || secret.len() < MIN_SECRET_LEN {
                return Err(ConfigError(format!(
                    "JWT_PREVIOUS_KEYS entry '{kid}' needs a key id and a secret of at least {MIN_SECRET_LEN} characters"
                )));
            }
            Ok(JwtKey {
                kid: kid.to_owned(),
                secret: secret.to_owned().into(),
            })
        })
        .collect()
}

fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
