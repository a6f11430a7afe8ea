//! Product variants: the sellable units of a product, each with its SKU, price and stock.
//! Field and SKU checks live in [`super::variant_checks`], stock changes in [`super::stock`].

use chrono::{DateTime, Utc};
use entity::product_variants;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, UpdateMany, sea_query::Expr,
};
use serde_json::json;

use super::{
    fields::{MAX_VARIANTS, MAX_WEIGHT_GRAMS, NewVariant, ValidVariant},
    lookup, rows,
    variant_checks::{
        at, check_range, check_skus_free, on_sku_taken, parse_name, parse_options, validate,
    },
};
use crate::{
    auth::AuthUser,
    domain::{Money, OptionValues, Sku, Validator},
    error::{AppError, AppResult, FieldErrorCode},
    service::{
        Scope,
        catalogue::ProductDetail,
        product_changes::{audit_sync_and_push, touch},
    },
};

/// A partial update: `None` leaves a field as it is. Stock changes go through
/// [`super::stock::set_stock`] and [`super::stock::adjust_stock`].
pub struct VariantChanges {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub option_values: Option<Vec<(String, String)>>,
    pub price: Option<String>,
    pub weight_grams: Option<i32>,
    pub position: Option<i32>,
}

/// Stores a validated variant of the product `(aggregator_id, product_id)`.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    owner: (i64, i64),
    variant: &ValidVariant,
    position: i32,
    now: DateTime<Utc>,
) -> AppResult<product_variants::Model> {
    rows::new_variant(owner, variant, position, now)
        .insert(db)
        .await
        .map_err(|error| on_sku_taken(error, variant))
}

