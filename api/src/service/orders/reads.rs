//! Reading orders: each caller sees the orders of its own scope (an aggregator team its
//! aggregator's, a seller its own), newest first, filtered the way a dashboard asks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{enums::OrderStatus, order_lines, orders};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, Select,
    sea_query::Expr,
};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult},
    service::pagination::{Page, PageRequest, paginate},
};
use entity::enums::Role;

/// What `list` keeps.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub channel_id: Option<i64>,
    pub seller_id: Option<i64>,
    pub placed_after: Option<DateTime<Utc>>,
    pub placed_before: Option<DateTime<Utc>>,
    pub needs_attention: Option<bool>,
}

/// The orders `caller` may see: the platform admin all, an aggregator team its aggregator's,
/// a seller its own.
pub fn scoped(caller: &AuthUser) -> Select<orders::Entity> {
    let select = orders::Entity::find();
    match (caller.role, caller.aggregator_id, caller.seller_id) {
        (Role::PlatformAdmin, _, _) => select,
        (Role::AggregatorAdmin | Role::AggregatorStaff, Some(aggregator), _) => {
            select.filter(orders::Column::AggregatorId.eq(aggregator))
        }
        (Role::Seller, Some(aggregator), Some(seller)) => select
            .filter(orders::Column::AggregatorId.eq(aggregator))
            .filter(orders::Column::SellerId.eq(seller)),
        _ => select.filter(Expr::value(false)),
    }
}

/// One page of the caller's orders, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: &OrderFilter,
    page: PageRequest,
) -> AppResult<Page<orders::Model>> {
    let mut query = scoped(caller);
    if let Some(status) = filter.status {
        query = query.filter(orders::Column::Status.eq(status));
    }
    if let Some(channel_id) = filter.channel_id {
        query = query.filter(orders::Column::ChannelId.eq(channel_id));
    }
    if let Some(seller_id) = filter.seller_id {
        query = query.filter(orders::Column::SellerId.eq(seller_id));
    }
    if let Some(after) = filter.placed_after {
        query = query.filter(orders::Column::PlacedAt.gte(after));
    }
    if let Some(before) = filter.placed_before {
        query = query.filter(orders::Column::PlacedAt.lt(before));
    }
    if let Some(needs_attention) = filter.needs_attention {
        query = query.filter(orders::Column::NeedsAttention.eq(needs_attention));
    }
    paginate(db, query, orders::Column::Id, Order::Desc, page).await
}

/// The caller's order `id`; NOT_FOUND when it does not exist or is outside the caller's scope.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<orders::Model> {
    scoped(caller)
        .filter(orders::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("order"))
}

/// The lines of each order, in order. Callers pass ids of orders they were allowed to read.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    order_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<order_lines::Model>>> {
    let mut by_order: HashMap<i64, Vec<order_lines::Model>> = HashMap::new();
    for chunk in order_ids.chunks(500) {
        let lines = order_lines::Entity::find()
            .filter(order_lines::Column::OrderId.is_in(chunk.to_vec()))
            .order_by_asc(order_lines::Column::OrderId)
            .order_by_asc(order_lines::Column::Position)
            .all(db)
            .await?;
        for line in lines {
            by_order.entry(line.order_id).or_default().push(line);
        }
    }
    Ok(by_order)
}
