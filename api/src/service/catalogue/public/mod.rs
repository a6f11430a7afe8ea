//! The public catalogue the mobile apps read: only ACTIVE products of ACTIVE sellers, with
//! filters, text search and keyset pagination on (sort key, id). Anything else reads as
//! NOT_FOUND, whoever asks.

mod filters;
mod pages;
mod query;

use entity::{enums::SellerStatus, products, sellers};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionTrait,
};

pub use self::query::{
    CatalogueAfter, CatalogueFilter, CataloguePage, CataloguePageRequest, CatalogueSort,
    PublicProduct,
};
use self::{
    filters::{apply_filter, public_products},
    pages::{CUSTOM_PLANS, ranked_rows, sorted_rows},
};
use crate::{
    error::{AppError, AppResult},
    search,
    service::categories,
};

/// One page of the public catalogue, plus its total count when asked: one or two statements,
/// and one before them for the category's family when filtered by a category.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &DatabaseConnection,
    filter: CatalogueFilter,
    page: CataloguePageRequest,
) -> AppResult<CataloguePage> {
    let plans = match db.get_database_backend() {
        DbBackend::Postgres => plan_mode(&filter, &page),
        _ => None,
    };
    let Some(plans) = plans else {
        return list_on(db, filter, page).await;
    };
    // SET LOCAL ends with the transaction, so the pooled connection keeps its defaults.
    let transaction = db.begin().await?;
    transaction
        .execute_unprepared(&format!("SET LOCAL plan_cache_mode = {plans}"))
        .await?;
    let listed = list_on(&transaction, filter, page).await;
    transaction.commit().await?;
    listed
}

/// How PostgreSQL should plan the page's statements, when its default would be wrong.
///
/// sqlx prepares every statement. After five runs PostgreSQL either keeps planning each run
/// for its values or switches to one generic plan, by comparing their estimated costs. For
/// text search and selective filters the generic plan was measured 8x slower than one made
/// for the values (docs/performance.md), so those get custom plans; an unfiltered or
/// category-only page keeps the default, which settles on the generic plan and saves planning
/// each time, and runs without a transaction: no BEGIN, SET or COMMIT round trips. A RELEVANCE
/// page walks its window in id order whatever the values (`ranked_rows`), so a generic plan
/// serves it, but the default kept planning it at about 1 ms a run: it is forced generic.
fn plan_mode(filter: &CatalogueFilter, page: &CataloguePageRequest) -> Option<&'static str> {
    let ranked = page.sort == CatalogueSort::Relevance && filter.has_search_term();
    if ranked && !page.with_total {
        Some("force_generic_plan")
    } else if filter.is_selective() {
        Some(CUSTOM_PLANS)
    } else {
        None
    }
}

async fn list_on(
    db: &impl ConnectionTrait,
    filter: CatalogueFilter,
    page: CataloguePageRequest,
) -> AppResult<CataloguePage> {
    let text = match filter.search.as_deref() {
        Some(term) => search::product_match(db, term).await?,
        None => None,
    };
    let family = match filter.category_id {
        Some(category_id) => Some(categories::family(db, category_id).await?),
        None => None,
    };
    let filtered = apply_filter(public_products(), &filter, family.as_deref());
    let matching = match &text {
        Some(text) => filtered.clone().filter(text.condition.clone()),
        None => filtered.clone(),
    };
    let total_count = if page.with_total {
        matching.clone().count(db).await?
    } else {
        0
    };
    let wanted = page.first + 1;
    let (sort, mut items) = match (&text, page.sort) {
        (Some(text), CatalogueSort::Relevance) => (
            CatalogueSort::Relevance,
            ranked_rows(db, &filtered, text, &page, wanted).await?,
        ),
        (_, sort) => {
            let sort = match sort {
                CatalogueSort::Relevance => CatalogueSort::Newest,
                sort => sort,
            };
            (
                sort,
                sorted_rows(db, matching, sort, page.after, wanted).await?,
            )
        }
    };
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(CataloguePage {
        items,
        has_next_page,
        has_previous_page: page.after.is_some(),
        total_count,
        sort,
    })
}

/// One public product (one statement), or NOT_FOUND.
#[tracing::instrument(skip(db))]
pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<PublicProduct> {
    let (product, seller) = public_products()
        .filter(products::Column::Id.eq(id))
        .select_also(sellers::Entity)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let seller = seller.ok_or(AppError::NotFound("product"))?;
    Ok(PublicProduct {
        sort_key: product.id,
        product,
        seller,
    })
}

/// The public products among `ids` (one statement); the others are simply absent.
#[tracing::instrument(skip(db))]
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<PublicProduct>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(public_products()
        .filter(products::Column::Id.is_in(ids.to_vec()))
        .select_also(sellers::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(product, seller)| {
            seller.map(|seller| PublicProduct {
                sort_key: product.id,
                product,
                seller,
            })
        })
        .collect())
}

/// The public profile of an ACTIVE seller, or NOT_FOUND.
#[tracing::instrument(skip(db))]
pub async fn find_seller(db: &impl ConnectionTrait, id: i64) -> AppResult<sellers::Model> {
    sellers::Entity::find_by_id(id)
        .filter(sellers::Column::Status.eq(SellerStatus::Active))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("seller"))
}
