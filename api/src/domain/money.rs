use crate::error::{FieldError, FieldErrorCode};

/// A price in whole rupiah: positive and at most [`Money::MAX_RUPIAH`].
///
/// Typed as a decimal string (`"15000"`, or `"15000.00"`): no thousand separators, because
/// `15.000` means fifteen thousand in Indonesia and fifteen elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(i64);

impl Money {
    /// The sane ceiling of one price: one billion rupiah.
    pub const MAX_RUPIAH: i64 = 1_000_000_000;

    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Blank,
                "can't be blank",
            ));
        }
        if trimmed.starts_with('-') {
            return Err(too_small(field));
        }
        let digits = trimmed.strip_suffix(".00").unwrap_or(trimmed);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "must be whole rupiah written as digits, e.g. 15000 (no separators, no cents)",
            ));
        }
        let significant = digits.trim_start_matches('0');
        if significant.is_empty() {
            return Err(too_small(field));
        }
        // More than ten significant digits is past the ceiling; checking first avoids overflow.
        match significant.parse::<i64>() {
            Ok(rupiah) if significant.len() <= 10 && rupiah <= Self::MAX_RUPIAH => Ok(Self(rupiah)),
            _ => Err(FieldError::new(
                field,
                FieldErrorCode::TooBig,
                format!("must be at most {} rupiah", Self::MAX_RUPIAH),
            )),
        }
    }

    /// A stored amount, already known to be valid.
    pub fn from_rupiah(rupiah: i64) -> Self {
        Self(rupiah)
    }

    pub fn rupiah(self) -> i64 {
        self.0
    }
}

fn too_small(field: &[&str]) -> FieldError {
    FieldError::new(field, FieldErrorCode::TooSmall, "must be greater than 0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> FieldErrorCode {
        Money::parse(&["price"], raw).unwrap_err().code
    }

    #[test]
    fn whole_rupiah_are_accepted_with_or_without_zero_cents() {
        assert_eq!(Money::parse(&["price"], "15000").unwrap().rupiah(), 15_000);
        assert_eq!(
            Money::parse(&["price"], " 15000.00 ").unwrap().rupiah(),
            15_000
        );
        assert_eq!(
            Money::parse(&["price"], "1000000000").unwrap().rupiah(),
            1_000_000_000
        );
    }

    #[test]
    fn zero_and_negative_prices_are_too_small() {
        assert_eq!(code("0"), FieldErrorCode::TooSmall);
        assert_eq!(code("0.00"), FieldErrorCode::TooSmall);
        assert_eq!(code("-5000"), FieldErrorCode::TooSmall);
    }

    #[test]
    fn prices_above_the_ceiling_are_too_big() {
        assert_eq!(code("1000000001"), FieldErrorCode::TooBig);
        assert_eq!(code("99999999999999999999999"), FieldErrorCode::TooBig);
    }

    #[test]
    fn fractions_separators_and_words_are_invalid() {
        for raw in [
            "15000.50", "15.000", "15,000", "1e5", "Rp15000", "+15000", ".00", "15000.0",
        ] {
            assert_eq!(code(raw), FieldErrorCode::Invalid, "{raw}");
        }
        assert_eq!(code("  "), FieldErrorCode::Blank);
    }
}
