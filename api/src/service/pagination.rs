//! Keyset pagination over a table's ascending primary key.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::error::{AppError, AppResult, FieldErrorCode};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 20;

#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub first: u64,
    /// The id of the last row of the previous page.
    pub after: Option<i64>,
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<i64>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n >= 0 && (n as u64) <= MAX_PAGE_SIZE => n as u64,
            Some(_) => {
                return Err(AppError::invalid(
                    &["first"],
                    FieldErrorCode::Invalid,
                    format!("must be between 0 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        Ok(Self { first, after })
    }
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }
}

/// Runs `select` (already scoped and filtered) as one page ordered by `id` (ascending, or
/// newest first with `Order::Desc`), plus its count.
pub async fn paginate<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id: C,
    order: Order,
    page: PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let total_count = select.clone().count(db).await?;
    let descending = order == Order::Desc;
    let mut query = select.order_by(id, order);
    if let Some(after) = page.after {
        query = query.filter(if descending {
            id.lt(after)
        } else {
            id.gt(after)
        });
    }
    let mut items = query.limit(page.first + 1).all(db).await?;
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
        has_previous_page: page.after.is_some(),
        total_count,
    })
}
