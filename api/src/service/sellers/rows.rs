//! The seller rows every writer stores: built from a [`ValidSeller`] only, so no path can
//! store a seller the rules refused.

use chrono::{DateTime, Utc};
use entity::{enums::SellerStatus, sellers};
use sea_orm::Set;

use super::checks::ValidSeller;

/// A new ACTIVE seller of the aggregator, created and updated at `now`.
pub fn new_seller(
    aggregator_id: i64,
    seller: ValidSeller,
    now: DateTime<Utc>,
) -> sellers::ActiveModel {
    sellers::ActiveModel {
        aggregator_id: Set(aggregator_id),
        business_name: Set(seller.business_name),
        owner_name: Set(seller.owner_name),
        phone: Set(seller.phone),
        nib: Set(seller.nib),
        sector: Set(seller.sector),
        scale: Set(seller.scale),
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
}

/// The stored seller with the validated fields written over its own.
pub fn merged(current: &sellers::Model, seller: ValidSeller) -> sellers::Model {
    sellers::Model {
        business_name: seller.business_name,
        owner_name: seller.owner_name,
        phone: seller.phone,
        nib: seller.nib,
        sector: seller.sector,
        scale: seller.scale,
        province: seller.province,
        city: seller.city,
        address: seller.address,
        halal_cert_no: seller.halal_cert_no,
        pirt_no: seller.pirt_no,
        bpom_no: seller.bpom_no,
        ..current.clone()
    }
}

/// The update that stores `updated`'s editable fields over `current`, stamped `now`.
pub fn update_row(
    current: sellers::Model,
    updated: sellers::Model,
    now: DateTime<Utc>,
) -> sellers::ActiveModel {
    let mut row: sellers::ActiveModel = current.into();
    row.business_name = Set(updated.business_name);
    row.owner_name = Set(updated.owner_name);
    row.phone = Set(updated.phone);
    row.nib = Set(updated.nib);
    row.sector = Set(updated.sector);
    row.scale = Set(updated.scale);
    row.province = Set(updated.province);
    row.city = Set(updated.city);
    row.address = Set(updated.address);
    row.halal_cert_no = Set(updated.halal_cert_no);
    row.pirt_no = Set(updated.pirt_no);
    row.bpom_no = Set(updated.bpom_no);
    row.updated_at = Set(now);
    row
}
