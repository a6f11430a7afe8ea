use std::collections::HashMap;

use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::AuthUser;
use crate::{config::JwtSettings, error::AppError};

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agg: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slr: Option<i64>,
    pub sid: String,
}

/// Signs access tokens with the current key and verifies them with any known key, by `kid`.
pub struct JwtKeys {
    signing_kid: String,
    signing_key: EncodingKey,
    verifying_keys: HashMap<String, DecodingKey>,
    validation: Validation,
    access_ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(settings: &JwtSettings) -> Self {
        let mut verifying_keys = HashMap::new();
        for key in std::iter::once(&settings.signing_key).chain(&settings.previous_keys) {
            verifying_keys.insert(
                key.kid.clone(),
                DecodingKey::from_secret(key.secret.expose_secret().as_bytes()),
            );
        }
        // Only HS256 is accepted, whatever the token's header claims.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            signing_kid: settings.signing_key.kid.clone(),
            signing_key: EncodingKey::from_secret(
                settings.signing_key.secret.expose_secret().as_bytes(),
            ),
            verifying_keys,
            validation,
            access_ttl_secs: settings.access_token_ttl.as_secs(),
        }
    }

    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl_secs
    }

    /// Issues an access token for `user`; returns it with its expiry (seconds since the epoch).
    pub fn issue(
        &self,
        user: &AuthUser,
        issuer: &str,
        audience: &str,
    ) -> Result<(String, u64), AppError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = AccessClaims {
            sub: user.user_id.to_string(),
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs,
            role: user.role,
            agg: user.aggregator_id,
            slr: user.seller_id,
            sid: user.session_id.clone(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.signing_key)
            .map_err(|err| AppError::Internal(anyhow::anyhow!("failed to sign a token: {err}")))?;
        Ok((token, claims.exp))
    }

    /// Verifies signature, algorithm, `kid`, `exp`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Result<AuthUser, AppError> {
        self.verify_with_expiry(token).map(|(user, _)| user)
    }

    /// [`JwtKeys::verify`], also returning the token's expiry (seconds since the epoch).
    pub fn verify_with_expiry(&self, token: &str) -> Result<(AuthUser, u64), AppError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AppError::InvalidToken("malformed token"))?;
        if header.alg != Algorithm::HS256 {
            return Err(AppError::InvalidToken("unexpected algorithm"));
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying_keys.get(kid))
            .ok_or(AppError::InvalidToken("unknown signing key"))?;
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map_err(|err| {
                match err.kind() {
                    ErrorKind::ExpiredSignature => AppError::InvalidToken("token expired"),
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        AppError::InvalidToken("token not issued for this service")
                    }
                    _ => AppError::InvalidToken("invalid token"),
                }
            })?;
        let claims = data.claims;
        let user_id = claims
            .sub
            .parse()
            .map_err(|_| AppError::InvalidToken("invalid subject"))?;
        let user = AuthUser {
            user_id,
            role: claims.role,
            aggregator_id: claims.agg,
            seller_id: claims.slr,
            session_id: claims.sid,
        };
        Ok((user, claims.exp))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::JwtKey;

    fn settings(kid: &str, secret: &str, previous: Vec<JwtKey>) -> JwtSettings {
        JwtSettings {
            signing_key: JwtKey {
                kid: kid.into(),
                secret: secret.to_owned().into(),
            },
            previous_keys: previous,
            issuer: "dermaga".into(),
            audience: "dermaga-api".into(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(3600),
        }
    }

    fn user() -> AuthUser {
        AuthUser {
            user_id: 7,
            role: Role::AggregatorAdmin,
            aggregator_id: Some(3),
            seller_id: None,
            session_id: "family".into(),
        }
    }

    const OLD: &str = "old-secret-old-secret-old-secret-old";
    const NEW: &str = "new-secret-new-secret-new-secret-new";

    #[test]
    fn a_token_round_trips() {
        let keys = JwtKeys::new(&settings("k1", NEW, vec![]));
        let (token, _) = keys.issue(&user(), "dermaga", "dermaga-api").unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user());
    }

    #[test]
    fn tokens_signed_with_a_previous_key_still_verify_after_rotation() {
        let before = JwtKeys::new(&settings("k1", OLD, vec![]));
        let (token, _) = before.issue(&user(), "dermaga", "dermaga-api").unwrap();
        let after = JwtKeys::new(&settings(
            "k2",
            NEW,
            vec![JwtKey {
                kid: "k1".into(),
                secret: OLD.to_owned().into(),
            }],
        ));
        assert_eq!(after.verify(&token).unwrap(), user());
        let retired = JwtKeys::new(&settings("k2", NEW, vec![]));
        assert!(retired.verify(&token).is_err());
    }

    #[test]
    fn wrong_audience_and_issuer_are_refused() {
        let keys = JwtKeys::new(&settings("k1", NEW, vec![]));
        let (token, _) = keys.issue(&user(), "dermaga", "another-api").unwrap();
        assert!(keys.verify(&token).is_err());
        let (token, _) = keys.issue(&user(), "someone-else", "dermaga-api").unwrap();
        assert!(keys.verify(&token).is_err());
    }

    #[test]
    fn a_token_with_the_none_algorithm_is_refused() {
        let keys = JwtKeys::new(&settings("k1", NEW, vec![]));
        let (token, _) = keys.issue(&user(), "dermaga", "dermaga-api").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        let forged = format!("{none_header}.{}.", parts[1]);
        assert!(keys.verify(&forged).is_err());
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let keys = JwtKeys::new(&settings("k1", NEW, vec![]));
        let (token, _) = keys.issue(&user(), "dermaga", "dermaga-api").unwrap();
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&tampered).is_err());
    }
}
