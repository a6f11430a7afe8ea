//! The one conversion of service errors into GraphQL errors, and the codes of `userErrors`.

use async_graphql::{Enum, ErrorExtensions};

use crate::error::{AppError, anyhow_chain, current_request_id};

/// Stable machine-readable codes of `userErrors`.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "FieldErrorCode", remote = "crate::error::FieldErrorCode")]
pub enum UserErrorCode {
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

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        let code = error.code();
        let request_id = current_request_id();
        let message = match &error {
            AppError::Db(_) | AppError::Cache(_) | AppError::Internal(_) => {
                tracing::error!(request_id, error = ?anyhow_chain(&error), "internal error");
                format!("internal error (request id {request_id})")
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &error {
                AppError::RateLimited { retry_after } => {
                    ext.set("retryAfter", retry_after.as_secs().max(1));
                }
                AppError::Invalid(errors) => {
                    ext.set(
                        "fields",
                        errors
                            .iter()
                            .map(|error| error.field.join("."))
                            .collect::<Vec<_>>(),
                    );
                }
                AppError::Db(_) | AppError::Cache(_) | AppError::Internal(_) => {
                    ext.set("requestId", request_id.clone());
                }
                _ => {}
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error: async_graphql::Error =
            AppError::Internal(anyhow::anyhow!("connection to /var/run/db failed")).into();
        assert!(!error.message.contains("/var/run"));
        assert!(error.message.starts_with("internal error"));
    }
}
