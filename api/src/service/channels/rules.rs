//! A channel's listing rules and the check of a product against them: one field error per
//! broken rule.

use serde::{Deserialize, Serialize};

use crate::{
    error::{FieldError, FieldErrorCode},
    service::catalogue::ProductDetail,
};

/// What a channel demands of a listing, stored as the channel's `rules` JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChannelRules {
    pub required_fields: Vec<RequiredField>,
    pub max_title_length: Option<i32>,
    /// Whole rupiah; every variant's (or the override's) price must reach it.
    pub min_price: Option<i64>,
    /// Category slugs; a product in another category (or one below it) is refused.
    pub allowed_categories: Vec<String>,
    pub halal_required: bool,
    /// The aggregator must map the product's category to one of the channel's.
    pub category_mapping_required: bool,
}

/// Product or seller data a channel may require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequiredField {
    Description,
    Images,
    SellerNib,
    HalalCertificate,
    PirtNumber,
}

/// What of a product the rules look at.
pub struct Candidate<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub image_count: usize,
    pub lowest_price: i64,
    /// The product's category slug and its ancestors' slugs.
    pub category_slugs: &'a [String],
    pub halal_certified: bool,
    pub seller_nib: Option<&'a str>,
    pub seller_halal_cert: Option<&'a str>,
    pub seller_pirt: Option<&'a str>,
    pub channel_category: Option<&'a str>,
}

impl<'a> Candidate<'a> {
    /// What publishing and every later change check: the product as it is now, its lowest
    /// price (the listing's override when it has one), its category and its seller.
    pub fn of(
        detail: &'a ProductDetail,
        seller: &'a entity::sellers::Model,
        price_override: Option<i64>,
        category_slugs: &'a [String],
        channel_category: Option<&'a str>,
    ) -> Self {
        let lowest_price = price_override.unwrap_or_else(|| {
            detail
                .variants
                .iter()
                .map(|variant| variant.price)
                .min()
                .unwrap_or(0)
        });
        Self {
            title: &detail.product.title,
            description: &detail.product.description,
            image_count: detail.images.len(),
            lowest_price,
            category_slugs,
            halal_certified: detail.product.halal_certified,
            seller_nib: seller.nib.as_deref(),
            seller_halal_cert: seller.halal_cert_no.as_deref(),
            seller_pirt: seller.pirt_no.as_deref(),
            channel_category,
        }
    }
}

impl ChannelRules {
    /// Every rule the candidate breaks, each as one error under `field`.
    pub fn check(&self, field: &[&str], candidate: &Candidate<'_>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut fail = |code, message: String| errors.push(FieldError::new(field, code, message));
        if let Some(max) = self.max_title_length
            && candidate.title.chars().count() > max.max(0) as usize
        {
            fail(
                FieldErrorCode::TooLong,
                format!("title is too long for this channel (maximum is {max} characters)"),
            );
        }
        if let Some(min) = self.min_price
            && candidate.lowest_price < min
        {
            fail(
                FieldErrorCode::TooSmall,
                format!("price is below this channel's minimum of {min} IDR"),
            );
        }
        if !self.allowed_categories.is_empty()
            && !candidate
                .category_slugs
                .iter()
                .any(|slug| self.allowed_categories.contains(slug))
        {
            fail(
                FieldErrorCode::Invalid,
                "category is not accepted by this channel".to_owned(),
            );
        }
        if self.halal_required && !candidate.halal_certified {
            fail(
                FieldErrorCode::Invalid,
                "this channel requires a halal-certified product".to_owned(),
            );
        }
        if self.category_mapping_required && candidate.channel_category.is_none() {
            fail(
                FieldErrorCode::NotFound,
                "the product's category is not mapped to a category of this channel".to_owned(),
            );
        }
        for required in &self.required_fields {
            let missing = match required {
                RequiredField::Description => candidate.description.trim().is_empty(),
                RequiredField::Images => candidate.image_count == 0,
                RequiredField::SellerNib => candidate.seller_nib.is_none(),
                RequiredField::HalalCertificate => candidate.seller_halal_cert.is_none(),
                RequiredField::PirtNumber => candidate.seller_pirt.is_none(),
            };
            if missing {
                fail(
                    FieldErrorCode::Blank,
                    format!("{} is required by this channel", required.label()),
                );
            }
        }
        errors
    }
}

impl RequiredField {
    fn label(self) -> &'static str {
        match self {
            Self::Description => "a description",
            Self::Images => "at least one image",
            Self::SellerNib => "the seller's NIB",
            Self::HalalCertificate => "the seller's halal certificate number",
            Self::PirtNumber => "the seller's P-IRT number",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate<'a>(slugs: &'a [String]) -> Candidate<'a> {
        Candidate {
            title: "Keripik Tempe",
            description: "",
            image_count: 0,
            lowest_price: 5_000,
            category_slugs: slugs,
            halal_certified: false,
            seller_nib: None,
            seller_halal_cert: None,
            seller_pirt: None,
            channel_category: None,
        }
    }

    #[test]
    fn each_broken_rule_is_one_error() {
        let rules = ChannelRules {
            required_fields: vec![RequiredField::Description, RequiredField::Images],
            max_title_length: Some(5),
            min_price: Some(10_000),
            allowed_categories: vec!["batik".into()],
            halal_required: true,
            category_mapping_required: true,
        };
        let slugs = vec!["keripik-camilan".to_owned()];
        assert_eq!(rules.check(&["x"], &candidate(&slugs)).len(), 7);
    }

    #[test]
    fn no_rules_accept_anything() {
        let slugs = vec![];
        assert!(
            ChannelRules::default()
                .check(&["x"], &candidate(&slugs))
                .is_empty()
        );
    }
}
