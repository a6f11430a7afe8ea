use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;

use super::{
    app, gql,
    relay::{IdConnection, IdCursor, connection, page_request, parse_id, to_id},
    user,
};
use crate::{
    error::{AppError, FieldErrorCode},
    global_id,
    service::audit::{self as service, AuditFilter as ServiceFilter},
};

/// One change to tenant data: who did what, to which record, when.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    /// e.g. `seller.onboarded`, `onboarding.step_completed`, `product.updated`.
    pub action: String,
    pub entity_type: String,
    /// The global id of the changed record.
    pub entity_id: ID,
    /// The login that made the change.
    pub actor_id: Option<ID>,
    pub changes: Option<Json<serde_json::Value>>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(model: audit_log::Model) -> Self {
        let entity_id = model
            .entity_id
            .parse()
            .map(|id| to_id(&model.entity_type, id))
            .unwrap_or_else(|_| ID(model.entity_id.clone()));
        Self {
            id: to_id("AuditEntry", model.id),
            action: model.action,
            entity_type: model.entity_type,
            entity_id,
            actor_id: model.actor_user_id.map(|id| to_id("User", id)),
            changes: model.changes.map(Json),
            created_at: model.created_at,
        }
    }
}

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// e.g. `Seller`, `Product`, `User`.
    pub entity_type: Option<String>,
    /// A global id; implies its type.
    pub entity_id: Option<ID>,
    /// The global id of the login that made the changes.
    pub actor: Option<ID>,
    pub since: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every change to the caller's aggregator's data, newest first (admins only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditLogFilter>,
    ) -> async_graphql::Result<IdConnection<AuditEntry>> {
        let filter = filter.unwrap_or_default();
        let mut service_filter = ServiceFilter {
            entity_type: filter.entity_type,
            actor_user_id: filter
                .actor
                .map(|id| gql(parse_id(&id, "User", "filter.actor")))
                .transpose()?,
            since: filter.since,
            ..Default::default()
        };
        if let Some(entity_id) = filter.entity_id {
            let Some((entity_type, id)) = global_id::decode(entity_id.as_str()) else {
                return Err(AppError::invalid(
                    &["filter", "entityId"],
                    FieldErrorCode::Invalid,
                    "is not a valid global id",
                )
                .into());
            };
            service_filter.entity_type = Some(entity_type.to_owned());
            service_filter.entity_id = Some(id);
        }
        let page = gql(page_request(first, after))?;
        let page = gql(service::list(&app(ctx)?.db, user(ctx)?, &service_filter, page).await)?;
        Ok(connection(
            page,
            |model| IdCursor(model.id),
            AuditEntry::from,
        ))
    }
}
