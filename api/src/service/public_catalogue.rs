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
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr},
};

use crate::{
    error::{AppError, AppResult},
    search,
};

/// How a page of the public catalogue is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogueSort {
    /// Best text matches first (title, then description, then near-miss title), newest first
    /// within each; without a search term, the same as `Newest`.
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl CatalogueSort {
    pub fn code(self) -> &'static str {
        match self {
            // The relevance key is a tier (see `crate::search`); "r" cursors carried a score.
            Self::Relevance => "rt",
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
    /// Whether there is a search term to rank by (a blank one searches nothing).
    pub fn has_search_term(&self) -> bool {
        self.search
            .as_deref()
            .is_some_and(|term| !term.trim().is_empty())
    }

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
    /// How many of the newest products a RELEVANCE page walks before it asks the indexes.
    pub search_window: u64,
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

const CUSTOM_PLANS: &str = "force_custom_plan";

/// How PostgreSQL should plan the page's statements, when its default would be wrong.
///
/// sqlx prepares every statement. After five runs PostgreSQL either keeps planning each run
/// for its values or switches to one generic plan, by comparing their estimated costs. For
/// text search and selective filters the generic plan was measured 8x slower than one made
/// for the values (docs/performance.md), so those get custom plans; an unfiltered page keeps
/// the default, which settles on the generic plan and saves planning each time. A RELEVANCE
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
    let filtered = apply_filter(public_products(), &filter);
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

fn product_id() -> SimpleExpr {
    Expr::col((products::Entity, products::Column::Id))
}

/// A RELEVANCE page: the tiers in turn, best first and newest first within each, until the
/// page is full.
///
/// A tier is read in two steps. First among the `search_window` newest products below the
/// cursor, walked in id order: a common term fills the page there and stops, so the page costs
/// the same on any size of catalogue. Only if that window holds too few matches is the rest of
/// the tier read, where the planner can use the search indexes because matches are sparse.
/// Reading the whole tier at once left the choice to the planner, whose estimate multiplies
/// the selectivities of term and category: it misjudged a term typical of its category by 20
/// times and sorted all 4,859 matches to return 21 (docs/performance.md).
async fn ranked_rows(
    db: &impl ConnectionTrait,
    filtered: &Select<products::Entity>,
    text: &search::TextMatch,
    page: &CataloguePageRequest,
    wanted: u64,
) -> AppResult<Vec<PublicProduct>> {
    let window = page.search_window;
    let mut custom_plans = false;
    let mut rows = Vec::new();
    for (tier, condition) in text.ranked_tiers() {
        let below = match page.after {
            Some(after) if tier > after.key => continue,
            Some(after) if tier == after.key => Some(after.id),
            _ => None,
        };
        let tier_key = || Expr::cust(format!("CAST({tier} AS BIGINT)"));
        let mut in_tier = filtered.clone().filter(condition.clone());
        if let Some(below) = below {
            in_tier = in_tier.filter(product_id().lt(below));
        }

        let limit = wanted - rows.len() as u64;
        let mut recent = in_tier.clone();
        QueryTrait::query(&mut recent)
            .from_clear()
            .from_subquery(newest_products(below, window), products::Entity);
        let found = fetch(db, recent, tier_key(), &[product_id()], Order::Desc, limit).await?;
        let window_exhausted = (found.len() as u64) < limit;
        rows.extend(found);
        if !window_exhausted {
            break;
        }

        // Sparse matches: which index to use now depends on the values.
        if !custom_plans && db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(&format!("SET LOCAL plan_cache_mode = {CUSTOM_PLANS}"))
                .await?;
            custom_plans = true;
        }
        let older = in_tier.filter(product_id().lt(window_floor(below, window)));
        let limit = wanted - rows.len() as u64;
        rows.extend(fetch(db, older, tier_key(), &[product_id()], Order::Desc, limit).await?);
        if rows.len() as u64 >= wanted {
            break;
        }
    }
    Ok(rows)
}

/// `SELECT * FROM products`, the `window` newest below `below`.
fn newest_products(below: Option<i64>, window: u64) -> SelectStatement {
    let mut recent = Query::select();
    recent
        .column(Asterisk)
        .from(products::Entity)
        .order_by(products::Column::Id, Order::Desc)
        .limit(window);
    if let Some(below) = below {
        recent.and_where(Expr::col(products::Column::Id).lt(below));
    }
    recent
}

/// The lowest id in `newest_products(below, window)`: everything under it is outside it.
fn window_floor(below: Option<i64>, window: u64) -> SimpleExpr {
    let mut ids = newest_products(below, window);
    ids.clear_selects().column(products::Column::Id);
    let floor = Query::select()
        .expr(Expr::col(products::Column::Id).min())
        .from_subquery(ids, "recent")
        .to_owned();
    SimpleExpr::SubQuery(None, Box::new(floor.into()))
}

/// A page in price or NEWEST order, resuming strictly after the cursor's (key, id).
async fn sorted_rows(
    db: &impl ConnectionTrait,
    mut select: Select<products::Entity>,
    sort: CatalogueSort,
    after: Option<CatalogueAfter>,
    wanted: u64,
) -> AppResult<Vec<PublicProduct>> {
    let id = product_id();
    let key = match sort {
        CatalogueSort::PriceAsc | CatalogueSort::PriceDesc => Some(min_price()),
        CatalogueSort::Newest | CatalogueSort::Relevance => None,
    };
    // PRICE_ASC goes up; PRICE_DESC and NEWEST go down, ids breaking ties the same way, so
    // (key, id) strictly orders the rows and a cursor resumes exactly.
    let descending = sort != CatalogueSort::PriceAsc;
    let order = if descending { Order::Desc } else { Order::Asc };
    if let Some(after) = after {
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
    match key {
        Some(key) => fetch(db, select, key.clone(), &[key, id], order, wanted).await,
        None => fetch(db, select, id.clone(), &[id], order, wanted).await,
    }
}

/// Runs a page statement: products with their sellers and `sort_key`, in `order_by` order.
async fn fetch(
    db: &impl ConnectionTrait,
    select: Select<products::Entity>,
    sort_key: SimpleExpr,
    order_by: &[SimpleExpr],
    order: Order,
    limit: u64,
) -> AppResult<Vec<PublicProduct>> {
    let mut select = select
        .select_also(sellers::Entity)
        .expr_as(sort_key, "sort_key");
    for expr in order_by {
        select = select.order_by(expr.clone(), order.clone());
    }
    let query = select.limit(limit).build(db.get_database_backend());
    db.query_all_raw(query)
        .await?
        .iter()
        .map(row_to_public)
        .collect()
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
