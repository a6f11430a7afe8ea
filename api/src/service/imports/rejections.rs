//! The rejections of an import's rows, as a job lists them.

use entity::import_jobs;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One problem of one row, as listed on the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// The line in the file, counted from 1 (the header).
    pub line: u64,
    /// The CSV column at fault, when one is.
    pub field: Option<String>,
    pub message: String,
}

/// The rejected rows a job lists (the counts always cover every row).
pub fn rejected_rows(job: &import_jobs::Model) -> Vec<RejectedRow> {
    serde_json::from_value(job.rejected_rows.clone()).unwrap_or_default()
}

/// A validation error of the single-record rules, as rejections naming the CSV columns
/// (`["input", "businessName"]` becomes `business_name`).
pub(super) fn field_rejections(line: u64, error: AppError) -> Vec<RejectedRow> {
    match error {
        AppError::Invalid(errors) => errors
            .into_iter()
            .map(|error| RejectedRow {
                line,
                field: error.field.last().map(|name| snake_case(name)),
                message: error.message,
            })
            .collect(),
        other => vec![RejectedRow {
            line,
            field: None,
            message: other.to_string(),
        }],
    }
}

fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            snake.push('_');
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}
