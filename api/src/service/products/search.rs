//! The dashboard's product list: filters, title and SKU search, keyset pagination.

use entity::{enums::ProductStatus, product_variants, products};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, QueryFilter, QuerySelect,
    QueryTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use crate::{
    auth::AuthUser,
    error::{AppError, AppResult, FieldErrorCode},
    service::{
        Page, PageRequest, Scope,
        catalogue::{ProductDetail, with_details},
        categories::in_category,
        pagination::paginate,
    },
};

const MAX_SEARCH_CHARS: usize = 100;

#[derive(Default)]
pub struct ProductFilter {
    pub seller_id: Option<i64>,
    pub status: Option<ProductStatus>,
    /// This category or one of its children.
    pub category_id: Option<i64>,
    /// A piece of the title (any case), or a variant's exact SKU.
    pub search: Option<String>,
}

/// The dashboard's product list, drafts and archived products included.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    filter: ProductFilter,
    page: PageRequest,
) -> AppResult<Page<ProductDetail>> {
    let mut select = Scope::products(caller);
    if let Some(seller_id) = filter.seller_id {
        select = select.filter(products::Column::SellerId.eq(seller_id));
    }
    if let Some(status) = filter.status {
        select = select.filter(products::Column::Status.eq(status));
    }
    if let Some(category_id) = filter.category_id {
        select = select.filter(in_category(category_id));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|term| !term.is_empty())
    {
        select = select.filter(search_condition(search)?);
    }
    let page = paginate(db, select, products::Column::Id, Order::Asc, page).await?;
    let details = with_details(db, page.items).await?;
    Ok(Page {
        items: details,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        total_count: page.total_count,
    })
}

fn search_condition(term: &str) -> AppResult<Condition> {
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::invalid(
            &["filter", "search"],
            FieldErrorCode::TooLong,
            format!("is too long (maximum is {MAX_SEARCH_CHARS} characters)"),
        ));
    }
    let escaped: String = term
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let by_sku = product_variants::Entity::find()
        .select_only()
        .column(product_variants::Column::ProductId)
        .filter(product_variants::Column::Sku.eq(term))
        .into_query();
    Ok(Condition::any()
        .add(
            Func::lower(Expr::col((products::Entity, products::Column::Title)))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        )
        .add(products::Column::Id.in_subquery(by_sku)))
}
