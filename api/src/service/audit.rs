//! The audit log: who changed which tenant record, and how. Written in the same transaction
//! as the change it records.

use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::{auth::AuthUser, error::AppResult};

pub struct AuditEntry<'a> {
    pub aggregator_id: Option<i64>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub changes: Value,
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<&AuthUser>,
    entry: AuditEntry<'_>,
) -> AppResult<()> {
    record_by(db, actor.map(|actor| actor.user_id), entry).await
}

/// Records a change made on a user's behalf after their request (an import job run by a
/// worker): the actor is the user who asked for it.
pub async fn record_by(
    db: &impl ConnectionTrait,
    actor_user_id: Option<i64>,
    entry: AuditEntry<'_>,
) -> AppResult<()> {
    audit_log::ActiveModel {
        aggregator_id: Set(entry.aggregator_id),
        actor_user_id: Set(actor_user_id),
        action: Set(entry.action.to_owned()),
        entity_type: Set(entry.entity_type.to_owned()),
        entity_id: Set(entry.entity_id.to_string()),
        changes: Set(Some(entry.changes)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What to show of the audit log.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The audit log, newest first: an aggregator admin sees its aggregator's, a platform admin all.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &AuditFilter,
    page: super::PageRequest,
) -> AppResult<super::Page<audit_log::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut query = audit_log::Entity::find();
    match (caller.role, caller.aggregator_id) {
        (entity::enums::Role::PlatformAdmin, _) => {}
        (entity::enums::Role::AggregatorAdmin, Some(aggregator)) => {
            query = query.filter(audit_log::Column::AggregatorId.eq(aggregator));
        }
        _ => return Err(crate::error::AppError::Forbidden),
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::Column::EntityType.eq(entity_type.as_str()));
    }
    if let Some(entity_id) = filter.entity_id {
        query = query.filter(audit_log::Column::EntityId.eq(entity_id.to_string()));
    }
    if let Some(actor) = filter.actor_user_id {
        query = query.filter(audit_log::Column::ActorUserId.eq(actor));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::Column::CreatedAt.gte(since));
    }
    super::pagination::paginate(db, query, audit_log::Column::Id, sea_orm::Order::Desc, page).await
}
