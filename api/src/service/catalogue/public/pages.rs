//! Reading one page of the public catalogue in its order, resuming strictly after its cursor:
//! the RELEVANCE tiers, or a price or NEWEST keyset.

use entity::{product_images, product_variants, products, sellers};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityName, IdenStatic, Order, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select, TransactionSession, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement, SimpleExpr},
};

use super::query::{
    CatalogueAfter, CatalogueFields, CataloguePageRequest, CatalogueSort, PriceRange, PublicImage,
    PublicProduct, PublicSeller, PublicVariant, VariantColumns,
};
use crate::{
    error::{AppError, AppResult},
    search,
};

/// The plan mode of statements whose best plan depends on their values.
pub(super) const CUSTOM_PLANS: &str = "force_custom_plan";

/// `SELECT … FROM product_variants` of the product the outer statement reads.
fn variants_of_the_product() -> SelectStatement {
    let mut variants = Query::select();
    variants.from(product_variants::Entity).and_where(
        Expr::col((
            product_variants::Entity,
            product_variants::Column::ProductId,
        ))
        .equals((products::Entity, products::Column::Id)),
    );
    variants
}

/// `aggregate` over the price of the product's variants: a sub-select the database answers
/// from the variants' product index.
fn variant_price(aggregate: fn(Expr) -> SimpleExpr) -> SimpleExpr {
    let mut prices = variants_of_the_product();
    prices.expr(aggregate(Expr::col((
        product_variants::Entity,
        product_variants::Column::Price,
    ))));
    SimpleExpr::SubQuery(None, Box::new(prices.into()))
}

/// The cheapest variant's price, the key of the PRICE sorts.
fn min_price() -> SimpleExpr {
    variant_price(|price| Func::min(price).into())
}

fn max_price() -> SimpleExpr {
    variant_price(|price| Func::max(price).into())
}

/// Whether some variant of the product has stock.
fn some_variant_in_stock() -> SimpleExpr {
    let mut stocked = variants_of_the_product();
    stocked
        .expr(Expr::val(1))
        .and_where(product_variants::Column::Stock.gt(0));
    Expr::exists(stocked)
}

