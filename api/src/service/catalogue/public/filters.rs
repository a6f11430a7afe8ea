//! Which products anyone may see (ACTIVE products of ACTIVE sellers), and the filters that
//! narrow them.

use entity::{
    enums::{ProductStatus, SellerStatus},
    product_variants, products, sellers,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QuerySelect, QueryTrait,
    RelationTrait, Select,
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
};

use super::query::CatalogueFilter;

/// Products anyone may see, joined to their (active) seller.
pub(super) fn public_products() -> Select<products::Entity> {
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

/// `category_family`: the ids of `filter.category_id` and its children
/// (`categories::family`), read beforehand.
pub(super) fn apply_filter(
    mut select: Select<products::Entity>,
    filter: &CatalogueFilter,
    category_family: Option<&[i64]>,
) -> Select<products::Entity> {
    if let Some(family) = category_family {
        select = select.filter(products::Column::CategoryId.is_in(family.iter().copied()));
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
