//! The public catalogue queries: `products`, `product` and `sellerProfile`. No login needed;
//! a logged-in caller sees the same public view.

use async_graphql::{
    Context, Enum, ID, InputObject, Lookahead, Object,
    connection::{Connection, CursorType},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::{
    app,
    catalogue_types::{CatalogueProduct, SellerProfile},
    gql,
    relay::{ConnectionTotals, connection, parse_id},
    response_cache::tag_response,
};
use crate::{
    cache::tags::{self, ListScope},
    error::{AppError, AppResult, FieldErrorCode},
    service::{
        PageRequest,
        catalogue::public::{
            self as service, CatalogueAfter, CatalogueFields, CatalogueFilter,
            CataloguePageRequest, CatalogueSort, PublicProduct, ShortColumns, VariantColumns,
        },
    },
};

/// The most rupiah a price filter accepts.
const MAX_PRICE: i64 = 1_000_000_000_000;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "CatalogueSort")]
pub enum ProductSort {
    /// Best matches of `filter.search` first: title matches, then description matches, then
    /// titles within a typo; newest first within each. Without a search, the same as NEWEST.
    #[default]
    Relevance,
    /// Cheapest variant price, low to high.
    PriceAsc,
    /// Cheapest variant price, high to low.
    PriceDesc,
    /// Most recently created first.
    Newest,
}

#[derive(InputObject, Default)]
pub struct ProductFilter {
    /// Words of the title or description; tolerates typos where the database can.
    pub search: Option<String>,
    /// This category or one of its sub-categories.
    pub category_id: Option<ID>,
    /// The seller's province (any case).
    pub province: Option<String>,
    /// The seller's city (any case).
    pub city: Option<String>,
    pub seller_id: Option<ID>,
    /// Some variant costs at least this many rupiah (a decimal string).
    pub min_price: Option<String>,
    /// Some variant costs at most this many rupiah (a decimal string).
    pub max_price: Option<String>,
    pub halal: Option<bool>,
    /// Some variant has stock (or, when false, none has).
    pub in_stock: Option<bool>,
}

/// An opaque cursor: the sort it belongs to, the row's sort key and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogueCursor {
    sort: CatalogueSort,
    after: CatalogueAfter,
}

const CURSOR_PREFIX: &str = "cat1";

fn invalid_cursor() -> AppError {
    AppError::invalid(&["after"], FieldErrorCode::Invalid, "is not a valid cursor")
}

impl CursorType for CatalogueCursor {
    type Error = AppError;

    fn decode_cursor(raw: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid_cursor())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid_cursor())?;
        let parts: Vec<&str> = text.split(':').collect();
        let [CURSOR_PREFIX, sort, key, id] = parts.as_slice() else {
            return Err(invalid_cursor());
        };
        let sort = [
            CatalogueSort::Relevance,
            CatalogueSort::PriceAsc,
            CatalogueSort::PriceDesc,
            CatalogueSort::Newest,
        ]
        .into_iter()
        .find(|candidate| candidate.code() == *sort)
        .ok_or_else(invalid_cursor)?;
        let key = key.parse::<i64>().map_err(|_| invalid_cursor())?;
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(invalid_cursor)?;
        Ok(Self {
            sort,
            after: CatalogueAfter { key, id },
        })
    }

    fn encode_cursor(&self) -> String {
        let CatalogueAfter { key, id } = self.after;
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}:{}:{key}:{id}", self.sort.code()))
    }
}

fn parse_price(raw: Option<String>, field: &str) -> AppResult<Option<i64>> {
    raw.map(|raw| {
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|amount| (0..=MAX_PRICE).contains(amount))
            .ok_or_else(|| {
                AppError::invalid(
                    &["filter", field],
                    FieldErrorCode::Invalid,
                    "must be a whole number of rupiah, at least 0",
                )
            })
    })
    .transpose()
}

fn into_service_filter(filter: ProductFilter) -> AppResult<CatalogueFilter> {
    let id =
        |id: Option<ID>, type_name, field| id.map(|id| parse_id(&id, type_name, field)).transpose();
    Ok(CatalogueFilter {
        search: filter.search,
        category_id: id(filter.category_id, "Category", "categoryId")?,
        province: filter.province,
        city: filter.city,
        seller_id: id(filter.seller_id, "Seller", "sellerId")?,
        min_price: parse_price(filter.min_price, "minPrice")?,
        max_price: parse_price(filter.max_price, "maxPrice")?,
        halal: filter.halal,
        in_stock: filter.in_stock,
    })
}

/// Reads `first`/`after` for `sort`; a cursor of another sort is refused.
fn page_request(
    first: Option<i32>,
    after: Option<String>,
    sort: CatalogueSort,
    search_window: u64,
) -> AppResult<CataloguePageRequest> {
    let first = PageRequest::new(first, None)?.first;
    let after = match after {
        None => None,
        Some(raw) => {
            let cursor = CatalogueCursor::decode_cursor(&raw)?;
            if cursor.sort != sort {
                return Err(invalid_cursor());
            }
            Some(cursor.after)
        }
    };
    Ok(CataloguePageRequest {
        first,
        after,
        sort,
        with_total: true,
        search_window,
        fields: CatalogueFields::default(),
    })
}

/// What the query shows of each product beyond what every read brings: the page's statement
/// reads exactly that.
pub(super) fn fields_of(node: &Lookahead<'_>) -> CatalogueFields {
    CatalogueFields {
        description: node.field("description").exists(),
        price_range: node.field("priceRange").exists(),
        in_stock: node.field("inStock").exists(),
        variants: variant_columns(&node.field("variants")),
        images: node.field("images").exists(),
        short: short_columns(node),
    }
}