/// The product's rows of `table` (`columns` of them, JSON values where `json_columns` says),
/// in display order, as one JSON array text: the page reads them in its own statement.
fn rows_as_json(
    backend: DbBackend,
    table: &str,
    columns: &[&str],
    json_columns: &[&str],
) -> SimpleExpr {
    let pairs = |value: &dyn Fn(&str) -> String| {
        columns
            .iter()
            .map(|column| format!("'{column}', {}", value(column)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Expr::cust(match backend {
        DbBackend::Postgres => format!(
            "(SELECT json_agg(json_build_object({}) ORDER BY r.position, r.id)::text \
             FROM {table} r WHERE r.product_id = products.id)",
            pairs(&|column| format!("r.{column}"))
        ),
        // SQLite keeps JSON as text: `json(…)` embeds it as a value, not as a string.
        _ => format!(
            "(SELECT json_group_array(json_object({})) FROM (SELECT * FROM {table} \
             WHERE product_id = products.id ORDER BY position, id) r)",
            pairs(&|column| if json_columns.contains(&column) {
                format!("json(r.{column})")
            } else {
                format!("r.{column}")
            })
        ),
    })
}

/// The variants as a JSON array of objects with the asked columns, and the price and stock
/// whenever the page's price range or "in stock" is asked too (they follow from them).
fn variants_json(backend: DbBackend, asked: VariantColumns, fields: CatalogueFields) -> SimpleExpr {
    use product_variants::Column;
    let columns: Vec<&str> = [
        (Column::Id, asked.id),
        (Column::Sku, asked.sku),
        (Column::Name, asked.name),
        (Column::OptionValues, asked.option_values),
        (Column::Price, asked.price || fields.price_range),
        (Column::Stock, asked.stock || fields.in_stock),
        (Column::WeightGrams, asked.weight_grams),
        (Column::Position, asked.position),
    ]
    .into_iter()
    .filter(|(_, wanted)| *wanted)
    .map(|(column, _)| column.as_str())
    .collect();
    rows_as_json(
        backend,
        product_variants::Entity.table_name(),
        &columns,
        &[Column::OptionValues.as_str()],
    )
}

fn images_json(backend: DbBackend) -> SimpleExpr {
    use product_images::Column;
    let columns =
        [Column::Id, Column::Url, Column::AltText, Column::Position].map(|column| column.as_str());
    rows_as_json(backend, product_images::Entity.table_name(), &columns, &[])
}

/// A short column the read asked for (`ShortColumns`), or its default when it did not.
fn short_column<T: sea_orm::TryGetable + Default>(
    row: &QueryResult,
    asked: bool,
    column: &str,
) -> AppResult<T> {
    match asked {
        true => Ok(row.try_get_by(column)?),
        false => Ok(T::default()),
    }
}

/// Reads a JSON array column of `rows_as_json`; NULL (no rows, on PostgreSQL) is empty.
fn json_rows<T: serde::de::DeserializeOwned>(row: &QueryResult, column: &str) -> AppResult<Vec<T>> {
    match row.try_get_by::<Option<String>, _>(column)? {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|error| {
            AppError::Internal(anyhow::anyhow!("cannot read the page's {column}: {error}"))
        }),
    }
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
///
/// `custom_plans`: whether `db` already plans each statement for its values; if not, the
/// sparse reads run in a transaction that does.
pub(super) async fn ranked_rows<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    custom_plans: bool,
    filtered: &Select<products::Entity>,
    text: &search::TextMatch,
    page: &CataloguePageRequest,
    wanted: u64,
) -> AppResult<Vec<PublicProduct>> {
    let window = page.search_window;
    let mut planned_for_values: Option<C::Transaction> = None;
    let mut rows = Vec::new();
    for (tier, condition) in text.ranked_tiers() {
        let below = match page.after {
            Some(after) if tier > after.key => continue,
            Some(after) if tier == after.key => Some(after.id),
            _ => None,
        };
        let mut in_tier = filtered.clone().filter(condition.clone());
        if let Some(below) = below {
            in_tier = in_tier.filter(product_id().lt(below));
        }

        let limit = wanted - rows.len() as u64;
        let mut recent = in_tier.clone();
        QueryTrait::query(&mut recent)
            .from_clear()
            .from_subquery(newest_products(below, window), products::Entity);
        let found = fetch_tier(db, recent, page.fields, tier, limit).await?;
        let window_exhausted = (found.len() as u64) < limit;
        rows.extend(found);
        if !window_exhausted {
            break;
        }

        // Sparse matches: which index to use now depends on the values.
        if !custom_plans
            && planned_for_values.is_none()
            && db.get_database_backend() == DbBackend::Postgres
        {
            let transaction = db.begin().await?;
            transaction
                .execute_unprepared(&format!("SET LOCAL plan_cache_mode = {CUSTOM_PLANS}"))
                .await?;
            planned_for_values = Some(transaction);
        }
        let older = in_tier.filter(product_id().lt(window_floor(below, window)));
        let limit = wanted - rows.len() as u64;
        rows.extend(match &planned_for_values {
            Some(transaction) => fetch_tier(transaction, older, page.fields, tier, limit).await?,
            None => fetch_tier(db, older, page.fields, tier, limit).await?,
        });
        if rows.len() as u64 >= wanted {
            break;
        }
    }
    if let Some(transaction) = planned_for_values {
        transaction.commit().await?;
    }
    Ok(rows)
}

/// Up to `limit` rows of one RELEVANCE tier, newest first, keyed by the tier.
async fn fetch_tier(
    db: &impl ConnectionTrait,
    select: Select<products::Entity>,
    fields: CatalogueFields,
    tier: i64,
    limit: u64,
) -> AppResult<Vec<PublicProduct>> {
    let tier_key = Expr::cust(format!("CAST({tier} AS BIGINT)"));
    fetch(
        db,
        select,
        fields,
        tier_key,
        &[product_id()],
        Order::Desc,
        limit,
    )
    .await
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
    fields: CatalogueFields,
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
        Some(key) => fetch(db, select, fields, key.clone(), &[key, id], order, wanted).await,
        None => fetch(db, select, fields, id.clone(), &[id], order, wanted).await,
    }
}

/// Runs a page statement: products with their sellers and `sort_key`, in `order_by` order.
#[allow(clippy::too_many_arguments)]
async fn fetch(
    db: &impl ConnectionTrait,
    select: Select<products::Entity>,
    fields: CatalogueFields,
    sort_key: SimpleExpr,
    order_by: &[SimpleExpr],
    order: Order,
    limit: u64,
) -> AppResult<Vec<PublicProduct>> {
    let mut select =
        public_columns(select, fields, db.get_database_backend()).expr_as(sort_key, "sort_key");
    for expr in order_by {
        select = select.order_by(expr.clone(), order.clone());
    }
    read_rows(db, select.limit(limit), fields).await
}

/// Selects what a `PublicProduct` is read from: the product's short columns, its seller's
/// public ones, and what `fields` asks. `select` must join the seller (`public_products`).
pub(super) fn public_columns(
    select: Select<products::Entity>,
    fields: CatalogueFields,
    backend: DbBackend,
) -> Select<products::Entity> {
    let short = fields.short;
    let mut select = select.select_only().columns([
        products::Column::Id,
        products::Column::CategoryId,
        products::Column::Title,
    ]);
    for (column, asked) in [
        (products::Column::HalalCertified, short.halal_certified),
        (products::Column::PublishedAt, short.published_at),
        (products::Column::UpdatedAt, short.updated_at),
    ] {
        if asked {
            select = select.column(column);
        }
    }
    for (column, alias, asked) in [
        (sellers::Column::Id, "seller_id", true),
        (sellers::Column::Sector, "seller_sector", true),
        (
            sellers::Column::BusinessName,
            "seller_business_name",
            short.seller_business_name,
        ),
        (
            sellers::Column::Province,
            "seller_province",
            short.seller_province,
        ),
        (sellers::Column::City, "seller_city", short.seller_city),
    ] {
        if asked {
            select = select.expr_as(Expr::col((sellers::Entity, column)), alias);
        }
    }
    if short.seller_halal_certified {
        select = select.expr_as(
            Expr::col((sellers::Entity, sellers::Column::HalalCertNo)).is_not_null(),
            "seller_halal_certified",
        );
    }
    if fields.description {
        select = select.column(products::Column::Description);
    }
    if let Some(asked) = fields.variants {
        // The price range and stock then follow from the variants.
        select = select.expr_as(variants_json(backend, asked, fields), "variants");
    } else {
        if fields.price_range {
            select = select
                .expr_as(min_price(), "min_price")
                .expr_as(max_price(), "max_price");
        }
        if fields.in_stock {
            select = select.expr_as(some_variant_in_stock(), "in_stock");
        }
    }
    if fields.images {
        select = select.expr_as(images_json(backend), "images");
    }
    select
}

/// Runs a statement built on `public_columns` that also selects `sort_key`.
pub(super) async fn read_rows(
    db: &impl ConnectionTrait,
    select: Select<products::Entity>,
    fields: CatalogueFields,
) -> AppResult<Vec<PublicProduct>> {
    let query = select.build(db.get_database_backend());
    db.query_all_raw(query)
        .await?
        .iter()
        .map(|row| row_to_public(row, fields))
        .collect()
}

/// Reads a row selected by `public_columns`, plus its `sort_key`.
fn row_to_public(row: &QueryResult, fields: CatalogueFields) -> AppResult<PublicProduct> {
    let short = fields.short;
    let variants: Option<Vec<PublicVariant>> = match fields.variants {
        Some(_) => Some(json_rows(row, "variants")?),
        None => None,
    };
    // A product always has a variant; a missing price only stands in for the impossible case.
    let price_range = match (&variants, fields.price_range) {
        (_, false) => None,
        (Some(variants), true) => {
            Some(PriceRange::of(variants.iter().map(|variant| variant.price)))
        }
        (None, true) => {
            let price = |column| {
                row.try_get_by::<Option<i64>, _>(column)
                    .map(Option::unwrap_or_default)
            };
            Some(PriceRange {
                min: price("min_price")?,
                max: price("max_price")?,
            })
        }
    };
    let in_stock = match (&variants, fields.in_stock) {
        (_, false) => None,
        (Some(variants), true) => Some(variants.iter().any(|variant| variant.stock > 0)),
        (None, true) => Some(row.try_get_by("in_stock")?),
    };
    Ok(PublicProduct {
        id: row.try_get_by("id")?,
        category_id: row.try_get_by("category_id")?,
        title: row.try_get_by("title")?,
        description: match fields.description {
            true => Some(row.try_get_by("description")?),
            false => None,
        },
        halal_certified: short_column(row, short.halal_certified, "halal_certified")?,
        published_at: short_column(row, short.published_at, "published_at")?,
        updated_at: short_column(row, short.updated_at, "updated_at")?,
        seller: PublicSeller {
            id: row.try_get_by("seller_id")?,
            business_name: short_column(row, short.seller_business_name, "seller_business_name")?,
            sector: row.try_get_by("seller_sector")?,
            province: short_column(row, short.seller_province, "seller_province")?,
            city: short_column(row, short.seller_city, "seller_city")?,
            halal_certified: short_column(
                row,
                short.seller_halal_certified,
                "seller_halal_certified",
            )?,
        },
        price_range,
        in_stock,
        variants,
        images: match fields.images {
            true => Some(json_rows::<PublicImage>(row, "images")?),
            false => None,
        },
        sort_key: row.try_get_by("sort_key")?,
    })
}