/// Stores many validated variants of the product `(aggregator_id, product_id)` in one
/// statement, at the positions from `first_position` on. A taken SKU stays a database error,
/// for a batch to retry.
pub(crate) async fn insert_many(
    db: &impl ConnectionTrait,
    owner: (i64, i64),
    variants: &[&ValidVariant],
    first_position: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let models = variants
        .iter()
        .zip(first_position..)
        .map(|(variant, position)| rows::new_variant(owner, variant, position, now));
    product_variants::Entity::insert_many(models)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn find(
    db: &impl ConnectionTrait,
    caller: &AuthUser,
    id: i64,
) -> AppResult<product_variants::Model> {
    Scope::product_variants(caller)
        .filter(product_variants::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("product variant"))
}

/// Reads the variant back inside the transaction, then commits it.
pub(super) async fn reload_and_commit(
    txn: DatabaseTransaction,
    caller: &AuthUser,
    id: i64,
) -> AppResult<product_variants::Model> {
    let stored = find(&txn, caller, id).await?;
    txn.commit().await?;
    Ok(stored)
}

/// How many variants the product has (run after [`touch`], under the product's lock).
async fn count_of_product(db: &impl ConnectionTrait, product_id: i64) -> AppResult<u64> {
    Ok(product_variants::Entity::find()
        .filter(product_variants::Column::ProductId.eq(product_id))
        .count(db)
        .await?)
}

#[tracing::instrument(skip(db, input))]
pub async fn add(
    db: &DatabaseConnection,
    caller: &AuthUser,
    product_id: i64,
    input: NewVariant,
) -> AppResult<product_variants::Model> {
    let product = lookup::find(db, caller, product_id).await?;
    caller.team_aggregator()?;
    let mut v = Validator::new();
    let variant = validate(&mut v, &["input"], &input);
    v.finish()?;
    check_skus_free(
        db,
        product.aggregator_id,
        std::slice::from_ref(&variant),
        None,
    )
    .await?;

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, product.id).await?;
    let siblings = count_of_product(&txn, product.id).await?;
    if siblings as usize >= MAX_VARIANTS {
        txn.rollback().await?;
        return Err(AppError::invalid(
            &["input", "productId"],
            FieldErrorCode::TooBig,
            format!("the product already has the most variants allowed ({MAX_VARIANTS})"),
        ));
    }
    let stored = insert(
        &txn,
        (product.aggregator_id, product.id),
        &variant,
        siblings as i32,
        Utc::now(),
    )
    .await?;
    audit_sync_and_push(
        &txn,
        caller,
        (product.aggregator_id, product.id),
        "product.variant_added",
        json!({ "variantId": stored.id, "sku": stored.sku, "price": stored.price, "stock": stored.stock }),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}

/// The checked values of a variant's changes; `None` where a field stays.
struct CheckedChanges {
    sku: Option<String>,
    name: Option<String>,
    option_values: Option<OptionValues>,
    price: Option<i64>,
}

fn check_changes(
    current: &product_variants::Model,
    changes: &VariantChanges,
) -> AppResult<CheckedChanges> {
    let mut v = Validator::new();
    let path = ["input"];
    let sku = changes
        .sku
        .as_deref()
        .map(|raw| v.check(Sku::parse(&["input", "sku"], raw)).into_inner());
    let option_values = changes
        .option_values
        .as_deref()
        .map(|pairs| parse_options(&mut v, &path, pairs));
    let name = changes.name.as_deref().map(|raw| {
        let options = option_values
            .clone()
            .unwrap_or_else(|| OptionValues::from_json(&current.option_values));
        parse_name(&mut v, &path, Some(raw), &options)
    });
    let price = changes
        .price
        .as_deref()
        .map(|raw| v.check(Money::parse(&["input", "price"], raw)).rupiah());
    if let Some(weight) = changes.weight_grams {
        check_range(&mut v, &at(&path, "weightGrams"), weight, MAX_WEIGHT_GRAMS);
    }
    if let Some(position) = changes.position {
        check_range(
            &mut v,
            &at(&path, "position"),
            position,
            MAX_VARIANTS as i32,
        );
    }
    v.finish()?;
    Ok(CheckedChanges {
        sku,
        name,
        option_values,
        price,
    })
}

/// The one statement that writes a variant's changes.
fn changes_statement(
    id: i64,
    checked: &CheckedChanges,
    changes: &VariantChanges,
) -> UpdateMany<product_variants::Entity> {
    let mut update = product_variants::Entity::update_many()
        .col_expr(product_variants::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product_variants::Column::Id.eq(id));
    if let Some(sku) = &checked.sku {
        update = update.col_expr(product_variants::Column::Sku, Expr::value(sku.clone()));
    }
    if let Some(name) = &checked.name {
        update = update.col_expr(product_variants::Column::Name, Expr::value(name.clone()));
    }
    if let Some(options) = &checked.option_values {
        update = update.col_expr(
            product_variants::Column::OptionValues,
            Expr::value(options.to_json()),
        );
    }
    if let Some(price) = checked.price {
        update = update.col_expr(product_variants::Column::Price, Expr::value(price));
    }
    if let Some(weight) = changes.weight_grams {
        update = update.col_expr(product_variants::Column::WeightGrams, Expr::value(weight));
    }
    if let Some(position) = changes.position {
        update = update.col_expr(product_variants::Column::Position, Expr::value(position));
    }
    update
}

#[tracing::instrument(skip(db, changes))]
pub async fn update(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
    changes: VariantChanges,
) -> AppResult<product_variants::Model> {
    let current = find(db, caller, id).await?;
    caller.team_aggregator()?;
    let checked = check_changes(&current, &changes)?;
    let sku_check = ValidVariant {
        path: vec!["input".to_owned()],
        sku: checked.sku.clone().unwrap_or_else(|| current.sku.clone()),
        ..Default::default()
    };
    if checked.sku.is_some() {
        check_skus_free(
            db,
            current.aggregator_id,
            std::slice::from_ref(&sku_check),
            Some(id),
        )
        .await?;
    }
    let update = changes_statement(id, &checked, &changes);

    let txn = crate::db::begin_write(db).await?;
    touch(&txn, current.product_id).await?;
    update
        .exec(&txn)
        .await
        .map_err(|error| on_sku_taken(error, &sku_check))?;
    let CheckedChanges {
        sku,
        name,
        option_values,
        price,
    } = checked;
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.product_id),
        "product.variant_updated",
        json!({
            "variantId": id, "sku": sku, "name": name, "price": price,
            "optionValues": option_values.map(|options| options.to_json()),
            "weightGrams": changes.weight_grams, "position": changes.position,
        }),
    )
    .await?;
    reload_and_commit(txn, caller, id).await
}

/// Removes a variant; a product always keeps at least one.
#[tracing::instrument(skip(db))]
pub async fn remove(
    db: &DatabaseConnection,
    caller: &AuthUser,
    id: i64,
) -> AppResult<ProductDetail> {
    let current = find(db, caller, id).await?;
    caller.team_aggregator()?;

    let txn = crate::db::begin_write(db).await?;
    // The product's lock, taken first, keeps two removals from each leaving the other's last.
    touch(&txn, current.product_id).await?;
    let siblings = count_of_product(&txn, current.product_id).await?;
    if siblings <= 1 {
        txn.rollback().await?;
        return Err(AppError::invalid(
            &["input", "id"],
            FieldErrorCode::Invalid,
            "is the product's last variant; a product needs at least one",
        ));
    }
    product_variants::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit_sync_and_push(
        &txn,
        caller,
        (current.aggregator_id, current.product_id),
        "product.variant_removed",
        json!({ "variantId": id, "sku": current.sku }),
    )
    .await?;
    txn.commit().await?;
    lookup::find_detail(db, caller, current.product_id).await
}
