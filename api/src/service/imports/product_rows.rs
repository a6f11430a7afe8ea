//! Parses product rows: one per variant, grouped into products by `product_handle`. The first
//! row of a handle describes the product; later rows may leave the product columns blank.

use std::collections::HashMap;

use entity::enums::ProductStatus;

use super::{
    csv_reader::{CsvFile, Record, one_of},
    rejections::RejectedRow,
};
use crate::{
    domain::{HttpsUrl, Phone, Slug, Text, Validator},
    error::{AppError, FieldError},
    service::products::{
        checks,
        fields::{MAX_IMAGES, NewVariant, ValidVariant},
        variant_checks,
    },
};

/// The columns that describe the product rather than the variant.
const PRODUCT_COLUMNS: [&str; 7] = [
    "seller_phone",
    "title",
    "description",
    "category",
    "halal",
    "status",
    "image_urls",
];
const MAX_HANDLE_CHARS: usize = 100;

pub struct ProductDef {
    pub line: u64,
    pub handle: String,
    pub seller_phone: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub halal: bool,
    pub status: ProductStatus,
    /// `None` keeps a stored product's images; `Some` replaces them.
    pub images: Option<Vec<String>>,
}

pub struct VariantRow {
    pub line: u64,
    pub variant: ValidVariant,
    /// Blank keeps a stored variant's stock (a new one starts at 0); likewise the weight.
    pub stock: Option<i32>,
    pub weight_grams: Option<i32>,
}

pub type ParsedRow = Result<VariantRow, Vec<RejectedRow>>;

/// The rows of one product handle; `product` is `None` when its describing row was refused.
pub struct Group {
    pub product: Option<ProductDef>,
    pub rows: Vec<ParsedRow>,
}

