//! Who is calling: access tokens, refresh tokens, password hashing and the caller's identity.

mod jwt;
mod password;
mod refresh_token;

pub use jwt::{AccessClaims, JwtKeys};
pub use password::{hash_password, verify_password};
pub use refresh_token::{RefreshToken, hash_refresh_token};

use entity::enums::Role;

use crate::error::AppError;

/// An authenticated caller, as proven by a valid access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: i64,
    pub role: Role,
    /// The aggregator whose data the caller may see; `None` only for platform admins.
    pub aggregator_id: Option<i64>,
    /// For a SELLER: the one business it may see.
    pub seller_id: Option<i64>,
    /// The refresh-token family this access token was issued in.
    pub session_id: String,
}

/// The caller of one request: anonymous (public catalogue) or a logged-in user.
#[derive(Clone, Debug, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User(AuthUser),
}

impl Caller {
    pub fn user(&self) -> Result<&AuthUser, AppError> {
        match self {
            Self::User(user) => Ok(user),
            Self::Anonymous => Err(AppError::Unauthenticated),
        }
    }

    /// The caller, if it holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&AuthUser, AppError> {
        let user = self.user()?;
        if roles.contains(&user.role) {
            Ok(user)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl AuthUser {
    pub fn is_platform_admin(&self) -> bool {
        self.role == Role::PlatformAdmin
    }

    /// Platform admins only: the channel registry and the aggregators themselves.
    pub fn require_platform_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::PlatformAdmin => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Platform and aggregator admins: logins and the audit log.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::PlatformAdmin | Role::AggregatorAdmin => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The aggregator of an aggregator admin or staff member: the one role rule for work on
    /// an aggregator's sellers, catalogue, onboarding, imports and listings. Platform admins
    /// and sellers are FORBIDDEN.
    pub fn team_aggregator(&self) -> Result<i64, AppError> {
        match (self.role, self.aggregator_id) {
            (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator_id)) => {
                Ok(aggregator_id)
            }
            _ => Err(AppError::Forbidden),
        }
    }
}
