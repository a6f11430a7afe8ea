//! Reading one page of the public catalogue in its order, resuming strictly after its cursor:
//! the RELEVANCE tiers, or a price or NEWEST keyset.

use entity::{products, sellers};
use sea_orm::{
    Condition, ConnectionTrait, DbBackend, FromQueryResult, Order, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Select,
    sea_query::{Asterisk, Expr, ExprTrait, Query, SelectStatement, SimpleExpr},
};

use super::query::{CatalogueAfter, CataloguePageRequest, CatalogueSort, PublicProduct};
use crate::{error::AppResult, search};

/// The plan mode of statements whose best plan depends on their values.
pub(super) const CUSTOM_PLANS: &str = "force_custom_plan";

/// The cheapest variant's price, the key of the PRICE sorts.
fn min_price() -> SimpleExpr {
    Expr::cust("(SELECT MIN(pv.price) FROM product_variants pv WHERE pv.product_id = products.id)")
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
pub(super) async fn ranked_rows(
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
pub(super) async fn sorted_rows(
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
