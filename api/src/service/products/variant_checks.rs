//! Checks on variant input: field paths, ranges, options and names, and SKU uniqueness
//! (a SKU names one variant within its aggregator).

use entity::product_variants;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::fields::{MAX_STOCK, MAX_WEIGHT_GRAMS, NewVariant, ValidVariant};
use crate::{
    domain::{Money, OptionValues, Sku, Validator, optional_text},
    error::{AppError, AppResult, Constraint, FieldError, FieldErrorCode},
};

const MAX_NAME_CHARS: usize = 200;

const SKU_KEY: Constraint = Constraint {
    name: "product_variants_aggregator_sku_key",
    sqlite_columns: "product_variants.aggregator_id, product_variants.sku",
};

pub(crate) fn at(path: &[&str], field: &str) -> Vec<String> {
    path.iter()
        .copied()
        .chain([field])
        .map(str::to_owned)
        .collect()
}

pub(crate) fn refs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

pub(crate) fn check_range(v: &mut Validator, field: &[String], value: i32, max: i32) {
    if value < 0 {
        v.push(FieldError::new(
            &refs(field),
            FieldErrorCode::TooSmall,
            "can't be negative",
        ));
    } else if value > max {
        v.push(FieldError::new(
            &refs(field),
            FieldErrorCode::TooBig,
            format!("must be at most {max}"),
        ));
    }
}

pub(crate) fn parse_options(
    v: &mut Validator,
    path: &[&str],
    pairs: &[(String, String)],
) -> OptionValues {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    v.check(OptionValues::parse(
        &refs(&at(path, "optionValues")),
        &pairs,
    ))
}

pub(crate) fn parse_name(
    v: &mut Validator,
    path: &[&str],
    raw: Option<&str>,
    options: &OptionValues,
) -> String {
    v.check(optional_text(&refs(&at(path, "name")), raw, MAX_NAME_CHARS))
        .unwrap_or_else(|| options.summary())
}

/// Checks a new variant under `path`.
pub(crate) fn validate(v: &mut Validator, path: &[&str], input: &NewVariant) -> ValidVariant {
    let option_values = parse_options(v, path, &input.option_values);
    let stock_path = at(path, "stock");
    check_range(v, &stock_path, input.stock, MAX_STOCK);
    check_range(
        v,
        &at(path, "weightGrams"),
        input.weight_grams,
        MAX_WEIGHT_GRAMS,
    );
    ValidVariant {
        path: path.iter().map(|part| (*part).to_owned()).collect(),
        sku: v
            .check(Sku::parse(&refs(&at(path, "sku")), &input.sku))
            .into_inner(),
        name: parse_name(v, path, input.name.as_deref(), &option_values),
        price: v
            .check(Money::parse(&refs(&at(path, "price")), &input.price))
            .rupiah(),
        option_values,
        stock: input.stock,
        weight_grams: input.weight_grams,
    }
}

fn sku_taken(variant_path: &[String], sku: &str) -> FieldError {
    let mut field = variant_path.to_vec();
    field.push("sku".to_owned());
    FieldError {
        field,
        message: format!("'{sku}' is already the SKU of another variant in this aggregator"),
        code: FieldErrorCode::Taken,
    }
}

/// The same SKU twice in one input.
pub(crate) fn check_unique_in_input(v: &mut Validator, variants: &[ValidVariant]) {
    for (index, variant) in variants.iter().enumerate() {
        let repeated = variants[..index]
            .iter()
            .any(|earlier| !variant.sku.is_empty() && earlier.sku == variant.sku);
        if repeated {
            v.push(sku_taken(&variant.path, &variant.sku));
        }
    }
}

/// SKUs already used in the aggregator (by a variant other than `except`).
pub(crate) async fn check_skus_free(
    db: &impl ConnectionTrait,
    aggregator_id: i64,
    variants: &[ValidVariant],
    except: Option<i64>,
) -> AppResult<()> {
    let skus: Vec<&str> = variants
        .iter()
        .map(|variant| variant.sku.as_str())
        .collect();
    let mut select = product_variants::Entity::find()
        .select_only()
        .column(product_variants::Column::Sku)
        .filter(product_variants::Column::AggregatorId.eq(aggregator_id))
        .filter(product_variants::Column::Sku.is_in(skus));
    if let Some(id) = except {
        select = select.filter(product_variants::Column::Id.ne(id));
    }
    let taken: Vec<String> = select.into_tuple().all(db).await?;
    let errors: Vec<FieldError> = variants
        .iter()
        .filter(|variant| taken.contains(&variant.sku))
        .map(|variant| sku_taken(&variant.path, &variant.sku))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Maps a unique-SKU violation (a concurrent insert won the race past the check).
pub(crate) fn on_sku_taken(error: sea_orm::DbErr, variant: &ValidVariant) -> AppError {
    AppError::from(error).on_constraint(&[(SKU_KEY, sku_taken(&variant.path, &variant.sku))])
}

#[cfg(test)]
mod tests {
    use sea_orm::DbErr;

    use super::*;

    fn taken_on(message: &str) -> AppError {
        let variant = ValidVariant {
            path: vec!["input".to_owned()],
            sku: "KRP-250".to_owned(),
            ..Default::default()
        };
        on_sku_taken(DbErr::Custom(message.to_owned()), &variant)
    }

    #[test]
    fn a_unique_sku_violation_names_the_sku_on_both_backends() {
        for message in [
            "duplicate key value violates unique constraint \"product_variants_aggregator_sku_key\"",
            "UNIQUE constraint failed: product_variants.aggregator_id, product_variants.sku",
        ] {
            let AppError::Conflict(error) = taken_on(message) else {
                panic!("not mapped: {message}");
            };
            assert_eq!(error.code, FieldErrorCode::Taken);
            assert_eq!(error.field, ["input", "sku"]);
            assert!(error.message.contains("KRP-250"));
        }
        assert!(matches!(taken_on("disk I/O error"), AppError::Db(_)));
    }
}
