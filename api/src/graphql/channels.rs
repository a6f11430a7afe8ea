//! Partner channels: registration (platform admins) and enabling per aggregator. The types
//! are in [`super::channel_types`].

use async_graphql::{Context, Object};
use entity::channels;

use super::{
    app,
    channel_types::{
        Channel, ChannelIdInput, ChannelPayload, EnableChannelInput, EnableChannelPayload,
        EnabledChannel, RegisterChannelInput, RegisterChannelPayload, RotateChannelSecretPayload,
        UpdateChannelInput,
    },
    gql,
    guard::{ANY_USER, RoleGuard},
    payload::into_payload,
    relay::input_id,
    user,
};
use crate::{
    error::AppResult,
    service::channels::{self as service, ChannelChanges, ChannelSetup, NewChannel},
};

fn channel_payload(result: AppResult<channels::Model>) -> async_graphql::Result<ChannelPayload> {
    into_payload(result, |channel, user_errors| ChannelPayload {
        channel: channel.map(Into::into),
        user_errors,
    })
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
                orders_url: input.orders_url,
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
                    orders_url: input.orders_url,
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
