//! The closed value sets of the schema. Each variant's `string_value` is what the table's CHECK
//! allows; serde uses the same spelling so JSON (audit log, outbox payloads) matches the database.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// `aggregators.kind`: what sort of organisation brings the sellers in.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AggregatorKind {
    #[sea_orm(string_value = "COURIER_PARTNER")]
    CourierPartner,
    #[sea_orm(string_value = "GOVERNMENT_OFFICE")]
    GovernmentOffice,
    #[sea_orm(string_value = "COOPERATIVE")]
    Cooperative,
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
    #[sea_orm(string_value = "COMPANY")]
    Company,
}

/// `aggregators.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AggregatorStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}

/// `users.role`; `users_role_scope_check` ties it to the tenant columns.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "PLATFORM_ADMIN")]
    PlatformAdmin,
    #[sea_orm(string_value = "AGGREGATOR_ADMIN")]
    AggregatorAdmin,
    #[sea_orm(string_value = "AGGREGATOR_STAFF")]
    AggregatorStaff,
    #[sea_orm(string_value = "SELLER")]
    Seller,
}

/// `sellers.sector`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SellerSector {
    #[sea_orm(string_value = "FOOD_AND_DRINK")]
    FoodAndDrink,
    #[sea_orm(string_value = "FASHION")]
    Fashion,
    #[sea_orm(string_value = "CRAFTS")]
    Crafts,
    #[sea_orm(string_value = "AGRICULTURE")]
    Agriculture,
    #[sea_orm(string_value = "SERVICES")]
    Services,
    #[sea_orm(string_value = "BEAUTY")]
    Beauty,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// `sellers.scale`: the UMKM size class (mikro, kecil, menengah).
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SellerScale {
    #[sea_orm(string_value = "MICRO")]
    Micro,
    #[sea_orm(string_value = "SMALL")]
    Small,
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
}

/// `sellers.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SellerStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}

/// `products.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

/// `channels.kind`: the sort of sales channel a listing is pushed to.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    #[sea_orm(string_value = "MARKETPLACE")]
    Marketplace,
    #[sea_orm(string_value = "FOOD_DELIVERY")]
    FoodDelivery,
    #[sea_orm(string_value = "SOCIAL_COMMERCE")]
    SocialCommerce,
    #[sea_orm(string_value = "PROCUREMENT")]
    Procurement,
    #[sea_orm(string_value = "EXPO")]
    Expo,
}

/// `channel_listings.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ListingStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "LIVE")]
    Live,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "UNPUBLISHED")]
    Unpublished,
}

/// `outbox_jobs.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "IN_FLIGHT")]
    InFlight,
    #[sea_orm(string_value = "DONE")]
    Done,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
}

/// `orders.status`: where an order from a partner channel stands.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// Placed, not paid yet.
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "PAID")]
    Paid,
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "RETURNED")]
    Returned,
}

/// `import_jobs.kind`: what a CSV import creates.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportKind {
    #[sea_orm(string_value = "SELLERS")]
    Sellers,
    #[sea_orm(string_value = "PRODUCTS")]
    Products,
}

/// `import_jobs.status`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// `Display` writes the database value (`COURIER_PARTNER`), the same string serde uses.
macro_rules! display_as_db_value {
    ($($enum:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&ActiveEnum::to_value(self))
            }
        }
    )+};
}

display_as_db_value!(
    AggregatorKind,
    AggregatorStatus,
    Role,
    SellerSector,
    SellerScale,
    SellerStatus,
    ProductStatus,
    ChannelKind,
    ListingStatus,
    OutboxStatus,
    OrderStatus,
    ImportKind,
    ImportStatus,
);

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    fn assert_serde_matches_db<E>()
    where
        E: ActiveEnum<Value = String> + Iterable + Serialize + std::fmt::Display,
    {
        for variant in E::iter() {
            let json = serde_json::to_value(&variant).unwrap();
            assert_eq!(json, serde_json::Value::String(variant.to_value()));
            assert_eq!(variant.to_string(), variant.to_value());
        }
    }

    #[test]
    fn json_and_display_spell_every_value_as_the_database_does() {
        assert_serde_matches_db::<AggregatorKind>();
        assert_serde_matches_db::<AggregatorStatus>();
        assert_serde_matches_db::<Role>();
        assert_serde_matches_db::<SellerSector>();
        assert_serde_matches_db::<SellerScale>();
        assert_serde_matches_db::<SellerStatus>();
        assert_serde_matches_db::<ProductStatus>();
        assert_serde_matches_db::<ChannelKind>();
        assert_serde_matches_db::<ListingStatus>();
        assert_serde_matches_db::<OutboxStatus>();
        assert_serde_matches_db::<OrderStatus>();
        assert_serde_matches_db::<ImportKind>();
        assert_serde_matches_db::<ImportStatus>();
    }

    #[test]
    fn json_values_parse_back_into_variants() {
        let kind: AggregatorKind = serde_json::from_str(r#""GOVERNMENT_OFFICE""#).unwrap();
        assert_eq!(kind, AggregatorKind::GovernmentOffice);
    }
}
