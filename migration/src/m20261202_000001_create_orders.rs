//! Orders that partner channels send in: `orders`, their `order_lines`, and `order_events`,
//! the partner's events as received, one per (channel, external order id, event), each with
//! the answer given, so that a repeat gets the same answer and changes nothing.
//! `inbound_signatures` keeps each accepted signature for the window its timestamp is
//! accepted in, so that a captured request sent again is refused. `order_pushes` is the
//! outbox of the status changes Dermaga sends back to the order's channel (shipped with its
//! tracking number, completed, cancelled), written in the transaction of the change.
//! `channels.orders_url` is where a channel that must be polled serves its order events, and
//! `order_pulls` keeps, per aggregator and channel, the cursor the next poll resumes from.

use sea_orm_migration::{prelude::*, schema::*};

use super::{
    m20261123_000001_create_aggregators::Aggregators, m20261123_000002_create_sellers::Sellers,
    m20261123_000008_create_product_variants::ProductVariants,
    m20261123_000010_create_channels::Channels,
};
use crate::ddl::{
    Timestamps, check, create_indexes, created_at, foreign_key, id, index, one_of, unique,
    updated_at,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Orders {
    Table,
    Id,
    AggregatorId,
    ChannelId,
    SellerId,
    ExternalId,
    Status,
    NeedsAttention,
    StockHeld,
    TotalAmount,
    BuyerCity,
    PlacedAt,
    PaidAt,
    CancelledAt,
    ReturnedAt,
    ShippedAt,
    CompletedAt,
    CancelReason,
    Courier,
    TrackingNumber,
}

#[derive(DeriveIden)]
pub enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    Sku,
    VariantId,
    Quantity,
    UnitPrice,
    AcceptedQuantity,
    Problem,
    OversoldBy,
}

#[derive(DeriveIden)]
pub enum OrderEvents {
    Table,
    Id,
    ChannelId,
    ExternalOrderId,
    Event,
    OrderId,
    ResponseStatus,
    ResponseBody,
}

#[derive(DeriveIden)]
pub enum OrderPushes {
    Table,
    Id,
    OrderId,
    ChannelId,
    Event,
    Payload,
    Attempts,
    NextAttemptAt,
    DeliveredAt,
    FailedAt,
    LastError,
}

#[derive(DeriveIden)]
pub enum PolledChannels {
    #[sea_orm(iden = "channels")]
    Table,
    OrdersUrl,
}

#[derive(DeriveIden)]
pub enum OrderPulls {
    Table,
    Id,
    AggregatorId,
    ChannelId,
    Cursor,
    Attempts,
    NextPollAt,
    LastPolledAt,
    LastError,
}

#[derive(DeriveIden)]
pub enum InboundSignatures {
    Table,
    Id,
    ChannelId,
    Signature,
}

