//! Mutation payloads: expected failures are data (`userErrors`), not exceptions.

use async_graphql::SimpleObject;

use super::errors::UserErrorCode;
use crate::error::{AppResult, FieldError};

/// A problem with the input of a mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// The path to the input field, e.g. `["input", "phone"]`.
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(error: FieldError) -> Self {
        Self {
            field: (!error.field.is_empty()).then_some(error.field),
            message: error.message,
            code: error.code.into(),
        }
    }
}

/// Turns a service result into a payload: validation and conflicts become `userErrors`,
/// everything else stays an error with its `extensions.code`.
pub fn into_payload<T, P>(
    result: AppResult<T>,
    build: impl FnOnce(Option<T>, Vec<UserError>) -> P,
) -> async_graphql::Result<P> {
    match result {
        Ok(value) => Ok(build(Some(value), Vec::new())),
        Err(error) => match error.into_field_errors() {
            Ok(errors) => Ok(build(
                None,
                errors.into_iter().map(UserError::from).collect(),
            )),
            Err(error) => Err(error.into()),
        },
    }
}
