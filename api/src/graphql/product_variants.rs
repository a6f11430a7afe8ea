//! A product's variants as the schema shows them; their changes are in
//! [`super::variant_mutations`].

use async_graphql::{ComplexObject, ID, InputObject, SimpleObject};
use entity::product_variants;

use super::{money::Money, relay::to_id};
use crate::{
    domain::OptionValues,
    service::{catalogue::public::PublicVariant, products::NewVariant},
};

/// One option that tells variants apart, e.g. `rasa: pedas`.
#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(input_name = "OptionValueInput")]
pub struct OptionValue {
    pub name: String,
    pub value: String,
}

pub(super) fn pairs(options: Vec<OptionValue>) -> Vec<(String, String)> {
    options
        .into_iter()
        .map(|option| (option.name, option.value))
        .collect()
}

/// A sellable unit of a product (a taste, a size), with its own SKU, price and stock.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ProductVariant {
    #[graphql(skip)]
    pub db_id: i64,
    #[graphql(skip)]
    pub price_rupiah: i64,
    /// Unique within the aggregator.
    pub sku: String,
    pub name: String,
    pub option_values: Vec<OptionValue>,
    pub stock: i32,
    pub weight_grams: i32,
    pub position: i32,
}

#[ComplexObject]
impl ProductVariant {
    pub async fn id(&self) -> ID {
        to_id("ProductVariant", self.db_id)
    }

    async fn price(&self) -> Money {
        Money::rupiah(self.price_rupiah)
    }
}

fn option_values(json: &serde_json::Value) -> Vec<OptionValue> {
    OptionValues::from_json(json)
        .pairs()
        .iter()
        .map(|(name, value)| OptionValue {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

impl From<PublicVariant> for ProductVariant {
    fn from(variant: PublicVariant) -> Self {
        Self {
            option_values: option_values(&variant.option_values),
            db_id: variant.id,
            price_rupiah: variant.price,
            sku: variant.sku,
            name: variant.name,
            stock: variant.stock,
            weight_grams: variant.weight_grams,
            position: variant.position,
        }
    }
}

impl From<product_variants::Model> for ProductVariant {
    fn from(model: product_variants::Model) -> Self {
        let option_values = option_values(&model.option_values);
        Self {
            db_id: model.id,
            price_rupiah: model.price,
            sku: model.sku,
            name: model.name,
            option_values,
            stock: model.stock,
            weight_grams: model.weight_grams,
            position: model.position,
        }
    }
}

#[derive(InputObject)]
pub struct ProductVariantInput {
    /// 1-64 letters, digits, `-`, `_` or `.`; unique within the aggregator.
    pub sku: String,
    /// Defaults to the option values, `pedas / 250 g`.
    pub name: Option<String>,
    /// At most 5, names unique.
    #[graphql(default)]
    pub option_values: Vec<OptionValue>,
    /// Whole rupiah as a decimal string, e.g. `"15000"`; at most 1,000,000,000.
    pub price: String,
    #[graphql(default)]
    pub stock: i32,
    #[graphql(default)]
    pub weight_grams: i32,
}

impl From<ProductVariantInput> for NewVariant {
    fn from(input: ProductVariantInput) -> Self {
        Self {
            sku: input.sku,
            name: input.name,
            option_values: pairs(input.option_values),
            price: input.price,
            stock: input.stock,
            weight_grams: input.weight_grams,
        }
    }
}
