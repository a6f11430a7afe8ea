//! The public catalogue the mobile apps read: only ACTIVE products of ACTIVE sellers, with
//! filters, text search and keyset pagination on (sort key, id). Anything else reads as
//! NOT_FOUND, whoever asks.

use entity::{
    categories,
    enums::{ProductStatus, SellerStatus},
    product_variants, products, sellers,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, JoinType, Order, PaginatorTrait, QueryFilter, QueryOrder, QueryResult,
    QuerySelect, QueryTrait, RelationTrait, Select, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
};

use crate::{
    error::{AppError, AppResult},
    search,
};

/// How a page of the public catalogue is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogueSort {
    /// Best text matches first; without a search term, the same as `Newest`.
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl CatalogueSort {
    pub fn code(self) -> &'static str {
        match self {
            Self::Relevance => "r",
            Self::PriceAsc => "pa",
            Self::PriceDesc => "pd",
            Self::Newest => "n",
        }
    }
}

#[derive(Default, Debug)]
pub struct CatalogueFilter {
    pub search: Option<String>,
    /// This category or one of its sub-categories.
    pub category_id: Option<i64>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub seller_id: Option<i64>,
    /// Some variant costs at least this much (whole rupiah).
    pub min_price: Option<i64>,
    /// Some variant costs at most this much.
    pub max_price: Option<i64>,
    pub halal: Option<bool>,
    /// Some variant has stock.
    pub in_stock: Option<bool>,
}

impl CatalogueFilter {
    /// Whether the filter narrows the catalogue by a value whose selectivity varies.
    fn is_selective(&self) -> bool {
        self.search.is_some()
            || self.category_id.is_some()
            || self.province.is_some()
            || self.city.is_some()
            || self.seller_id.is_some()
            || self.min_price.is_some()
            || self.max_price.is_some()
    }
}

/// Where the previous page ended: its last row's sort key and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogueAfter {
    pub key: i64,
    pub id: i64,
}

#[derive(Debug)]
pub struct CataloguePageRequest {
    pub first: u64,
    pub after: Option<CatalogueAfter>,
    pub sort: CatalogueSort,
    /// Whether to count the matching products (one more statement).
    pub with_total: bool,
}

/// A public product with its seller (fetched in the same statement).
#[derive(Clone, Debug)]
pub struct PublicProduct {
    pub product: products::Model,
    pub seller: sellers::Model,
    /// The sort key this row was ordered by (for its cursor).
    pub sort_key: i64,
}

pub struct CataloguePage {
    pub items: Vec<PublicProduct>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
    /// The sort actually applied (RELEVANCE without a term is NEWEST).
    pub sort: CatalogueSort,
}

/// The cheapest variant's price, the key of the PRICE sorts.
fn min_price() -> SimpleExpr {
    Expr::cust("(SELECT MIN(pv.price) FROM product_variants pv WHERE pv.product_id = products.id)")
}

/// Products anyone may see, joined to their (active) seller.
fn public_products() -> Select<products::Entity> {
    products::Entity::find()
        .join(JoinType::InnerJoin, products::Relation::Seller.def())
        .filter(products::Column::Status.eq(ProductStatus::Active))
        .filter(
            Expr::col((sellers::Entity, sellers::Column::Status))
                .eq(SellerStatus::Active.to_string()),
        )
}

fn variant_products(condition: Condition) -> sea_orm::sea_query::SelectStatement {
    product_variants::Entity::find()
        .select_only()
        .column(product_variants::Column::ProductId)
        .filter(condition)
        .into_query()
}

fn same_text(column: sellers::Column, value: &str) -> SimpleExpr {
    Func::lower(Expr::col((sellers::Entity, column))).eq(value.trim().to_lowercase())
}

