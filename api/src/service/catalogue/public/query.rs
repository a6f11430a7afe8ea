//! What a read of the public catalogue asks (filter, sort, cursor) and what it gets back.

use chrono::{DateTime, Utc};
use entity::enums::SellerSector;

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

    /// Whether the filter narrows the catalogue by a value whose selectivity varies enough
    /// that one cached plan cannot serve every value.
    ///
    /// Not the category: a category page reads `products_category_status_id_idx` newest first
    /// and stops after its page, or for a top-level category walks the newest products, in
    /// the generic plan as in custom ones (EXPLAIN of the statement PREPAREd and run with
    /// `plan_cache_mode = force_generic_plan`, docs/performance.md).
    pub(super) fn is_selective(&self) -> bool {
        self.search.is_some()
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
    pub fields: CatalogueFields,
}

/// What a read of the public catalogue fetches besides each product's own short columns and
/// its seller's public ones: only what the caller will show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatalogueFields {
    /// The description, by far the longest column.
    pub description: bool,
    /// The cheapest and the dearest variant's price, computed by the database.
    pub price_range: bool,
    /// Whether some variant has stock, computed by the database.
    pub in_stock: bool,
    /// The variants themselves, in display order, with the columns that are asked.
    pub variants: Option<VariantColumns>,
    /// The images, in display order.
    pub images: bool,
    /// The product's and its seller's short columns that are asked.
    pub short: ShortColumns,
}

/// Which of the product's and its seller's short columns a read brings besides their ids,
/// the product's title and category and the seller's sector; the rest keep their defaults in
/// `PublicProduct` and `PublicSeller`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShortColumns {
    pub halal_certified: bool,
    pub published_at: bool,
    pub updated_at: bool,
    pub seller_business_name: bool,
    pub seller_province: bool,
    pub seller_city: bool,
    pub seller_halal_certified: bool,
}

/// Which of a variant's columns a read of the variants brings; the rest keep their defaults
/// in `PublicVariant`. The database builds a JSON object per variant, and its keys are most of
/// a page's cost there: a page that shows prices only asks for prices only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VariantColumns {
    pub id: bool,
    pub sku: bool,
    pub name: bool,
    pub option_values: bool,
    pub price: bool,
    pub stock: bool,
    pub weight_grams: bool,
    pub position: bool,
}

/// A variant as the public catalogue shows it: the columns its read did not ask for
/// (`VariantColumns`) hold their defaults.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct PublicVariant {
    pub id: i64,
    pub sku: String,
    pub name: String,
    /// The stored JSON object of option names and values (`domain::OptionValues`).
    pub option_values: serde_json::Value,
    pub price: i64,
    pub stock: i32,
    pub weight_grams: i32,
    pub position: i32,
}

/// An image as the public catalogue shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct PublicImage {
    pub id: i64,
    pub url: String,
    pub alt_text: Option<String>,
    pub position: i32,
}

/// A seller as anyone may see it: never its phone, NIB, owner or address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicSeller {
    pub id: i64,
    pub business_name: String,
    pub sector: SellerSector,
    pub province: String,
    pub city: String,
    /// Holds a halal certificate.
    pub halal_certified: bool,
}

/// The cheapest and the dearest variant's price, in whole rupiah.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceRange {
    pub min: i64,
    pub max: i64,
}

impl PriceRange {
    /// The range of `prices`; 0 to 0 for none, which a product (never without a variant)
    /// does not have.
    pub fn of(prices: impl Iterator<Item = i64> + Clone) -> Self {
        Self {
            min: prices.clone().min().unwrap_or_default(),
            max: prices.max().unwrap_or_default(),
        }
    }
}

/// A public product with its seller, read in one statement with what `CatalogueFields` asked
/// (the short columns it did not ask for hold their defaults).
#[derive(Clone, Debug)]
pub struct PublicProduct {
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    /// Present when `CatalogueFields::description` asked for it.
    pub description: Option<String>,
    pub halal_certified: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub seller: PublicSeller,
    /// Present when `CatalogueFields::price_range` asked for it.
    pub price_range: Option<PriceRange>,
    /// Present when `CatalogueFields::in_stock` asked for it.
    pub in_stock: Option<bool>,
    /// Present when `CatalogueFields::variants` asked for them.
    pub variants: Option<Vec<PublicVariant>>,
    /// Present when `CatalogueFields::images` asked for them.
    pub images: Option<Vec<PublicImage>>,
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
