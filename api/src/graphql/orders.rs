//! Orders from partner channels, for dashboards: the list with its filters, one order, and
//! fulfilment (ship with a tracking number, complete, cancel).

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject, Subscription,
    futures_util::{Stream, StreamExt},
};
use chrono::{DateTime, Utc};
use entity::{order_lines, orders};

use super::{
    app,
    channel_types::Channel,
    gql,
    guard::{ANY_USER, RoleGuard},
    loaders::{ChannelLoader, OrderLinesLoader, ScopedSellerLoader, load_one},
    money::Money,
    payload::{UserError, into_payload},
    relay::{IdConnection, IdCursor, connection, input_id, page_request, parse_id, to_id},
    sellers::Seller,
    subscription_quota, user,
};
use crate::{
    error::AppError,
    events::EventBus,
    service::orders::{self as service, Moment, OrderFilter as ServiceFilter, Shipment},
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::OrderStatus")]
pub enum OrderStatus {
    /// Placed on the channel, not paid yet.
    Created,
    Paid,
    /// Handed to a courier (`courier`, `trackingNumber`).
    Shipped,
    Completed,
    Cancelled,
    Returned,
}

/// Why a line took no stock.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderLineProblem {
    /// No variant of the aggregator has this SKU.
    UnknownSku,
    /// The stock was short (`oversoldBy` says by how many).
    Oversold,
    /// The SKU is another seller's than the order's.
    OtherSeller,
}

/// An order a partner channel sent in.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Order {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    pub channel_id: i64,
    #[graphql(skip)]
    pub seller_id: Option<i64>,
    /// The channel's own id for the order.
    pub external_id: String,
    pub status: OrderStatus,
    /// A line's SKU is unknown or another seller's, or its stock was short.
    pub needs_attention: bool,
    pub total: Money,
    /// The only personal data kept: where the parcel goes.
    pub buyer_city: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// e.g. `JNE`.
    pub courier: Option<String>,
    /// The courier's receipt number (*resi*).
    pub tracking_number: Option<String>,
}

#[ComplexObject]
impl Order {
    pub async fn id(&self) -> ID {
        to_id("Order", self.db_id)
    }

    async fn channel(&self, ctx: &Context<'_>) -> async_graphql::Result<Channel> {
        let channel = load_one::<ChannelLoader>(ctx, self.channel_id).await?;
        Ok(channel.ok_or(AppError::NotFound("channel"))?.into())
    }

    /// The seller whose products the order's SKUs name; none when no SKU is known.
    async fn seller(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Seller>> {
        let Some(seller_id) = self.seller_id else {
            return Ok(None);
        };
        Ok(load_one::<ScopedSellerLoader>(ctx, seller_id)
            .await?
            .map(Into::into))
    }

    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderLine>> {
        let lines = load_one::<OrderLinesLoader>(ctx, self.db_id).await?;
        Ok(lines
            .unwrap_or_default()
            .into_iter()
            .map(OrderLine::from)
            .collect())
    }
}

impl From<orders::Model> for Order {
    fn from(model: orders::Model) -> Self {
        Self {
            db_id: model.id,
            channel_id: model.channel_id,
            seller_id: model.seller_id,
            external_id: model.external_id,
            status: model.status.into(),
            needs_attention: model.needs_attention,
            total: Money::rupiah(model.total_amount),
            buyer_city: model.buyer_city,
            placed_at: model.placed_at,
            paid_at: model.paid_at,
            shipped_at: model.shipped_at,
            completed_at: model.completed_at,
            cancelled_at: model.cancelled_at,
            returned_at: model.returned_at,
            cancel_reason: model.cancel_reason,
            courier: model.courier,
            tracking_number: model.tracking_number,
        }
    }
}

/// One SKU of an order.
#[derive(SimpleObject)]
pub struct OrderLine {
    pub sku: String,
    /// The variant the SKU names, when it is known.
    pub variant_id: Option<ID>,
    pub quantity: i32,
    pub unit_price: Money,
    /// Units taken from stock: all of `quantity`, or none.
    pub accepted_quantity: i32,
    pub problem: Option<OrderLineProblem>,
    pub oversold_by: Option<i32>,
}

impl From<order_lines::Model> for OrderLine {
    fn from(model: order_lines::Model) -> Self {
        let problem = match model.problem.as_deref() {
            Some(service::UNKNOWN_SKU) => Some(OrderLineProblem::UnknownSku),
            Some(service::OVERSOLD) => Some(OrderLineProblem::Oversold),
            Some(service::OTHER_SELLER) => Some(OrderLineProblem::OtherSeller),
            _ => None,
        };
        Self {
            sku: model.sku,
            variant_id: model.variant_id.map(|id| to_id("ProductVariant", id)),
            quantity: model.quantity,
            unit_price: Money::rupiah(model.unit_price),
            accepted_quantity: model.accepted_quantity,
            problem,
            oversold_by: model.oversold_by,
        }
    }
}

#[derive(InputObject, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub channel_id: Option<ID>,
    pub seller_id: Option<ID>,
    /// Placed at or after this time.
    pub placed_after: Option<DateTime<Utc>>,
    /// Placed before this time.
    pub placed_before: Option<DateTime<Utc>>,
    pub needs_attention: Option<bool>,
}

