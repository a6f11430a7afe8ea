//! Validated value types: once built, a value is known to be well-formed.
//!
//! Each parser returns a [`FieldError`] naming what is wrong, so services can collect
//! every problem of an input at once.

mod catalogue;
mod contact;
mod money;
mod onboarding;
mod public_ip;
pub mod signature;
mod text;
mod web;
mod webhook;

pub use catalogue::{OptionValues, Sku};
pub use contact::{Email, Nib, Phone};
pub use money::Money;
pub use onboarding::{OnboardingStage, OnboardingStep};
pub use public_ip::{is_public_ip, special_purpose};
pub use text::{Password, Slug, Text, optional, optional_text};
pub use web::HttpsUrl;
pub use webhook::WebhookUrl;

use crate::error::FieldError;

/// Collects field errors while an input is validated, so the client sees all of them at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records its error and returns a placeholder. Placeholders never
    /// escape: [`Validator::finish`] fails whenever an error was recorded.
    pub fn check<T: Default>(&mut self, result: Result<T, FieldError>) -> T {
        result.unwrap_or_else(|error| {
            self.errors.push(error);
            T::default()
        })
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// `Ok(())` when nothing was wrong.
    pub fn finish(self) -> Result<(), crate::error::AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::error::AppError::Invalid(self.errors))
        }
    }
}
