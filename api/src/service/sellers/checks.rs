//! The rules a seller meets wherever it comes from: its fields, and its phone and NIB unique
//! within the aggregator.

use entity::{
    enums::{SellerScale, SellerSector},
    sellers,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
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
pub(super) fn taken_keys(err: sea_orm::DbErr) -> AppError {
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
    pub sector: SellerSector,
    pub scale: SellerScale,
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
        sector: input.sector,
        scale: input.scale,
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
    pub(super) fn apply(self, current: &sellers::Model) -> NewSeller {
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

/// The aggregator's stored sellers that have the phone or the NIB of any of `sellers`.
pub async fn registered<'a>(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    sellers: impl Iterator<Item = &'a ValidSeller>,
) -> AppResult<Vec<sellers::Model>> {
    let (phones, nibs): (Vec<String>, Vec<Option<String>>) = sellers
        .map(|seller| (seller.phone.clone(), seller.nib.clone()))
        .unzip();
    if phones.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sellers::Entity::find()
        .filter(sellers::Column::AggregatorId.eq(aggregator_id))
        .filter(
            Condition::any()
                .add(sellers::Column::Phone.is_in(phones))
                .add(sellers::Column::Nib.is_in(nibs.into_iter().flatten())),
        )
        .all(db)
        .await?)
}