impl OrderFilter {
    pub(super) fn into_service(self) -> async_graphql::Result<ServiceFilter> {
        Ok(ServiceFilter {
            status: self.status.map(Into::into),
            channel_id: self
                .channel_id
                .map(|id| gql(parse_id(&id, "Channel", "filter.channelId")))
                .transpose()?,
            seller_id: self
                .seller_id
                .map(|id| gql(parse_id(&id, "Seller", "filter.sellerId")))
                .transpose()?,
            placed_after: self.placed_after,
            placed_before: self.placed_before,
            needs_attention: self.needs_attention,
        })
    }
}

/// The orders of `filter` the caller may see, newest first.
pub async fn orders_page(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: ServiceFilter,
) -> async_graphql::Result<IdConnection<Order>> {
    let page = gql(page_request(first, after))?;
    let page = gql(service::list(&app(ctx)?.db, user(ctx)?, &filter, page).await)?;
    Ok(connection(page, |model| IdCursor(model.id), Order::from))
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// The caller's orders, newest first: an aggregator team sees its aggregator's, a seller
    /// its own.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrderFilter>,
    ) -> async_graphql::Result<IdConnection<Order>> {
        let filter = filter.unwrap_or_default().into_service()?;
        orders_page(ctx, first, after, filter).await
    }

    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        let id = gql(parse_id(&id, "Order", "id"))?;
        Ok(gql(service::find(&app(ctx)?.db, user(ctx)?, id).await)?.into())
    }
}

#[derive(InputObject)]
pub struct MarkOrderShippedInput {
    pub order_id: ID,
    /// e.g. `JNE`, `J&T`, `SiCepat`.
    pub courier: String,
    /// The courier's receipt number (*resi*).
    pub tracking_number: String,
}

#[derive(InputObject)]
pub struct MarkOrderCompletedInput {
    pub order_id: ID,
}

#[derive(InputObject)]
pub struct CancelOrderInput {
    pub order_id: ID,
    pub reason: String,
}

#[derive(SimpleObject)]
pub struct OrderPayload {
    pub order: Option<Order>,
    pub user_errors: Vec<UserError>,
}

fn order_payload(
    result: crate::error::AppResult<orders::Model>,
) -> async_graphql::Result<OrderPayload> {
    into_payload(result, |order, user_errors| OrderPayload {
        order: order.map(Into::into),
        user_errors,
    })
}

#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Hands a placed or paid order to a courier; the channel is sent the tracking number.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn mark_order_shipped(
        &self,
        ctx: &Context<'_>,
        input: MarkOrderShippedInput,
    ) -> async_graphql::Result<OrderPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let shipment = Shipment {
            courier: input.courier,
            tracking_number: input.tracking_number,
        };
        let result = match input_id(&input.order_id, "Order", "orderId") {
            Ok(id) => service::mark_shipped(db, caller, id, shipment).await,
            Err(error) => Err(error),
        };
        order_payload(result)
    }

    /// Closes a shipped order; the channel is told.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn mark_order_completed(
        &self,
        ctx: &Context<'_>,
        input: MarkOrderCompletedInput,
    ) -> async_graphql::Result<OrderPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = match input_id(&input.order_id, "Order", "orderId") {
            Ok(id) => service::mark_completed(db, caller, id).await,
            Err(error) => Err(error),
        };
        order_payload(result)
    }

    /// Cancels a placed or paid order: its stock comes back, every channel hears of it, and
    /// the order's channel is sent the cancellation with the reason.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn cancel_order(
        &self,
        ctx: &Context<'_>,
        input: CancelOrderInput,
    ) -> async_graphql::Result<OrderPayload> {
        let (db, caller) = (&app(ctx)?.db, user(ctx)?);
        let result = match input_id(&input.order_id, "Order", "orderId") {
            Ok(id) => service::cancel(db, caller, id, &input.reason).await,
            Err(error) => Err(error),
        };
        order_payload(result)
    }
}

#[derive(Default)]
pub struct OrderSubscription;

/// The caller's orders at `moment`, as they happen on any replica.
fn order_feed(
    ctx: &Context<'_>,
    moment: Moment,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Order>> + use<>> {
    let place = subscription_quota::take(ctx)?;
    let db = app(ctx)?.db.clone();
    let caller = user(ctx)?.clone();
    let events = ctx.data::<EventBus>()?.subscribe();
    Ok(
        service::watch(db, caller, moment, events).map(move |order| {
            let _held = &place;
            Ok(gql(order)?.into())
        }),
    )
}

#[Subscription]
impl OrderSubscription {
    /// Each order that arrives from a channel, once, for the caller's dashboard (a seller's
    /// own orders only).
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn order_received(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Order>> + use<>> {
        order_feed(ctx, Moment::Received)
    }

    /// Each later change of the caller's orders: paid, shipped, completed, cancelled, returned.
    #[graphql(guard = "RoleGuard::new(ANY_USER)")]
    async fn order_updated(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Order>> + use<>> {
        order_feed(ctx, Moment::Updated)
    }
}
