//! Orders as they arrive or change, for dashboards (`orderReceived`, `orderUpdated`). Like the
//! listings' watch, it reads the database only when an event names an order the caller may
//! see (or asks every subscriber to re-read), never on a timer.

use chrono::{DateTime, Utc};
use entity::orders;
use futures_util::{Stream, stream};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait},
};

use super::reads::scoped;
use crate::{
    auth::AuthUser,
    error::AppResult,
    events::{Event, Subscriber},
};
use entity::enums::Role;

/// Which moments of an order a watch emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Its arrival, once.
    Received,
    /// Each later change (a status, a shipment, a cancellation).
    Updated,
}

/// The caller's orders each time they arrive (or change) after now, oldest first; ends when
/// the event bus does.
pub fn watch(
    db: DatabaseConnection,
    caller: AuthUser,
    moment: Moment,
    events: Subscriber,
) -> impl Stream<Item = AppResult<orders::Model>> + Send + 'static {
    let start = Watch {
        db,
        caller,
        moment,
        events,
        since: (Utc::now(), 0),
        ready: Vec::new(),
    };
    stream::unfold(start, |mut watch| async move {
        loop {
            if let Some(order) = watch.ready.pop() {
                return Some((Ok(order), watch));
            }
            let event = watch.events.next().await?;
            if !watch.concerns(&event) {
                continue;
            }
            match changed_since(&watch.db, &watch.caller, watch.moment, watch.since).await {
                Ok(mut changed) => {
                    if let Some(last) = changed.last() {
                        watch.since = (moment_of(last, watch.moment), last.id);
                    }
                    changed.reverse();
                    watch.ready = changed;
                }
                Err(error) => return Some((Err(error), watch)),
            }
        }
    })
}

struct Watch {
    db: DatabaseConnection,
    caller: AuthUser,
    moment: Moment,
    events: Subscriber,
    /// The last order emitted: (its moment, id).
    since: (DateTime<Utc>, i64),
    /// Orders read but not yet emitted, the oldest last.
    ready: Vec<orders::Model>,
}

impl Watch {
    /// Whether `event` may concern this subscription; the re-read is scoped to the caller.
    fn concerns(&self, event: &Event) -> bool {
        match event {
            Event::Order {
                aggregator_id,
                seller_id,
                ..
            } => match self.caller.role {
                Role::PlatformAdmin => true,
                Role::Seller => {
                    self.caller.aggregator_id == Some(*aggregator_id)
                        && self.caller.seller_id.is_some()
                        && self.caller.seller_id == *seller_id
                }
                _ => self.caller.aggregator_id == Some(*aggregator_id),
            },
            Event::Resync => true,
            _ => false,
        }
    }
}

fn moment_of(order: &orders::Model, moment: Moment) -> DateTime<Utc> {
    match moment {
        Moment::Received => order.created_at,
        Moment::Updated => order.updated_at,
    }
}

async fn changed_since(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    moment: Moment,
    since: (DateTime<Utc>, i64),
) -> AppResult<Vec<orders::Model>> {
    let column = match moment {
        Moment::Received => orders::Column::CreatedAt,
        Moment::Updated => orders::Column::UpdatedAt,
    };
    let mut select = scoped(caller).filter(
        Condition::any().add(column.gt(since.0)).add(
            Expr::col(column)
                .eq(since.0)
                .and(Expr::col(orders::Column::Id).gt(since.1)),
        ),
    );
    if moment == Moment::Updated {
        // Never changed since it arrived: that is `orderReceived`'s.
        select = select
            .filter(Expr::col(orders::Column::UpdatedAt).gt(Expr::col(orders::Column::CreatedAt)));
    }
    Ok(select
        .order_by_asc(column)
        .order_by_asc(orders::Column::Id)
        .limit(100)
        .all(db)
        .await?)
}
