//! What a read of the public catalogue asks (filter, sort, cursor) and what it gets back.

use entity::{products, sellers};

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
