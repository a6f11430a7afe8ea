//! GraphQL mirrors of the stored enums; `remote` derives the conversions both ways.

use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Role")]
pub enum Role {
    PlatformAdmin,
    AggregatorAdmin,
    AggregatorStaff,
    Seller,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AggregatorKind")]
pub enum AggregatorKind {
    CourierPartner,
    GovernmentOffice,
    Cooperative,
    Community,
    Company,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AggregatorStatus")]
pub enum AggregatorStatus {
    Active,
    Suspended,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SellerSector")]
pub enum SellerSector {
    FoodAndDrink,
    Fashion,
    Crafts,
    Agriculture,
    Services,
    Beauty,
    Other,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SellerScale")]
pub enum SellerScale {
    Micro,
    Small,
    Medium,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SellerStatus")]
pub enum SellerStatus {
    Active,
    Suspended,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ImportKind")]
pub enum ImportKind {
    Sellers,
    Products,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ImportStatus")]
pub enum ImportStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ChannelKind")]
pub enum ChannelKind {
    Marketplace,
    FoodDelivery,
    SocialCommerce,
    Procurement,
    Expo,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ListingStatus")]
pub enum ListingStatus {
    /// Queued or being delivered; not yet acknowledged by the channel.
    Pending,
    /// The channel accepted the listing.
    Live,
    /// The channel refused it (a 4xx answer); see `lastError`.
    Rejected,
    /// Every attempt failed; `retryListing` queues it again.
    Failed,
    Unpublished,
}
