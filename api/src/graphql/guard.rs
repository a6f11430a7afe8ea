use async_graphql::{Context, Guard};
use entity::enums::Role;

use crate::auth::Caller;

/// Lets a field resolve only for callers holding one of the roles.
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
pub const PLATFORM_ADMIN: &[Role] = &[Role::PlatformAdmin];
pub const ADMINS: &[Role] = &[Role::PlatformAdmin, Role::AggregatorAdmin];
pub const AGGREGATOR_TEAM: &[Role] = &[Role::AggregatorAdmin, Role::AggregatorStaff];
pub const AGGREGATOR_TEAM_AND_PLATFORM: &[Role] = &[
    Role::PlatformAdmin,
    Role::AggregatorAdmin,
    Role::AggregatorStaff,
];
