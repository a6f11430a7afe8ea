//! Receiving a partner's order event: verified, checked, and applied once.
//!
//! Everything an event does happens in one transaction: the signature is remembered (a replay
//! is refused), the event is recorded with its answer (a repeat gets the same answer and
//! changes nothing), the order and its lines are written, the stock is taken or given back,
//! and the other channels' stock pushes are queued. A refused request leaves nothing behind.

use chrono::Utc;
use entity::{
    aggregators, channels, enums::OrderStatus, inbound_signatures, order_events, order_lines,
    orders,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Set, SqlErr, sea_query::OnConflict,
};
use serde_json::json;

use super::{
    document::{self, EventKind, OrderEvent},
    stock,
};
use crate::{
    domain::signature,
    error::{AppError, AppResult, FieldError, FieldErrorCode},
    events::{self, Event},
    global_id,
    service::{
        audit::{self, AuditEntry},
        channels::link,
    },
};

/// A signed request as it arrived.
pub struct SignedRequest<'a> {
    pub channel_code: &'a str,
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub body: &'a [u8],
}

/// The answer to an accepted event: the JSON the partner gets (again, for a repeat).
#[derive(Debug)]
pub struct Receipt {
    pub body: String,
}

/// How many times a transaction that lost a race with the same order's other events is run
/// again (it then finds what the winner wrote).
const ATTEMPTS: usize = 3;

/// Verifies, checks and applies one order event from a partner channel.
pub async fn receive(db: &DatabaseConnection, request: SignedRequest<'_>) -> AppResult<Receipt> {
    let channel = channels::Entity::find()
        .filter(channels::Column::Code.eq(request.channel_code))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("channel"))?;
    let header = request.signature.ok_or(AppError::InvalidToken(
        signature::Refusal::Malformed.message(),
    ))?;
    let verified = signature::verify(
        &channel.signing_secret,
        header,
        request.timestamp,
        request.body,
        Utc::now().timestamp(),
    )
    .map_err(|refusal| AppError::InvalidToken(refusal.message()))?;
    let event = document::parse(request.body)?;
    record(db, &channel, Some(&verified.signature), &event).await
}

/// Applies one checked event from `channel` once, remembering `signature` (a pushed event's)
/// so that it cannot be replayed.
pub(super) async fn record(
    db: &DatabaseConnection,
    channel: &channels::Model,
    signature: Option<&str>,
    event: &OrderEvent,
) -> AppResult<Receipt> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = crate::db::begin_write(db).await?;
        match apply(&txn, channel, signature, event).await {
            Ok(receipt) => {
                txn.commit().await?;
                return Ok(receipt);
            }
            Err(AppError::Db(err))
                if attempt < ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                txn.rollback().await?;
            }
            Err(err) => {
                txn.rollback().await?;
                return Err(err);
            }
        }
    }
}

