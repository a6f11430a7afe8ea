//! What products, variants and images are made of: the inputs, their validated forms and
//! their limits. Every other file of the module builds on these; this one builds on none.

use entity::enums::ProductStatus;

use crate::domain::OptionValues;

/// The most variants one product may have.
pub const MAX_VARIANTS: usize = 100;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// The most units one variant may hold in stock.
pub const MAX_STOCK: i32 = 1_000_000_000;
/// One tonne: heavier goods do not ship as parcels.
pub const MAX_WEIGHT_GRAMS: i32 = 1_000_000;
/// The most images one product may show.
pub const MAX_IMAGES: usize = 10;

pub struct NewProduct {
    pub seller_id: i64,
    pub category_id: i64,
    pub title: String,
    pub description: Option<String>,
    /// `DRAFT` when absent; `ARCHIVED` is refused.
    pub status: Option<ProductStatus>,
    pub halal_certified: bool,
    pub variants: Vec<NewVariant>,
    pub images: Vec<NewImage>,
}

/// A product's own columns, checked.
#[derive(Clone, Debug)]
pub struct ProductFields {
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub status: ProductStatus,
    pub halal_certified: bool,
}

/// A whole new product, checked: its columns, its variants and its images.
pub struct ValidProduct {
    pub fields: ProductFields,
    pub variants: Vec<ValidVariant>,
    pub images: Vec<ValidImage>,
}

pub struct NewVariant {
    pub sku: String,
    /// Defaults to the option values, `pedas / 250 g`.
    pub name: Option<String>,
    pub option_values: Vec<(String, String)>,
    /// Whole rupiah as a decimal string.
    pub price: String,
    pub stock: i32,
    pub weight_grams: i32,
}

/// A validated variant; `path` is where its input was, for errors found later.
#[derive(Default)]
pub struct ValidVariant {
    pub path: Vec<String>,
    pub sku: String,
    pub name: String,
    pub option_values: OptionValues,
    pub price: i64,
    pub stock: i32,
    pub weight_grams: i32,
}

pub struct NewImage {
    pub url: String,
    pub alt_text: Option<String>,
}

#[derive(Default)]
pub struct ValidImage {
    pub url: String,
    pub alt_text: Option<String>,
}