fn reject(line: u64, field: Option<&str>, message: impl Into<String>) -> RejectedRow {
    RejectedRow {
        line,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// Groups and validates every row; later rows of a handle must agree with its first row, and
/// a SKU may appear once in a file.
pub fn parse_all(csv: &CsvFile) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_handle: HashMap<String, (usize, u64)> = HashMap::new();
    let mut skus: HashMap<String, u64> = HashMap::new();
    for row in &csv.rows {
        let record = match csv.record(row) {
            Ok(record) => record,
            Err(rejected) => {
                groups.push(Group {
                    product: None,
                    rows: vec![Err(vec![rejected])],
                });
                continue;
            }
        };
        let line = record.line;
        let handle = record.get("product_handle").to_owned();
        let mut reasons = Vec::new();
        if let Err(error) = Text::parse(&["product_handle"], &handle, MAX_HANDLE_CHARS) {
            reasons.push(reject(line, Some("product_handle"), error.message));
            groups.push(Group {
                product: None,
                rows: vec![Err(reasons)],
            });
            continue;
        }
        let index = match by_handle.get(&handle) {
            Some(&(index, first_line)) => {
                match &groups[index].product {
                    Some(_) => reasons.extend(disagreements(&record, csv, first_line, &handle)),
                    None => reasons.push(reject(
                        line,
                        None,
                        format!(
                            "belongs to product '{handle}', whose line {first_line} was rejected"
                        ),
                    )),
                }
                index
            }
            None => {
                let product =
                    product(&record, handle.clone()).map_err(|errors| reasons.extend(errors));
                groups.push(Group {
                    product: product.ok(),
                    rows: Vec::new(),
                });
                by_handle.insert(handle, (groups.len() - 1, line));
                groups.len() - 1
            }
        };
        let variant = variant(&record)
            .map_err(|errors| reasons.extend(errors))
            .ok();
        if let Some(variant) = &variant
            && let Some(&earlier) = skus.get(&variant.variant.sku)
        {
            reasons.push(reject(
                line,
                Some("sku"),
                format!("repeats the sku of line {earlier}"),
            ));
        }
        let parsed = match variant {
            Some(variant) if reasons.is_empty() => {
                skus.insert(variant.variant.sku.clone(), line);
                Ok(variant)
            }
            _ => Err(reasons),
        };
        groups[index].rows.push(parsed);
    }
    groups
}

/// Product columns of a later row that contradict the first row of its handle.
fn disagreements(
    record: &Record<'_>,
    csv: &CsvFile,
    first_line: u64,
    handle: &str,
) -> Vec<RejectedRow> {
    let first = csv
        .rows
        .iter()
        .find(|row| row.line == first_line)
        .and_then(|row| csv.record(row).ok());
    let Some(first) = first else {
        return Vec::new();
    };
    PRODUCT_COLUMNS
        .iter()
        .filter(|column| {
            let value = record.get(column);
            !value.is_empty() && value != first.get(column)
        })
        .map(|column| {
            reject(
                record.line,
                Some(column),
                format!("differs from line {first_line}, which describes product '{handle}'"),
            )
        })
        .collect()
}

fn product(record: &Record<'_>, handle: String) -> Result<ProductDef, Vec<RejectedRow>> {
    let line = record.line;
    let mut v = Validator::new();
    let seller_phone = v.check(Phone::parse(&["seller_phone"], record.get("seller_phone")));
    let title = checks::title(&mut v, &[], record.get("title"));
    let description = checks::description(&mut v, &[], record.optional("description"));
    let category = v.check(Slug::parse(&["category"], record.get("category")));
    let mut reasons = Vec::new();
    let halal = match record.get("halal").to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "tidak" | "0" => false,
        "true" | "yes" | "ya" | "1" => true,
        _ => {
            reasons.push(reject(line, Some("halal"), "must be true or false"));
            false
        }
    };
    let status = match record.optional("status") {
        None => ProductStatus::Draft,
        Some(_) => match one_of::<ProductStatus>(record, "status") {
            Ok(ProductStatus::Archived) | Err(_) => {
                reasons.push(reject(line, Some("status"), "must be DRAFT or ACTIVE"));
                ProductStatus::Draft
            }
            Ok(status) => status,
        },
    };
    let images = record.optional("image_urls").map(|raw| {
        let urls: Vec<&str> = raw
            .split('|')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .collect();
        if urls.len() > MAX_IMAGES {
            v.push(FieldError::new(
                &["image_urls"],
                crate::error::FieldErrorCode::TooBig,
                format!("may hold at most {MAX_IMAGES} images"),
            ));
        }
        urls.iter()
            .map(|url| v.check(HttpsUrl::parse(&["image_urls"], url)).into_inner())
            .collect()
    });
    if let Err(AppError::Invalid(errors)) = v.finish() {
        let mut all: Vec<RejectedRow> = errors
            .into_iter()
            .map(|error| reject(line, error.field.first().map(String::as_str), error.message))
            .collect();
        all.append(&mut reasons);
        return Err(all);
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(ProductDef {
        line,
        handle,
        seller_phone: seller_phone.into_inner(),
        title,
        description,
        category: category.into_inner(),
        halal,
        status,
        images,
    })
}

fn whole_number(record: &Record<'_>, column: &str) -> Result<Option<i32>, RejectedRow> {
    record
        .optional(column)
        .map(|raw| {
            raw.parse::<i32>()
                .map_err(|_| reject(record.line, Some(column), "must be a whole number"))
        })
        .transpose()
}

fn variant(record: &Record<'_>) -> Result<VariantRow, Vec<RejectedRow>> {
    let line = record.line;
    let mut reasons = Vec::new();
    let stock = whole_number(record, "stock")
        .map_err(|error| reasons.push(error))
        .ok()
        .flatten();
    let weight_grams = whole_number(record, "weight_grams")
        .map_err(|error| reasons.push(error))
        .ok()
        .flatten();
    let mut option_values = Vec::new();
    for pair in record
        .get("options")
        .split(';')
        .filter(|pair| !pair.trim().is_empty())
    {
        match pair.split_once('=') {
            Some((name, value)) => option_values.push((name.to_owned(), value.to_owned())),
            None => reasons.push(reject(
                line,
                Some("options"),
                format!("'{pair}' is not name=value, as in rasa=Pedas;ukuran=250 g"),
            )),
        }
    }
    let input = NewVariant {
        sku: record.get("sku").to_owned(),
        name: record.optional("variant_name").map(str::to_owned),
        option_values,
        price: record.get("price").to_owned(),
        stock: stock.unwrap_or(0),
        weight_grams: weight_grams.unwrap_or(0),
    };
    let mut v = Validator::new();
    let variant = variant_checks::validate(&mut v, &["input"], &input);
    if let Err(AppError::Invalid(errors)) = v.finish() {
        reasons.extend(errors.into_iter().map(|error| {
            let column = variant_column(&error.field);
            reject(line, Some(column), error.message)
        }));
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(VariantRow {
        line,
        variant,
        stock,
        weight_grams,
    })
}

/// The CSV column of a variant rule's error path (`["input", "optionValues", "0", "name"]`).
fn variant_column(path: &[String]) -> &'static str {
    match path.get(1).map(String::as_str) {
        Some("sku") => "sku",
        Some("name") => "variant_name",
        Some("optionValues") => "options",
        Some("price") => "price",
        Some("stock") => "stock",
        Some("weightGrams") => "weight_grams",
        _ => "sku",
    }
}