async fn apply(
    txn: &DatabaseTransaction,
    channel: &channels::Model,
    signature: Option<&str>,
    event: &OrderEvent,
) -> AppResult<Receipt> {
    if let Some(signature) = signature {
        remember_signature(txn, channel.id, signature).await?;
    }
    if let Some(seen) = order_events::Entity::find()
        .filter(order_events::Column::ChannelId.eq(channel.id))
        .filter(order_events::Column::ExternalOrderId.eq(&event.external_id))
        .filter(order_events::Column::Event.eq(event.kind.as_str()))
        .one(txn)
        .await?
    {
        return Ok(Receipt {
            body: seen.response_body,
        });
    }
    let aggregator = enabling_aggregator(txn, channel.id, &event.aggregator_slug).await?;

    let order = match find_order(txn, channel.id, &event.external_id).await? {
        Some(order) if order.aggregator_id != aggregator.id => {
            return Err(AppError::Conflict(FieldError::new(
                &["order", "externalId"],
                FieldErrorCode::Conflict,
                "this channel already sent an order with this id for another aggregator",
            )));
        }
        Some(order) => advance(txn, order, event).await?,
        None => create(txn, channel.id, aggregator.id, event).await?,
    };
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(order.id))
        .all(txn)
        .await?;
    events::notify(txn, &[Event::order(&order)]).await?;
    let body = receipt_body(&order, &lines);
    order_events::ActiveModel {
        channel_id: Set(channel.id),
        external_order_id: Set(event.external_id.clone()),
        event: Set(event.kind.as_str().to_owned()),
        order_id: Set(Some(order.id)),
        response_status: Set(200),
        response_body: Set(body.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(Receipt { body })
}

/// Remembers an accepted signature; one seen before is a replay, refused.
async fn remember_signature(
    txn: &DatabaseTransaction,
    channel_id: i64,
    signature: &str,
) -> AppResult<()> {
    let inserted = inbound_signatures::Entity::insert(inbound_signatures::ActiveModel {
        channel_id: Set(channel_id),
        signature: Set(signature.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            inbound_signatures::Column::ChannelId,
            inbound_signatures::Column::Signature,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted == 0 {
        return Err(AppError::InvalidToken(
            "this signed request was received before: a replay is refused (sign each request anew)",
        ));
    }
    Ok(())
}

/// Forgets signatures whose timestamps are no longer accepted anyway. Returns how many.
pub async fn forget_old_signatures(db: &impl ConnectionTrait) -> AppResult<u64> {
    let cutoff = Utc::now() - chrono::Duration::seconds(2 * signature::TOLERANCE_SECONDS + 60);
    let result = inbound_signatures::Entity::delete_many()
        .filter(inbound_signatures::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The aggregator the event names, when it has enabled this channel.
async fn enabling_aggregator(
    txn: &DatabaseTransaction,
    channel_id: i64,
    slug: &str,
) -> AppResult<aggregators::Model> {
    let aggregator = aggregators::Entity::find()
        .filter(aggregators::Column::Slug.eq(slug))
        .one(txn)
        .await?;
    let enabled = match &aggregator {
        Some(aggregator) => link(txn, aggregator.id, channel_id).await?.is_some(),
        None => false,
    };
    match aggregator {
        Some(aggregator) if enabled => Ok(aggregator),
        _ => Err(AppError::Invalid(vec![FieldError::new(
            &["aggregator"],
            FieldErrorCode::NotFound,
            "no aggregator with this slug has enabled this channel",
        )])),
    }
}

/// The order, locked for this transaction on PostgreSQL (SQLite's write lock is already held).
async fn find_order(
    txn: &DatabaseTransaction,
    channel_id: i64,
    external_id: &str,
) -> AppResult<Option<orders::Model>> {
    let query = orders::Entity::find()
        .filter(orders::Column::ChannelId.eq(channel_id))
        .filter(orders::Column::ExternalId.eq(external_id));
    Ok(super::for_update(txn, query).one(txn).await?)
}

/// The status an order starts in when `kind` is the first event heard of it.
fn first_status(kind: EventKind) -> OrderStatus {
    match kind {
        EventKind::Created => OrderStatus::Created,
        EventKind::Paid => OrderStatus::Paid,
        EventKind::Cancelled => OrderStatus::Cancelled,
        EventKind::Returned => OrderStatus::Returned,
    }
}

/// Whether an order in `status` holds stock: placed or paid, not ended.
fn takes_stock(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Created | OrderStatus::Paid)
}

async fn create(
    txn: &DatabaseTransaction,
    channel_id: i64,
    aggregator_id: i64,
    event: &OrderEvent,
) -> AppResult<orders::Model> {
    let status = first_status(event.kind);
    let now = Utc::now();
    let at = |kind: EventKind| (event.kind == kind).then_some(event.occurred_at);
    let matched = stock::match_lines(txn, aggregator_id, &event.lines).await?;
    let order = orders::ActiveModel {
        aggregator_id: Set(aggregator_id),
        channel_id: Set(channel_id),
        seller_id: Set(matched.seller_id),
        external_id: Set(event.external_id.clone()),
        status: Set(status),
        needs_attention: Set(false),
        stock_held: Set(false),
        total_amount: Set(event.total),
        buyer_city: Set(event.buyer_city.clone()),
        placed_at: Set(event.placed_at),
        paid_at: Set(at(EventKind::Paid)),
        cancelled_at: Set(at(EventKind::Cancelled)),
        returned_at: Set(at(EventKind::Returned)),
        shipped_at: Set(None),
        completed_at: Set(None),
        cancel_reason: Set(event
            .reason
            .clone()
            .filter(|_| status == OrderStatus::Cancelled)),
        courier: Set(None),
        tracking_number: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let taken = stock::take(txn, &order, matched, takes_stock(status)).await?;
    audit::record(
        txn,
        None,
        AuditEntry {
            aggregator_id: Some(aggregator_id),
            action: "order.received",
            entity_type: "Order",
            entity_id: order.id,
            changes: json!({
                "channelId": channel_id,
                "externalId": event.external_id,
                "event": event.kind.as_str(),
                "needsAttention": taken.needs_attention,
            }),
        },
    )
    .await?;
    let mut order: orders::ActiveModel = order.into();
    order.needs_attention = Set(taken.needs_attention);
    order.stock_held = Set(taken.held);
    Ok(order.update(txn).await?)
}

/// Applies a later event to an order already known. Events may come in any order: a status
/// only moves forward, and the stock is given back once, only while no parcel has left.
async fn advance(
    txn: &DatabaseTransaction,
    order: orders::Model,
    event: &OrderEvent,
) -> AppResult<orders::Model> {
    let ended = matches!(
        order.status,
        OrderStatus::Cancelled | OrderStatus::Returned | OrderStatus::Completed
    );
    let mut change: orders::ActiveModel = order.clone().into();
    let mut give_back = false;
    match event.kind {
        EventKind::Created => {}
        EventKind::Paid => {
            if order.paid_at.is_none() {
                change.paid_at = Set(Some(event.occurred_at));
            }
            if order.status == OrderStatus::Created {
                change.status = Set(OrderStatus::Paid);
            }
        }
        EventKind::Cancelled | EventKind::Returned if !ended => {
            let cancelled = event.kind == EventKind::Cancelled;
            change.status = Set(if cancelled {
                OrderStatus::Cancelled
            } else {
                OrderStatus::Returned
            });
            if cancelled {
                change.cancelled_at = Set(Some(event.occurred_at));
                change.cancel_reason = Set(event.reason.clone());
            } else {
                change.returned_at = Set(Some(event.occurred_at));
            }
            give_back = order.stock_held && order.shipped_at.is_none();
        }
        EventKind::Cancelled | EventKind::Returned => {}
    }
    if give_back {
        stock::give_back(txn, &order, Some(order.channel_id)).await?;
        change.stock_held = Set(false);
    }
    if !change.is_changed() {
        return Ok(order);
    }
    change.updated_at = Set(Utc::now());
    audit::record(
        txn,
        None,
        AuditEntry {
            aggregator_id: Some(order.aggregator_id),
            action: "order.updated",
            entity_type: "Order",
            entity_id: order.id,
            changes: json!({ "event": event.kind.as_str(), "stockGivenBack": give_back }),
        },
    )
    .await?;
    Ok(change.update(txn).await?)
}

/// The JSON a partner gets for an accepted event (and again for each repeat of it).
fn receipt_body(order: &orders::Model, lines: &[order_lines::Model]) -> String {
    let mut lines: Vec<&order_lines::Model> = lines.iter().collect();
    lines.sort_by_key(|line| line.position);
    json!({
        "order": {
            "id": global_id::encode("Order", order.id),
            "externalId": order.external_id,
            "status": order.status.to_string(),
            "needsAttention": order.needs_attention,
            "lines": lines.iter().map(|line| json!({
                "sku": line.sku,
                "quantity": line.quantity,
                "accepted": line.accepted_quantity,
                "problem": line.problem,
                "oversoldBy": line.oversold_by,
            })).collect::<Vec<_>>(),
        }
    })
    .to_string()
}
