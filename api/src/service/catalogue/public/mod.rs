//! The public catalogue the mobile apps read: only ACTIVE products of ACTIVE sellers, with
//! filters, text search and keyset pagination on (sort key, id). Anything else reads as
//! NOT_FOUND, whoever asks.

mod filters;
mod pages;
mod query;

use entity::{enums::SellerStatus, products, sellers};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, TransactionTrait, sea_query::Expr,
};

pub use self::query::{
    CatalogueAfter, CatalogueFields, CatalogueFilter, CataloguePage, CataloguePageRequest,
    CatalogueSort, PriceRange, PublicImage, PublicProduct, PublicSeller, PublicVariant,
    ShortColumns, VariantColumns,
};
use self::{
    filters::{apply_filter, public_products},
    pages::{CUSTOM_PLANS, public_columns, ranked_rows, read_rows, sorted_rows},
};
use crate::{
    error::{AppError, AppResult},
    search,
    service::categories::CategoryDirectory,
};

/// One page of the public catalogue, plus its total count when asked: one or two statements
/// (a category filter's family comes from the tree in memory).
#[tracing::instrument(skip(db, categories))]
pub async fn list(
    db: &DatabaseConnection,
    categories: &CategoryDirectory,
    filter: CatalogueFilter,
    page: CataloguePageRequest,
) -> AppResult<CataloguePage> {
    let family = match filter.category_id {
        Some(category_id) => Some(categories.family(db, category_id).await?),
        None => None,
    };
    // A ranked page without a total walks its window on the generic plan (`is_ranked`).
    let walks_window = is_ranked(&filter, &page) && !page.with_total;
    let custom_plans =
        db.get_database_backend() == DbBackend::Postgres && filter.is_selective() && !walks_window;
    if !custom_plans {
        return list_on(db, filter, family, page, false).await;
    }
    // SET LOCAL ends with the transaction, so the pooled connection keeps its defaults.
    let transaction = db.begin().await?;
    transaction
        .execute_unprepared(&format!("SET LOCAL plan_cache_mode = {CUSTOM_PLANS}"))
        .await?;
    let listed = list_on(&transaction, filter, family, page, true).await;
    transaction.commit().await?;
    listed
}

/// Whether the page is ranked by a search term's tiers.
///
/// How PostgreSQL plans a page: every connection plans a prepared statement once, generically
/// (`db::connect`), which serves an unfiltered or category page: it reads
/// `products_category_status_id_idx` (or the newest products) and stops after its page, for
/// any value. For text search and selective filters the best plan depends on the values (the
/// generic one was measured 8x slower, docs/performance.md), so those run in a transaction
/// planned for their values — except a ranked page without a total, which walks its window
/// in id order whatever the values, and asks for values-specific plans only if the window
/// runs out (`ranked_rows`).
fn is_ranked(filter: &CatalogueFilter, page: &CataloguePageRequest) -> bool {
    page.sort == CatalogueSort::Relevance && filter.has_search_term()
}

/// `custom_plans`: whether `db` already plans each statement for its values.
async fn list_on(
    db: &(impl ConnectionTrait + TransactionTrait),
    filter: CatalogueFilter,
    family: Option<Vec<i64>>,
    page: CataloguePageRequest,
    custom_plans: bool,
) -> AppResult<CataloguePage> {
    let text = match filter.search.as_deref() {
        Some(term) => search::product_match(db, term).await?,
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
            ranked_rows(db, custom_plans, &filtered, text, &page, wanted).await?,
        ),
        (_, sort) => {
            let sort = match sort {
                CatalogueSort::Relevance => CatalogueSort::Newest,
                sort => sort,
            };
            (
                sort,
                sorted_rows(db, matching, sort, page.after, page.fields, wanted).await?,
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
pub async fn find(
    db: &impl ConnectionTrait,
    id: i64,
    fields: CatalogueFields,
) -> AppResult<PublicProduct> {
    find_many(db, &[id], fields)
        .await?
        .pop()
        .ok_or(AppError::NotFound("product"))
}

/// The public products among `ids` (one statement); the others are simply absent.
#[tracing::instrument(skip(db))]
pub async fn find_many(
    db: &impl ConnectionTrait,
    ids: &[i64],
    fields: CatalogueFields,
) -> AppResult<Vec<PublicProduct>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = public_columns(
        public_products().filter(products::Column::Id.is_in(ids.iter().copied())),
        fields,
        db.get_database_backend(),
    )
    .expr_as(
        Expr::col((products::Entity, products::Column::Id)),
        "sort_key",
    );
    read_rows(db, select, fields).await
}

/// The public profile of an ACTIVE seller, or NOT_FOUND.
#[tracing::instrument(skip(db))]
pub async fn find_seller(db: &impl ConnectionTrait, id: i64) -> AppResult<PublicSeller> {
    let seller = sellers::Entity::find_by_id(id)
        .filter(sellers::Column::Status.eq(SellerStatus::Active))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("seller"))?;
    Ok(PublicSeller {
        id: seller.id,
        business_name: seller.business_name,
        sector: seller.sector,
        province: seller.province,
        city: seller.city,
        halal_certified: seller.halal_cert_no.is_some(),
    })
}
