//! Partner channels: registration (platform admins) and enabling per aggregator.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::channels;

use super::{
    app,
    enums::ChannelKind,
    gql,
    guard::{ANY_USER, RoleGuard},
    payload::{UserError, into_payload},
    relay::{input_id, to_id},
    user,
};
use crate::{
    error::AppResult,
    service::channels::{
        self as service, ChannelChanges, ChannelRules as Rules, ChannelSetup, NewChannel,
        RequiredField as ServiceRequiredField,
    },
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

fn channel_payload(result: AppResult<channels::Model>) -> async_graphql::Result<ChannelPayload> {
    into_payload(result, |channel, user_errors| ChannelPayload {
        channel: channel.map(Into::into),
        user_errors,
    })
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
    fn new(link: &entity::aggregator_channels::Model, channel: channels::Model) -> Self {
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

#[derive(Default)]
pub struct ChannelQuery;

#[Object]
impl ChannelQuery {
    /// Every partner channel.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn channels(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Channel>> {
        Ok(gql(service::list(&app(ctx)?.db).await)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The channels the caller's aggregator works with, and how it set each up.
    async fn enabled_channels(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<EnabledChannel>> {
        Ok(gql(service::enabled(&app(ctx)?.db, user(ctx)?).await)?
            .into_iter()
            .map(|(link, channel)| EnabledChannel::new(&link, channel))
            .collect())
    }
}

#[derive(Default)]
pub struct ChannelMutation;

#[Object]
impl ChannelMutation {
    /// Registers a partner channel; the answer carries its signing secret, once.
    async fn register_channel(
        &self,
        ctx: &Context<'_>,
        input: RegisterChannelInput,
    ) -> async_graphql::Result<RegisterChannelPayload> {
        let app = app(ctx)?;
        let result = service::register(
            &app.db,
            user(ctx)?,
            app.settings.allow_private_webhooks,
            NewChannel {
                code: input.code,
                name: input.name,
                kind: input.kind.into(),
                webhook_url: input.webhook_url,
                rules: input.rules.into(),
            },
        )
        .await;
        into_payload(result, |registered, user_errors| {
            let (channel, signing_secret) = match registered {
                Some(registered) => (
                    Some(registered.channel.into()),
                    Some(registered.signing_secret),
                ),
                None => (None, None),
            };
            RegisterChannelPayload {
                channel,
                signing_secret,
                user_errors,
            }
        })
    }

    /// Changes a channel's name, webhook URL or rules (platform admins).
    async fn update_channel(
        &self,
        ctx: &Context<'_>,
        input: UpdateChannelInput,
    ) -> async_graphql::Result<ChannelPayload> {
        let (app, caller) = (app(ctx)?, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "Channel", "id")?;
            service::update(
                &app.db,
                caller,
                app.settings.allow_private_webhooks,
                id,
                ChannelChanges {
                    name: input.name,
                    webhook_url: input.webhook_url,
                    rules: input.rules.map(Into::into),
                },
            )
            .await
        }
        .await;
        channel_payload(result)
    }

    /// Takes a channel out of service (platform admins): it can't be enabled or published
    /// to, its feeds answer 404 and its pending deliveries wait until it is reactivated.
    async fn deactivate_channel(
        &self,
        ctx: &Context<'_>,
        input: ChannelIdInput,
    ) -> async_graphql::Result<ChannelPayload> {
        set_active(ctx, input, false).await
    }

    /// Puts a deactivated channel back in service (platform admins); waiting deliveries go out.
    async fn reactivate_channel(
        &self,
        ctx: &Context<'_>,
        input: ChannelIdInput,
    ) -> async_graphql::Result<ChannelPayload> {
        set_active(ctx, input, true).await
    }

    /// Issues a new signing secret (platform admins), shown this once.
    async fn rotate_channel_secret(
        &self,
        ctx: &Context<'_>,
        input: ChannelIdInput,
    ) -> async_graphql::Result<RotateChannelSecretPayload> {
        let (app, caller) = (app(ctx)?, user(ctx)?);
        let result = async {
            let id = input_id(&input.id, "Channel", "id")?;
            service::rotate_secret(&app.db, caller, id).await
        }
        .await;
        into_payload(result, |rotated, user_errors| {
            let (channel, signing_secret) = match rotated {
                Some(rotated) => (Some(rotated.channel.into()), Some(rotated.signing_secret)),
                None => (None, None),
            };
            RotateChannelSecretPayload {
                channel,
                signing_secret,
                user_errors,
            }
        })
    }

    /// Enables a channel for the caller's aggregator (aggregator admins), with its category
    /// mapping and stock allocation; issues a new pull-feed token.
    async fn enable_channel(
        &self,
        ctx: &Context<'_>,
        input: EnableChannelInput,
    ) -> async_graphql::Result<EnableChannelPayload> {
        let result = enable(&app(ctx)?.db, user(ctx)?, input).await;
        into_payload(result, |enabled, user_errors| match enabled {
            Some(enabled) => EnableChannelPayload {
                enabled: Some(EnabledChannel::new(&enabled.link, enabled.channel)),
                feed_token: Some(enabled.feed_token),
                user_errors,
            },
            None => EnableChannelPayload {
                enabled: None,
                feed_token: None,
                user_errors,
            },
        })
    }
}

/// `deactivateChannel` / `reactivateChannel`.
async fn set_active(
    ctx: &Context<'_>,
    input: ChannelIdInput,
    active: bool,
) -> async_graphql::Result<ChannelPayload> {
    let (app, caller) = (app(ctx)?, user(ctx)?);
    let result = async {
        let id = input_id(&input.id, "Channel", "id")?;
        service::set_active(&app.db, caller, id, active).await
    }
    .await;
    channel_payload(result)
}

async fn enable(
    db: &sea_orm::DatabaseConnection,
    caller: &crate::auth::AuthUser,
    input: EnableChannelInput,
) -> AppResult<service::EnabledChannel> {
    let channel_id = input_id(&input.channel_id, "Channel", "channelId")?;
    let mut setup = ChannelSetup {
        stock_share_percent: input.stock_share_percent,
        stock_buffer: input.stock_buffer,
        ..ChannelSetup::default()
    };
    for mapping in input.category_mappings {
        let category = input_id(&mapping.category_id, "Category", "categoryId")?;
        setup
            .category_map
            .insert(category, mapping.channel_category_id);
    }
    service::enable(db, caller, channel_id, setup).await
}
