//! Aggregators: the tenants. Only platform admins create them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    aggregators,
    enums::{AggregatorKind, AggregatorStatus},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, Set,
};
use serde_json::json;

use super::{
    Page, PageRequest, Scope,
    audit::{self, AuditEntry},
    pagination::paginate,
};
use crate::{
    auth::AuthUser,
    domain::{Email, Phone, Slug, Text, Validator, optional, optional_text},
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
};

pub struct NewAggregator {
    pub name: String,
    pub slug: String,
    pub kind: AggregatorKind,
    pub province: String,
    pub city: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

/// A new, active aggregator's row from checked values. Every path that creates an aggregator
/// (the mutation, the demo data set, the seed) builds it here.
pub fn new_row(aggregator: NewAggregator, now: DateTime<Utc>) -> aggregators::ActiveModel {
    aggregators::ActiveModel {
        name: Set(aggregator.name),
        slug: Set(aggregator.slug),
        kind: Set(aggregator.kind),
        province: Set(aggregator.province),
        city: Set(aggregator.city),
        contact_name: Set(aggregator.contact_name),
        contact_email: Set(aggregator.contact_email),
        contact_phone: Set(aggregator.contact_phone),
        status: Set(AggregatorStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

const SLUG_KEY: Constraint = Constraint {
    name: "aggregators_slug_key",
    sqlite_columns: "aggregators.slug",
};

#[tracing::instrument(skip(db, input), fields(slug = %input.slug))]
pub async fn create(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewAggregator,
) -> AppResult<aggregators::Model> {
    caller.require_platform_admin()?;
    let mut v = Validator::new();
    let name = v.check(Text::parse(&["input", "name"], &input.name, 200));
    let slug = v.check(Slug::parse(&["input", "slug"], &input.slug));
    let province = v.check(Text::parse(&["input", "province"], &input.province, 100));
    let city = v.check(Text::parse(&["input", "city"], &input.city, 100));
    let contact_name = v.check(optional_text(
        &["input", "contactName"],
        input.contact_name.as_deref(),
        200,
    ));
    let contact_email = v.check(optional(input.contact_email.as_deref(), |raw| {
        Email::parse(&["input", "contactEmail"], raw)
    }));
    let contact_phone = v.check(optional(input.contact_phone.as_deref(), |raw| {
        Phone::parse(&["input", "contactPhone"], raw)
    }));
    v.finish()?;

    let checked = NewAggregator {
        name: name.into_inner(),
        slug: slug.into_inner(),
        kind: input.kind,
        province: province.into_inner(),
        city: city.into_inner(),
        contact_name,
        contact_email: contact_email.map(Email::into_inner),
        contact_phone: contact_phone.map(Phone::into_inner),
    };
    let txn = crate::db::begin_write(db).await?;
    let aggregator = new_row(checked, Utc::now())
        .insert(&txn)
        .await
        .map_err(|err| {
            AppError::from(err).on_constraint(&[(
                SLUG_KEY,
                FieldError::new(
                    &["input", "slug"],
                    FieldErrorCode::Taken,
                    "is already taken",
                ),
            )])
        })?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(aggregator.id),
            action: "aggregator.created",
            entity_type: "Aggregator",
            entity_id: aggregator.id,
            changes: json!({ "name": aggregator.name, "slug": aggregator.slug }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(aggregator)
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<aggregators::Model> {
    Scope::aggregators(caller)
        .filter(aggregators::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("aggregator"))
}

/// The aggregators among `ids` the caller may see, in one statement; one it may not see is
/// left out, as [`find`] answers NOT_FOUND for it.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    ids: &[i64],
) -> AppResult<HashMap<i64, aggregators::Model>> {
    Ok(Scope::aggregators(caller)
        .filter(aggregators::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|aggregator| (aggregator.id, aggregator))
        .collect())
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    page: PageRequest,
) -> AppResult<Page<aggregators::Model>> {
    paginate(
        db,
        Scope::aggregators(caller),
        aggregators::Column::Id,
        sea_orm::Order::Asc,
        page,
    )
    .await
}