/// The product's and its seller's short columns the query shows.
fn short_columns(node: &Lookahead<'_>) -> ShortColumns {
    let seller = node.field("seller");
    ShortColumns {
        halal_certified: node.field("halalCertified").exists(),
        published_at: node.field("publishedAt").exists(),
        updated_at: node.field("updatedAt").exists(),
        seller_business_name: seller.field("businessName").exists(),
        seller_province: seller.field("province").exists(),
        seller_city: seller.field("city").exists(),
        seller_halal_certified: seller.field("halalCertified").exists(),
    }
}

/// The variant columns the query's `variants` selection shows (fragments included), or `None`
/// when it does not select the variants.
fn variant_columns(variants: &Lookahead<'_>) -> Option<VariantColumns> {
    variants.exists().then(|| VariantColumns {
        id: variants.field("id").exists(),
        sku: variants.field("sku").exists(),
        name: variants.field("name").exists(),
        option_values: variants.field("optionValues").exists(),
        price: variants.field("price").exists(),
        stock: variants.field("stock").exists(),
        weight_grams: variants.field("weightGrams").exists(),
        position: variants.field("position").exists(),
    })
}

/// Tags the response with the products it shows and their sellers: a product's response
/// depends on its seller even unasked, since a suspended seller hides it.
pub(super) fn tag_products(ctx: &Context<'_>, node: &Lookahead<'_>, products: &[PublicProduct]) {
    tag_response(
        ctx,
        products
            .iter()
            .flat_map(|row| [tags::product(row.id), tags::seller(row.seller.id)]),
    );
    if node.field("category").exists() {
        tag_response(ctx, [tags::CATEGORIES.to_owned()]);
    }
}

pub type CatalogueConnection = Connection<CatalogueCursor, CatalogueProduct, ConnectionTotals>;

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// The public catalogue: ACTIVE products of ACTIVE sellers.
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProductFilter>,
        #[graphql(desc = "RELEVANCE when omitted or null.")] sort: Option<ProductSort>,
    ) -> async_graphql::Result<CatalogueConnection> {
        let filter = gql(into_service_filter(filter.unwrap_or_default()))?;
        let sort = match sort.unwrap_or_default().into() {
            CatalogueSort::Relevance if !filter.has_search_term() => CatalogueSort::Newest,
            sort => sort,
        };
        let search_window = app(ctx)?.settings.graphql.search_window;
        let mut page = gql(page_request(first, after, sort, search_window))?;
        let node = ctx.look_ahead().field("edges").field("node");
        page.with_total = ctx.look_ahead().field("totalCount").exists();
        page.fields = fields_of(&node);
        tag_response(ctx, list_tags(&filter, sort));
        let app = app(ctx)?;
        let page = gql(service::list(&app.catalogue_db, &app.categories, filter, page).await)?;
        tag_products(ctx, &node, &page.items);
        let sort = page.sort;
        Ok(connection(
            service_page(page),
            |row: &PublicProduct| CatalogueCursor {
                sort,
                after: CatalogueAfter {
                    key: row.sort_key,
                    id: row.id,
                },
            },
            CatalogueProduct::from,
        ))
    }

    /// One public product; anything not public reads as NOT_FOUND.
    async fn product(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CatalogueProduct> {
        let id = gql(parse_id(&id, "Product", "id"))?;
        public_product(ctx, id).await
    }

    /// The public profile of an ACTIVE seller (the dashboard's `seller(id)` shows the rest).
    async fn seller_profile(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<SellerProfile> {
        let id = gql(parse_id(&id, "Seller", "id"))?;
        seller_profile(ctx, id).await
    }
}

/// The public profile of a seller, tagged with it; used by `sellerProfile` and `node`.
pub async fn seller_profile(ctx: &Context<'_>, id: i64) -> async_graphql::Result<SellerProfile> {
    tag_response(ctx, [tags::seller(id)]);
    Ok(gql(service::find_seller(&app(ctx)?.catalogue_db, id).await)?.into())
}

/// The sets a page of the public catalogue is drawn from: the narrowest of the category and
/// the seller it is filtered by, and whether prices or stock select or order it.
fn list_tags(filter: &CatalogueFilter, sort: CatalogueSort) -> Vec<String> {
    let scope = match (filter.category_id, filter.seller_id) {
        (Some(category), _) => ListScope::Category(category),
        (None, Some(seller)) => ListScope::Seller(seller),
        (None, None) => ListScope::All,
    };
    let by_values = filter.min_price.is_some()
        || filter.max_price.is_some()
        || filter.in_stock.is_some()
        || matches!(sort, CatalogueSort::PriceAsc | CatalogueSort::PriceDesc);
    scope.list_tags(by_values)
}

/// Loads a public product and primes its seller; used by `product` and `node`.
pub async fn public_product(ctx: &Context<'_>, id: i64) -> async_graphql::Result<CatalogueProduct> {
    let fields = fields_of(&ctx.look_ahead());
    let row = gql(service::find(&app(ctx)?.catalogue_db, id, fields).await)?;
    tag_products(ctx, &ctx.look_ahead(), std::slice::from_ref(&row));
    Ok(row.into())
}

fn service_page(page: service::CataloguePage) -> crate::service::Page<PublicProduct> {
    crate::service::Page {
        items: page.items,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        total_count: page.total_count,
    }
}
