//! The one error type of the service layer. Its one conversion into GraphQL errors is the
//! transport's (`graphql::errors`).

use std::time::Duration;

use sea_orm::{DbErr, SqlErr};

/// A problem with one input field, returned to the client as a `userErrors` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path to the input field, e.g. `["input", "phone"]`.
    pub field: Vec<String>,
    pub message: String,
    pub code: FieldErrorCode,
}

/// Stable machine-readable codes of `userErrors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrorCode {
    Blank,
    TooLong,
    TooShort,
    Invalid,
    Taken,
    NotFound,
    Conflict,
    TooSmall,
    TooBig,
    InvalidCredentials,
    /// A stock adjustment would take a variant's stock below zero.
    InsufficientStock,
}

impl FieldError {
    pub fn new(field: &[&str], code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|part| (*part).to_owned()).collect(),
            message: message.into(),
            code,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("the session is not valid: {0}")]
    InvalidToken(&'static str),
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input: becomes `userErrors` in a mutation payload, `BAD_USER_INPUT` elsewhere.
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// The input clashes with stored data (a duplicate, a stale version).
    #[error("conflict: {}", .0.message)]
    Conflict(FieldError),
    #[error("too many attempts, retry in {} seconds", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    /// A cap on open subscriptions or subscription sockets.
    #[error("at most {limit} {what} are allowed")]
    SubscriptionLimit { limit: usize, what: &'static str },
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("cache error")]
    Cache(#[from] redis::RedisError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The cache did not answer within its budget.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Cache(err) if err.is_timeout())
    }
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field.join("."), error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    pub fn invalid(field: &[&str], code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The stable `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::InvalidToken(_) => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Invalid(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::SubscriptionLimit { .. } => "SUBSCRIPTION_LIMIT",
            Self::Db(_) | Self::Cache(_) | Self::Internal(_) => "INTERNAL",
        }
    }

    /// Expected failures of a mutation, shown as `userErrors` rather than as GraphQL errors.
    pub fn into_field_errors(self) -> Result<Vec<FieldError>, AppError> {
        match self {
            Self::Invalid(errors) => Ok(errors),
            Self::Conflict(error) => Ok(vec![error]),
            other => Err(other),
        }
    }

    /// Maps a unique-key or check-constraint violation to a field error; other errors pass.
    ///
    /// `constraints` pairs a constraint with the error it means. PostgreSQL names the
    /// constraint in its message; SQLite names the columns, so both are matched.
    pub fn on_constraint(self, constraints: &[(Constraint, FieldError)]) -> Self {
        let Self::Db(db_err) = &self else {
            return self;
        };
        let message = match db_err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(message))
            | Some(SqlErr::ForeignKeyConstraintViolation(message)) => message,
            _ => db_err.to_string(),
        };
        for (constraint, error) in constraints {
            if constraint.matches(&message) {
                return match error.code {
                    FieldErrorCode::Taken | FieldErrorCode::Conflict => {
                        Self::Conflict(error.clone())
                    }
                    _ => Self::Invalid(vec![error.clone()]),
                };
            }
        }
        self
    }
}

/// A database constraint as each backend reports it.
#[derive(Clone, Copy, Debug)]
pub struct Constraint {
    /// The constraint's name (PostgreSQL, and SQLite CHECK constraints).
    pub name: &'static str,
    /// SQLite's `table.column, table.column` text for a unique index.
    pub sqlite_columns: &'static str,
}

impl Constraint {
    fn matches(&self, message: &str) -> bool {
        message.contains(&format!("\"{}\"", self.name))
            || message.contains(&format!("constraint failed: {}", self.name))
            || (!self.sqlite_columns.is_empty()
                && message.contains(&format!(
                    "UNIQUE constraint failed: {}",
                    self.sqlite_columns
                )))
    }
}

tokio::task_local! {
    /// The id of the HTTP request being served, quoted in internal errors and logs.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "none".to_owned())
}

/// The whole cause chain of an error on one line, for the log.
pub fn anyhow_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_unique_violation_matches_by_name() {
        let constraint = Constraint {
            name: "sellers_aggregator_phone_key",
            sqlite_columns: "sellers.aggregator_id, sellers.phone",
        };
        assert!(constraint.matches(
            "duplicate key value violates unique constraint \"sellers_aggregator_phone_key\""
        ));
        assert!(
            constraint.matches("UNIQUE constraint failed: sellers.aggregator_id, sellers.phone")
        );
        assert!(
            !constraint.matches("UNIQUE constraint failed: sellers.aggregator_id, sellers.nib")
        );
    }
}
