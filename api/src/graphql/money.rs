//! Money as the schema shows it: a decimal string and its currency.

use async_graphql::{Enum, SimpleObject};

/// ISO 4217 currency codes in use.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CurrencyCode {
    /// Indonesian rupiah.
    Idr,
}

/// An amount of money.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// A decimal string of whole rupiah, e.g. `"15000"`.
    pub amount: String,
    pub currency: CurrencyCode,
}

impl Money {
    pub fn rupiah(amount: i64) -> Self {
        Self {
            amount: amount.to_string(),
            currency: CurrencyCode::Idr,
        }
    }
}
