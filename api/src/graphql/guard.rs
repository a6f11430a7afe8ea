use async_graphql::{Context, Guard};
use entity::enums::Role;

use crate::auth::Caller;

/// Lets a field resolve only for callers holding one of the roles. Only `ANY_USER` (a logged-in
/// caller) is used: which roles may do what is the services' rule (`AuthUser::team_aggregator`,
/// `require_admin`, `require_platform_admin`), written once there.
pub struct RoleGuard(&'static [Role]);

impl RoleGuard {
    pub const fn new(roles: &'static [Role]) -> Self {
        Self(roles)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.data::<Caller>()?.require(self.0)?;
        Ok(())
    }
}

pub const ANY_USER: &[Role] = &[
    Role::PlatformAdmin,
    Role::AggregatorAdmin,
    Role::AggregatorStaff,
    Role::Seller,
];