fn apply_filter(
    mut select: Select<products::Entity>,
    filter: &CatalogueFilter,
) -> Select<products::Entity> {
    if let Some(category_id) = filter.category_id {
        let family = categories::Entity::find()
            .select_only()
            .column(categories::Column::Id)
            .filter(
                Condition::any()
                    .add(categories::Column::Id.eq(category_id))
                    .add(categories::Column::ParentId.eq(category_id)),
            )
            .into_query();
        select = select.filter(products::Column::CategoryId.in_subquery(family));
    }
    if let Some(province) = &filter.province {
        select = select.filter(same_text(sellers::Column::Province, province));
    }
    if let Some(city) = &filter.city {
        select = select.filter(same_text(sellers::Column::City, city));
    }
    if let Some(seller_id) = filter.seller_id {
        select = select.filter(products::Column::SellerId.eq(seller_id));
    }
    if filter.min_price.is_some() || filter.max_price.is_some() {
        let mut priced = Condition::all();
        if let Some(min) = filter.min_price {
            priced = priced.add(product_variants::Column::Price.gte(min));
        }
        if let Some(max) = filter.max_price {
            priced = priced.add(product_variants::Column::Price.lte(max));
        }
        select = select.filter(products::Column::Id.in_subquery(variant_products(priced)));
    }
    if let Some(halal) = filter.halal {
        select = select.filter(products::Column::HalalCertified.eq(halal));
    }
    if let Some(in_stock) = filter.in_stock {
        let stocked = variant_products(Condition::all().add(product_variants::Column::Stock.gt(0)));
        select = select.filter(if in_stock {
            products::Column::Id.in_subquery(stocked)
        } else {
            products::Column::Id.not_in_subquery(stocked)
        });
    }
    select
}

/// One page of the public catalogue, plus its total count when asked: one or two statements.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &DatabaseConnection,
    filter: CatalogueFilter,
    page: CataloguePageRequest,
) -> AppResult<CataloguePage> {
    if db.get_database_backend() != DbBackend::Postgres || !filter.is_selective() {
        return list_on(db, filter, page).await;
    }
    // sqlx prepares every statement, and after five runs PostgreSQL may plan one generically,
    // without the values. For text search and selective filters such a plan was measured 8x
    // slower than one made for the actual values (docs/performance.md); for an unfiltered page
    // the generic plan is right and saves planning each time. SET LOCAL ends with the
    // transaction, so the pooled connection keeps its defaults.
    let transaction = db.begin().await?;
    transaction
        .execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    let listed = list_on(&transaction, filter, page).await;
    transaction.commit().await?;
    listed
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
    let mut select = apply_filter(public_products(), &filter);
    let (sort, key) = match (&text, page.sort) {
        (Some(text), CatalogueSort::Relevance) => {
            (CatalogueSort::Relevance, Some(text.rank.clone()))
        }
        (None, CatalogueSort::Relevance) | (_, CatalogueSort::Newest) => {
            (CatalogueSort::Newest, None)
        }
        (_, sort) => (sort, Some(min_price())),
    };
    if let Some(text) = &text {
        select = select.filter(text.condition.clone());
    }
    let total_count = if page.with_total {
        select.clone().count(db).await?
    } else {
        0
    };

    // PRICE_ASC goes up; RELEVANCE, PRICE_DESC and NEWEST go down, ids breaking ties the
    // same way, so (key, id) strictly orders the rows and a cursor resumes exactly.
    let descending = sort != CatalogueSort::PriceAsc;
    let order = if descending { Order::Desc } else { Order::Asc };
    let id = Expr::col((products::Entity, products::Column::Id));
    let key_expr = key.clone().unwrap_or_else(|| id.clone());
    if let Some(after) = page.after {
        let beyond = |expr: SimpleExpr, value: i64| {
            if descending {
                expr.lt(value)
            } else {
                expr.gt(value)
            }
        };
        select = select.filter(match &key {
            None => Condition::all().add(beyond(id.clone(), after.id)),
            Some(key) => Condition::any().add(beyond(key.clone(), after.key)).add(
                Condition::all()
                    .add(key.clone().eq(after.key))
                    .add(beyond(id.clone(), after.id)),
            ),
        });
    }
    let query = select
        .select_also(sellers::Entity)
        .expr_as(key_expr.clone(), "sort_key")
        .order_by(key_expr, order.clone())
        .order_by(id, order)
        .limit(page.first + 1)
        .build(db.get_database_backend());
    let mut items = db
        .query_all_raw(query)
        .await?
        .iter()
        .map(row_to_public)
        .collect::<AppResult<Vec<_>>>()?;
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

/// Reads a row of `SELECT products.* AS A_…, sellers.* AS B_…, sort_key`.
fn row_to_public(row: &QueryResult) -> AppResult<PublicProduct> {
    let product = products::Model::from_query_result(row, "A_")?;
    let seller = sellers::Model::from_query_result(row, "B_")?;
    let sort_key = row.try_get::<i64>("", "sort_key")?;
    Ok(PublicProduct {
        product,
        seller,
        sort_key,
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
