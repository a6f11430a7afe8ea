//! Sellers: the micro businesses an aggregator brings online.

use chrono::Utc;
use entity::{
    enums::{Role, SellerScale, SellerSector, SellerStatus},
    sellers,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::{
    Scope,
    audit::{self, AuditEntry},
    product_changes,
};
use crate::{
    auth::AuthUser,
    domain::{Nib, Phone, Text, Validator, optional, optional_text},
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
};

pub struct NewSeller {
    pub business_name: String,
    pub owner_name: String,
    pub phone: String,
    pub nib: Option<String>,
    pub sector: SellerSector,
    pub scale: SellerScale,
    pub province: String,
    pub city: String,
    pub address: Option<String>,
    pub halal_cert_no: Option<String>,
    pub pirt_no: Option<String>,
    pub bpom_no: Option<String>,
}

const PHONE_KEY: Constraint = Constraint {
    name: "sellers_aggregator_phone_key",
    sqlite_columns: "sellers.aggregator_id, sellers.phone",
};
const NIB_KEY: Constraint = Constraint {
    name: "sellers_aggregator_nib_key",
    sqlite_columns: "sellers.aggregator_id, sellers.nib",
};

/// A phone or NIB unique-key violation as a userError; other errors pass through.
fn taken_keys(err: sea_orm::DbErr) -> AppError {
    let taken = |field| {
        FieldError::new(
            &["input", field],
            FieldErrorCode::Taken,
            "is already registered",
        )
    };
    AppError::from(err).on_constraint(&[(PHONE_KEY, taken("phone")), (NIB_KEY, taken("nib"))])
}

/// A validated seller, ready to store.
#[derive(Clone, Debug)]
pub struct ValidSeller {
    pub business_name: String,
    pub owner_name: String,
    pub phone: String,
    pub nib: Option<String>,
    pub province: String,
    pub city: String,
    pub address: Option<String>,
    pub halal_cert_no: Option<String>,
    pub pirt_no: Option<String>,
    pub bpom_no: Option<String>,
}

/// Checks every field of a seller, reporting all problems at once.
pub fn validate(input: &NewSeller) -> AppResult<ValidSeller> {
    let mut v = Validator::new();
    let seller = ValidSeller {
        business_name: v
            .check(Text::parse(
                &["input", "businessName"],
                &input.business_name,
                200,
            ))
            .into_inner(),
        owner_name: v
            .check(Text::parse(&["input", "ownerName"], &input.owner_name, 200))
            .into_inner(),
        phone: v
            .check(Phone::parse(&["input", "phone"], &input.phone))
            .into_inner(),
        nib: v
            .check(optional(input.nib.as_deref(), |raw| {
                Nib::parse(&["input", "nib"], raw)
            }))
            .map(Nib::into_inner),
        province: v
            .check(Text::parse(&["input", "province"], &input.province, 100))
            .into_inner(),
        city: v
            .check(Text::parse(&["input", "city"], &input.city, 100))
            .into_inner(),
        address: v.check(optional_text(
            &["input", "address"],
            input.address.as_deref(),
            500,
        )),
        halal_cert_no: v.check(optional_text(
            &["input", "halalCertNo"],
            input.halal_cert_no.as_deref(),
            64,
        )),
        pirt_no: v.check(optional_text(
            &["input", "pirtNo"],
            input.pirt_no.as_deref(),
            64,
        )),
        bpom_no: v.check(optional_text(
            &["input", "bpomNo"],
            input.bpom_no.as_deref(),
            64,
        )),
    };
    v.finish()?;
    Ok(seller)
}

fn duplicate(field: &str, existing: &sellers::Model) -> FieldError {
    FieldError::new(
        &["input", field],
        FieldErrorCode::Taken,
        format!(
            "is already registered to seller '{}' (id {})",
            existing.business_name,
            crate::global_id::encode("Seller", existing.id)
        ),
    )
}

/// Sellers of the aggregator that already use this phone or NIB (other than `except`).
pub async fn find_duplicates(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    seller: &ValidSeller,
    except: Option<i64>,
) -> AppResult<Vec<FieldError>> {
    let mut duplicates = Vec::new();
    let same = |column: sellers::Column, value: String| {
        let mut query = sellers::Entity::find()
            .filter(sellers::Column::AggregatorId.eq(aggregator_id))
            .filter(column.eq(value));
        if let Some(id) = except {
            query = query.filter(sellers::Column::Id.ne(id));
        }
        query
    };
    if let Some(existing) = same(sellers::Column::Phone, seller.phone.clone())
        .one(db)
        .await?
    {
        duplicates.push(duplicate("phone", &existing));
    }
    if let Some(nib) = &seller.nib
        && let Some(existing) = same(sellers::Column::Nib, nib.clone()).one(db).await?
    {
        duplicates.push(duplicate("nib", &existing));
    }
    Ok(duplicates)
}

#[tracing::instrument(skip(db, input))]
pub async fn onboard(
    db: &DatabaseConnection,
    caller: &AuthUser,
    input: NewSeller,
) -> AppResult<sellers::Model> {
    let aggregator_id = match (caller.role, caller.aggregator_id) {
        (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator_id)) => aggregator_id,
        _ => return Err(AppError::Forbidden),
    };
    let seller = validate(&input)?;

    let duplicates = find_duplicates(db, aggregator_id, &seller, None).await?;
    if !duplicates.is_empty() {
        return Err(AppError::Invalid(duplicates));
    }

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let stored = sellers::ActiveModel {
        aggregator_id: Set(aggregator_id),
        business_name: Set(seller.business_name),
        owner_name: Set(seller.owner_name),
        phone: Set(seller.phone),
        nib: Set(seller.nib),
        sector: Set(input.sector),
        scale: Set(input.scale),
        province: Set(seller.province),
        city: Set(seller.city),
        address: Set(seller.address),
        halal_cert_no: Set(seller.halal_cert_no),
        pirt_no: Set(seller.pirt_no),
        bpom_no: Set(seller.bpom_no),
        status: Set(SellerStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    // A concurrent insert can win the race past the duplicate check above.
    .map_err(taken_keys)?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(aggregator_id),
            action: "seller.onboarded",
            entity_type: "Seller",
            entity_id: stored.id,
            changes: json!({ "businessName": stored.business_name, "phone": stored.phone }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<sellers::Model> {
    Scope::sellers(caller)
        .filter(sellers::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("seller"))
}

/// Changes to a seller: `None` keeps a field; for optional fields `Some(None)` clears it.
#[derive(Default)]
pub struct SellerPatch {
    pub business_name: Option<String>,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    pub nib: Option<Option<String>>,
    pub sector: Option<SellerSector>,
    pub scale: Option<SellerScale>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub address: Option<Option<String>>,
    pub halal_cert_no: Option<Option<String>>,
    pub pirt_no: Option<Option<String>>,
    pub bpom_no: Option<Option<String>>,
}

impl SellerPatch {
    /// The seller as it would be after the patch, for validating it whole.
    fn apply(self, current: &sellers::Model) -> NewSeller {
        let current = current.clone();
        NewSeller {
            business_name: self.business_name.unwrap_or(current.business_name),
            owner_name: self.owner_name.unwrap_or(current.owner_name),
            phone: self.phone.unwrap_or(current.phone),
            nib: self.nib.unwrap_or(current.nib),
            sector: self.sector.unwrap_or(current.sector),
            scale: self.scale.unwrap_or(current.scale),
            province: self.province.unwrap_or(current.province),
            city: self.city.unwrap_or(current.city),
            address: self.address.unwrap_or(current.address),
            halal_cert_no: self.halal_cert_no.unwrap_or(current.halal_cert_no),
            pirt_no: self.pirt_no.unwrap_or(current.pirt_no),
            bpom_no: self.bpom_no.unwrap_or(current.bpom_no),
        }
    }
}

fn require_team(caller: &AuthUser) -> AppResult<()> {
    match caller.role {
        Role::AggregatorAdmin | Role::AggregatorStaff => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

#[tracing::instrument(skip(db, patch))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    patch: SellerPatch,
) -> AppResult<sellers::Model> {
    require_team(caller)?;
    let current = find(db, caller, id).await?;
    let input = patch.apply(&current);
    let seller = validate(&input)?;
    let duplicates = find_duplicates(db, current.aggregator_id, &seller, Some(current.id)).await?;
    if !duplicates.is_empty() {
        return Err(AppError::Invalid(duplicates));
    }
    let before = current.clone();
    let mut model: sellers::ActiveModel = current.into();
    model.business_name = Set(seller.business_name);
    model.owner_name = Set(seller.owner_name);
    model.phone = Set(seller.phone);
    model.nib = Set(seller.nib);
    model.sector = Set(input.sector);
    model.scale = Set(input.scale);
    model.province = Set(seller.province);
    model.city = Set(seller.city);
    model.address = Set(seller.address);
    model.halal_cert_no = Set(seller.halal_cert_no);
    model.pirt_no = Set(seller.pirt_no);
    model.bpom_no = Set(seller.bpom_no);
    model.updated_at = Set(Utc::now());
    let txn = crate::db::begin_write(db).await?;
    let updated = model.update(&txn).await.map_err(taken_keys)?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(updated.aggregator_id),
            action: "seller.updated",
            entity_type: "Seller",
            entity_id: updated.id,
            changes: changed_fields(&before, &updated),
        },
    )
    .await?;
    // The public catalogue shows the seller's profile with each of its products.
    product_changes::seller_products_changed(&txn, &[updated.id]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The fields that differ, as `{field: {from, to}}`.
fn changed_fields(before: &sellers::Model, after: &sellers::Model) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return json!({});
    };
    let changes: serde_json::Map<String, serde_json::Value> = after
        .into_iter()
        .filter(|(field, value)| field != "updated_at" && before.get(field) != Some(value))
        .map(|(field, value)| {
            let from = before.get(&field).cloned().unwrap_or_default();
            (field, json!({ "from": from, "to": value }))
        })
        .collect();
    serde_json::Value::Object(changes)
}

/// Suspends or reactivates a seller; `reason` is kept in the audit log.
#[tracing::instrument(skip(db, reason))]
pub async fn set_status(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    status: SellerStatus,
    reason: Option<String>,
) -> AppResult<sellers::Model> {
    require_team(caller)?;
    let reason = optional_text(&["input", "reason"], reason.as_deref(), 500)
        .map_err(|error| AppError::Invalid(vec![error]))?;
    let current = find(db, caller, id).await?;
    if current.status == status {
        return Err(AppError::Conflict(FieldError::new(
            &["input", "id"],
            FieldErrorCode::Conflict,
            format!(
                "the seller is already {}",
                status.to_string().to_lowercase()
            ),
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut model: sellers::ActiveModel = current.into();
    model.status = Set(status);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        Some(caller),
        AuditEntry {
            aggregator_id: Some(updated.aggregator_id),
            action: if status == SellerStatus::Suspended {
                "seller.suspended"
            } else {
                "seller.reactivated"
            },
            entity_type: "Seller",
            entity_id: updated.id,
            changes: json!({ "status": status, "reason": reason }),
        },
    )
    .await?;
    // A suspended seller's products leave the public catalogue; reactivated, they return.
    product_changes::seller_products_changed(&txn, &[updated.id]).await?;
    txn.commit().await?;
    Ok(updated)
}
