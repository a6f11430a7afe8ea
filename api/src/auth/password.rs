use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::AppError;

/// Hashes with argon2id (the crate's default: 19 MiB, 2 passes), off the async runtime.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| AppError::Internal(anyhow::anyhow!("failed to hash a password: {err}")))
    })
    .await
    .map_err(|err| AppError::Internal(err.into()))?
}

/// Checks a password against a stored hash; a malformed hash counts as a mismatch.
pub async fn verify_password(password: String, stored_hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored_hash) else {
            tracing::error!("a stored password hash is malformed");
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|err| AppError::Internal(err.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hash = hash_password("rahasia-sekali-123".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("rahasia-sekali-123".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify_password("rahasia-sekali-124".into(), hash)
                .await
                .unwrap()
        );
    }
}
