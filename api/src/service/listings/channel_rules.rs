//! Whether a listing's product meets its channel's rules: the check publishing makes and every
//! later change of the product repeats (the outbox refuses the listing when it fails).

use std::collections::HashMap;

use entity::{aggregator_channels, categories, channels, sellers};

use crate::{
    error::FieldError,
    service::{
        catalogue::ProductDetail,
        channels::{mapped_category, rules::Candidate, rules_of},
    },
};

/// One error under `field` per rule of the channel the product would break on it, at the
/// listing's price override (when it has one) and with the aggregator's setup of the channel.
/// `categories` holds the product's category and its parent.
pub(super) fn broken_rules(
    field: &[&str],
    channel: &channels::Model,
    link: Option<&aggregator_channels::Model>,
    detail: &ProductDetail,
    seller: &sellers::Model,
    categories: &HashMap<i64, categories::Model>,
    price_override: Option<i64>,
) -> Vec<FieldError> {
    let slugs = category_slugs(categories, detail.product.category_id);
    let channel_category = link.and_then(|link| mapped_category(link, detail.product.category_id));
    let candidate = Candidate::of(
        detail,
        seller,
        price_override,
        &slugs,
        channel_category.as_deref(),
    );
    rules_of(channel).check(field, &candidate)
}

/// A category's slug followed by its parent's.
fn category_slugs(
    categories: &HashMap<i64, entity::categories::Model>,
    category_id: i64,
) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut next = Some(category_id);
    while let Some(id) = next {
        let Some(category) = categories.get(&id) else {
            break;
        };
        slugs.push(category.slug.clone());
        next = category.parent_id.filter(|_| slugs.len() < 8);
    }
    slugs
}
