//! The database and Redis URLs: checked before anything connects, and never logged whole.

use super::ConfigError;

pub(super) fn validate_database_url(raw: &str) -> Result<(), ConfigError> {
    let invalid = || {
        ConfigError(format!(
            "DATABASE_URL is not a valid database URL (expected postgres://… or sqlite://…): {}",
            redact_url(raw)
        ))
    };
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    match url.scheme() {
        "postgres" | "postgresql" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "sqlite" => Ok(()),
        _ => Err(invalid()),
    }
}

pub(super) fn validate_redis_url(raw: &str) -> Result<(), ConfigError> {
    match url::Url::parse(raw) {
        Ok(url)
            if matches!(url.scheme(), "redis" | "rediss")
                && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(ConfigError(format!(
            "REDIS_URL is not a valid Redis URL (expected redis://host:port/db): {}",
            redact_url(raw)
        ))),
    }
}

/// Replaces the password of a URL with `***`; text that is not a URL is hidden whole.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparseable URL>".to_owned(),
    }
}