const STATUSES: &[&str] = &[
    "CREATED",
    "PAID",
    "SHIPPED",
    "COMPLETED",
    "CANCELLED",
    "RETURNED",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(orders()).await?;
        manager.create_table(order_lines()).await?;
        manager.create_table(order_events()).await?;
        manager.create_table(inbound_signatures()).await?;
        manager.create_table(order_pushes()).await?;
        manager.create_table(order_pulls()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PolledChannels::Table)
                    .add_column(string_len_null(PolledChannels::OrdersUrl, 2048))
                    .take(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("orders_aggregator_placed_idx", Orders::Table)
                    .col(Orders::AggregatorId)
                    .col(Orders::PlacedAt)
                    .col(Orders::Id)
                    .take(),
                index("orders_seller_placed_idx", Orders::Table)
                    .col(Orders::SellerId)
                    .col(Orders::PlacedAt)
                    .take(),
                index("order_lines_variant_id_idx", OrderLines::Table)
                    .col(OrderLines::VariantId)
                    .take(),
                index(
                    "inbound_signatures_created_at_idx",
                    InboundSignatures::Table,
                )
                .col(Timestamps::CreatedAt)
                .take(),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PolledChannels::Table)
                    .drop_column(PolledChannels::OrdersUrl)
                    .take(),
            )
            .await?;
        for table in [
            OrderPulls::Table.into_iden(),
            OrderPushes::Table.into_iden(),
            InboundSignatures::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

fn orders() -> TableCreateStatement {
    Table::create()
        .table(Orders::Table)
        .col(id(Orders::Id))
        .col(big_integer(Orders::AggregatorId))
        .col(big_integer(Orders::ChannelId))
        .col(big_integer_null(Orders::SellerId))
        .col(string_len(Orders::ExternalId, 128))
        .col(string_len(Orders::Status, 16))
        .col(boolean(Orders::NeedsAttention).default(false))
        .col(boolean(Orders::StockHeld).default(false))
        .col(big_integer(Orders::TotalAmount))
        .col(string_len_null(Orders::BuyerCity, 100))
        .col(timestamp_with_time_zone(Orders::PlacedAt))
        .col(timestamp_with_time_zone_null(Orders::PaidAt))
        .col(timestamp_with_time_zone_null(Orders::CancelledAt))
        .col(timestamp_with_time_zone_null(Orders::ReturnedAt))
        .col(timestamp_with_time_zone_null(Orders::ShippedAt))
        .col(timestamp_with_time_zone_null(Orders::CompletedAt))
        .col(string_len_null(Orders::CancelReason, 500))
        .col(string_len_null(Orders::Courier, 50))
        .col(string_len_null(Orders::TrackingNumber, 100))
        .col(created_at())
        .col(updated_at())
        .check(one_of("orders_status_check", Orders::Status, STATUSES))
        .check(check(
            "orders_total_amount_check",
            Expr::col(Orders::TotalAmount).gte(0),
        ))
        .index(
            unique("orders_channel_id_external_id_key")
                .col(Orders::ChannelId)
                .col(Orders::ExternalId),
        )
        .foreign_key(
            foreign_key("orders_aggregator_id_fkey")
                .from(Orders::Table, Orders::AggregatorId)
                .to(Aggregators::Table, Aggregators::Id),
        )
        .foreign_key(
            foreign_key("orders_channel_id_fkey")
                .from(Orders::Table, Orders::ChannelId)
                .to(Channels::Table, Channels::Id),
        )
        .foreign_key(
            foreign_key("orders_seller_id_fkey")
                .from(Orders::Table, Orders::SellerId)
                .to(Sellers::Table, Sellers::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .take()
}

fn order_lines() -> TableCreateStatement {
    Table::create()
        .table(OrderLines::Table)
        .col(id(OrderLines::Id))
        .col(big_integer(OrderLines::OrderId))
        .col(integer(OrderLines::Position))
        .col(string_len(OrderLines::Sku, 64))
        .col(big_integer_null(OrderLines::VariantId))
        .col(integer(OrderLines::Quantity))
        .col(big_integer(OrderLines::UnitPrice))
        .col(integer(OrderLines::AcceptedQuantity).default(0))
        .col(string_len_null(OrderLines::Problem, 16))
        .col(integer_null(OrderLines::OversoldBy))
        .check(check(
            "order_lines_quantity_check",
            Expr::col(OrderLines::Quantity).gt(0),
        ))
        .check(check(
            "order_lines_unit_price_check",
            Expr::col(OrderLines::UnitPrice).gte(0),
        ))
        .check(check(
            "order_lines_accepted_quantity_check",
            Expr::col(OrderLines::AcceptedQuantity)
                .gte(0)
                .and(Expr::col(OrderLines::AcceptedQuantity).lte(Expr::col(OrderLines::Quantity))),
        ))
        .index(
            unique("order_lines_order_id_position_key")
                .col(OrderLines::OrderId)
                .col(OrderLines::Position),
        )
        .foreign_key(
            foreign_key("order_lines_order_id_fkey")
                .from(OrderLines::Table, OrderLines::OrderId)
                .to(Orders::Table, Orders::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            foreign_key("order_lines_variant_id_fkey")
                .from(OrderLines::Table, OrderLines::VariantId)
                .to(ProductVariants::Table, ProductVariants::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .take()
}

fn order_events() -> TableCreateStatement {
    Table::create()
        .table(OrderEvents::Table)
        .col(id(OrderEvents::Id))
        .col(big_integer(OrderEvents::ChannelId))
        .col(string_len(OrderEvents::ExternalOrderId, 128))
        .col(string_len(OrderEvents::Event, 32))
        .col(big_integer_null(OrderEvents::OrderId))
        .col(integer(OrderEvents::ResponseStatus))
        .col(text(OrderEvents::ResponseBody))
        .col(created_at())
        .index(
            unique("order_events_channel_order_event_key")
                .col(OrderEvents::ChannelId)
                .col(OrderEvents::ExternalOrderId)
                .col(OrderEvents::Event),
        )
        .foreign_key(
            foreign_key("order_events_channel_id_fkey")
                .from(OrderEvents::Table, OrderEvents::ChannelId)
                .to(Channels::Table, Channels::Id),
        )
        .foreign_key(
            foreign_key("order_events_order_id_fkey")
                .from(OrderEvents::Table, OrderEvents::OrderId)
                .to(Orders::Table, Orders::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .take()
}

fn inbound_signatures() -> TableCreateStatement {
    Table::create()
        .table(InboundSignatures::Table)
        .col(id(InboundSignatures::Id))
        .col(big_integer(InboundSignatures::ChannelId))
        .col(string_len(InboundSignatures::Signature, 64))
        .col(created_at())
        .index(
            unique("inbound_signatures_channel_signature_key")
                .col(InboundSignatures::ChannelId)
                .col(InboundSignatures::Signature),
        )
        .foreign_key(
            foreign_key("inbound_signatures_channel_id_fkey")
                .from(InboundSignatures::Table, InboundSignatures::ChannelId)
                .to(Channels::Table, Channels::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .take()
}

fn order_pushes() -> TableCreateStatement {
    Table::create()
        .table(OrderPushes::Table)
        .col(id(OrderPushes::Id))
        .col(big_integer(OrderPushes::OrderId))
        .col(big_integer(OrderPushes::ChannelId))
        .col(string_len(OrderPushes::Event, 32))
        .col(text(OrderPushes::Payload))
        .col(integer(OrderPushes::Attempts).default(0))
        .col(timestamp_with_time_zone(OrderPushes::NextAttemptAt))
        .col(timestamp_with_time_zone_null(OrderPushes::DeliveredAt))
        .col(timestamp_with_time_zone_null(OrderPushes::FailedAt))
        .col(text_null(OrderPushes::LastError))
        .col(created_at())
        .foreign_key(
            foreign_key("order_pushes_order_id_fkey")
                .from(OrderPushes::Table, OrderPushes::OrderId)
                .to(Orders::Table, Orders::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            foreign_key("order_pushes_channel_id_fkey")
                .from(OrderPushes::Table, OrderPushes::ChannelId)
                .to(Channels::Table, Channels::Id),
        )
        .take()
}

fn order_pulls() -> TableCreateStatement {
    Table::create()
        .table(OrderPulls::Table)
        .col(id(OrderPulls::Id))
        .col(big_integer(OrderPulls::AggregatorId))
        .col(big_integer(OrderPulls::ChannelId))
        .col(text_null(OrderPulls::Cursor))
        .col(integer(OrderPulls::Attempts).default(0))
        .col(timestamp_with_time_zone(OrderPulls::NextPollAt))
        .col(timestamp_with_time_zone_null(OrderPulls::LastPolledAt))
        .col(text_null(OrderPulls::LastError))
        .col(updated_at())
        .index(
            unique("order_pulls_aggregator_channel_key")
                .col(OrderPulls::AggregatorId)
                .col(OrderPulls::ChannelId),
        )
        .foreign_key(
            foreign_key("order_pulls_aggregator_id_fkey")
                .from(OrderPulls::Table, OrderPulls::AggregatorId)
                .to(Aggregators::Table, Aggregators::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            foreign_key("order_pulls_channel_id_fkey")
                .from(OrderPulls::Table, OrderPulls::ChannelId)
                .to(Channels::Table, Channels::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .take()
}
