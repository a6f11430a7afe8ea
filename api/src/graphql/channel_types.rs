//! The object, input and payload types of partner channels; their queries and mutations are in
//! [`super::channels`].

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use entity::channels;

use super::{enums::ChannelKind, payload::UserError, relay::to_id};
use crate::service::channels::{
    self as service, ChannelRules as Rules, RequiredField as ServiceRequiredField,
};

/// Product or seller data a channel may require.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "ServiceRequiredField")]
pub enum RequiredField {
    Description,
    Images,
    SellerNib,
    HalalCertificate,
    PirtNumber,
}

/// What a channel demands of a listing.
#[derive(SimpleObject, InputObject, Clone, Debug, Default)]
#[graphql(input_name = "ChannelRulesInput")]
pub struct ChannelRules {
    #[graphql(default)]
    pub required_fields: Vec<RequiredField>,
    pub max_title_length: Option<i32>,
    /// Whole rupiah.
    pub min_price: Option<i64>,
    /// Category slugs; empty accepts every category.
    #[graphql(default)]
    pub allowed_categories: Vec<String>,
    #[graphql(default)]
    pub halal_required: bool,
    /// The aggregator must map a product's category to the channel's own category id.
    #[graphql(default)]
    pub category_mapping_required: bool,
}

impl From<Rules> for ChannelRules {
    fn from(rules: Rules) -> Self {
        Self {
            required_fields: rules.required_fields.into_iter().map(Into::into).collect(),
            max_title_length: rules.max_title_length,
            min_price: rules.min_price,
            allowed_categories: rules.allowed_categories,
            halal_required: rules.halal_required,
            category_mapping_required: rules.category_mapping_required,
        }
    }
}

impl From<ChannelRules> for Rules {
    fn from(rules: ChannelRules) -> Self {
        Self {
            required_fields: rules.required_fields.into_iter().map(Into::into).collect(),
            max_title_length: rules.max_title_length,
            min_price: rules.min_price,
            allowed_categories: rules.allowed_categories,
            halal_required: rules.halal_required,
            category_mapping_required: rules.category_mapping_required,
        }
    }
}

/// A partner sales channel. Its signing secret is never readable.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Channel {
    #[graphql(skip)]
    pub db_id: i64,
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// Where listings are pushed; none for a pull-feed-only channel.
    pub webhook_url: Option<String>,
    /// Where Dermaga polls the channel's order events; none for a channel that pushes them.
    pub orders_url: Option<String>,
    pub rules: ChannelRules,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

#[async_graphql::ComplexObject]
impl Channel {
    pub async fn id(&self) -> ID {
        to_id("Channel", self.db_id)
    }
}

impl From<channels::Model> for Channel {
    fn from(model: channels::Model) -> Self {
        Self {
            db_id: model.id,
            rules: service::rules_of(&model).into(),
            code: model.code,
            name: model.name,
            kind: model.kind.into(),
            webhook_url: model.webhook_url,
            orders_url: model.orders_url,
            is_active: model.is_active,
            created_at: model.created_at,
        }
    }
}

#[derive(InputObject)]
pub struct RegisterChannelInput {
    /// Short and unique, e.g. `tokomaju`; used in feed URLs.
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// http(s); loopback and private addresses only with `ALLOW_PRIVATE_WEBHOOKS`.
    pub webhook_url: Option<String>,
    /// Where the channel serves its order events to be polled, checked like `webhookUrl`.
    pub orders_url: Option<String>,
    #[graphql(default)]
    pub rules: ChannelRules,
}

#[derive(SimpleObject)]
pub struct RegisterChannelPayload {
    pub channel: Option<Channel>,
    /// The secret that signs deliveries: shown this once, give it to the partner.
    pub signing_secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateChannelInput {
    pub id: ID,
    pub name: Option<String>,
    /// http(s), validated as at registration; an empty string removes the webhook.
    pub webhook_url: Option<String>,
    /// http(s), validated as at registration; an empty string stops polling for orders.
    pub orders_url: Option<String>,
    /// Replaces every rule; they apply to every later change of the channel's listings.
    pub rules: Option<ChannelRules>,
}

#[derive(InputObject)]
pub struct ChannelIdInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct ChannelPayload {
    pub channel: Option<Channel>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct RotateChannelSecretPayload {
    pub channel: Option<Channel>,
    /// The new signing secret: shown this once. The old one stops signing at once.
    pub signing_secret: Option<String>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CategoryMappingInput {
    pub category_id: ID,
    /// The channel's own id for the category.
    pub channel_category_id: String,
}

#[derive(InputObject)]
pub struct EnableChannelInput {
    pub channel_id: ID,
    #[graphql(default)]
    pub category_mappings: Vec<CategoryMappingInput>,
    /// Offer this share (0–100) of each variant's stock on the channel…
    pub stock_share_percent: Option<i32>,
    /// …or hold back this many units of each variant's stock.
    pub stock_buffer: Option<i32>,
}

/// A channel as the caller's aggregator has set it up.
#[derive(SimpleObject)]
pub struct EnabledChannel {
    pub channel: Channel,
    pub stock_share_percent: Option<i32>,
    pub stock_buffer: Option<i32>,
    pub category_mappings: Vec<CategoryMapping>,
}

/// One of the aggregator's categories and the channel's id for it.
#[derive(SimpleObject)]
pub struct CategoryMapping {
    pub category_id: ID,
    pub channel_category_id: String,
}

impl EnabledChannel {
    pub(super) fn new(link: &entity::aggregator_channels::Model, channel: channels::Model) -> Self {
        Self {
            channel: channel.into(),
            stock_share_percent: link.stock_share_percent,
            stock_buffer: link.stock_buffer,
            category_mappings: service::category_mappings(link)
                .into_iter()
                .map(|(category, external)| CategoryMapping {
                    category_id: to_id("Category", category),
                    channel_category_id: external,
                })
                .collect(),
        }
    }
}

#[derive(SimpleObject)]
pub struct EnableChannelPayload {
    pub enabled: Option<EnabledChannel>,
    /// The pull-feed token (`?token=`): shown this once; enabling again issues a new one.
    pub feed_token: Option<String>,
    pub user_errors: Vec<UserError>,
}
