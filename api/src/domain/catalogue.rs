use serde_json::{Map, Value};

use super::Text;
use crate::error::{FieldError, FieldErrorCode};

/// A stock-keeping unit: 1 to 64 of `A-Z a-z 0-9 - _ .`, unique within an aggregator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let sku = raw.trim();
        if sku.is_empty() {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Blank,
                "can't be blank",
            ));
        }
        if sku.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooLong,
                format!("is too long (maximum is {} characters)", Self::MAX_CHARS),
            ));
        }
        if !sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "may hold only letters, digits, '-', '_' and '.', like 'KRP-SINGKONG-250'",
            ));
        }
        Ok(Self(sku.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The options that tell a variant apart (`rasa: pedas`, `ukuran: 250 g`), stored as a JSON
/// object. At most [`OptionValues::MAX_OPTIONS`], each name and value trimmed, non-blank and at
/// most [`OptionValues::MAX_CHARS`] long; names are unique within a variant, ignoring case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionValues(Vec<(String, String)>);

impl OptionValues {
    pub const MAX_OPTIONS: usize = 5;
    pub const MAX_CHARS: usize = 50;

    /// Parses `(name, value)` pairs; errors name the pair, e.g. `["input", "optionValues", "1", "name"]`.
    pub fn parse(field: &[&str], pairs: &[(&str, &str)]) -> Result<Self, FieldError> {
        if pairs.len() > Self::MAX_OPTIONS {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooBig,
                format!("may hold at most {} options", Self::MAX_OPTIONS),
            ));
        }
        let mut options: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (index, (name, value)) in pairs.iter().enumerate() {
            let index = index.to_string();
            let path = |part: &'static str| {
                let mut path = field.to_vec();
                path.extend([index.as_str(), part]);
                path
            };
            let name = Text::parse(&path("name"), name, Self::MAX_CHARS)?.into_inner();
            let value = Text::parse(&path("value"), value, Self::MAX_CHARS)?.into_inner();
            if options
                .iter()
                .any(|(seen, _)| seen.to_lowercase() == name.to_lowercase())
            {
                return Err(FieldError::new(
                    &path("name"),
                    FieldErrorCode::Taken,
                    format!("'{name}' appears twice; each option name may appear once"),
                ));
            }
            options.push((name, value));
        }
        Ok(Self(options))
    }

    /// Reads a stored JSON object back; anything else reads as no options.
    pub fn from_json(json: &Value) -> Self {
        let pairs = json
            .as_object()
            .map(|object| {
                object
                    .iter()
                    .map(|(name, value)| {
                        let value = match value {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        (name.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self(pairs)
    }

    pub fn to_json(&self) -> Value {
        let object: Map<String, Value> = self
            .0
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        Value::Object(object)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// A variant name made of the values, `pedas / 250 g`, for variants given none.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku_code(raw: &str) -> FieldErrorCode {
        Sku::parse(&["sku"], raw).unwrap_err().code
    }

    #[test]
    fn skus_are_trimmed_and_limited_to_a_safe_alphabet() {
        assert_eq!(
            Sku::parse(&["sku"], "  KRP-Singkong_250.g ")
                .unwrap()
                .as_str(),
            "KRP-Singkong_250.g"
        );
        assert_eq!(sku_code("   "), FieldErrorCode::Blank);
        assert_eq!(sku_code(&"A".repeat(65)), FieldErrorCode::TooLong);
        assert!(Sku::parse(&["sku"], &"A".repeat(64)).is_ok());
        for raw in ["KRP 250", "KRP/250", "kérupuk", "SKU#1"] {
            assert_eq!(sku_code(raw), FieldErrorCode::Invalid, "{raw}");
        }
    }

    #[test]
    fn option_values_round_trip_through_json() {
        let options =
            OptionValues::parse(&["o"], &[(" rasa ", " pedas "), ("ukuran", "250 g")]).unwrap();
        assert_eq!(
            options.to_json(),
            serde_json::json!({"rasa": "pedas", "ukuran": "250 g"})
        );
        assert_eq!(OptionValues::from_json(&options.to_json()).pairs().len(), 2);
    }

    #[test]
    fn option_names_are_unique_ignoring_case() {
        let error =
            OptionValues::parse(&["o"], &[("Rasa", "pedas"), ("rasa", "manis")]).unwrap_err();
        assert_eq!(error.code, FieldErrorCode::Taken);
        assert_eq!(error.field, ["o", "1", "name"]);
    }

    #[test]
    fn blank_long_or_too_many_options_are_refused() {
        let blank = OptionValues::parse(&["o"], &[("rasa", "  ")]).unwrap_err();
        assert_eq!(
            (blank.code, blank.field),
            (
                FieldErrorCode::Blank,
                vec!["o".into(), "0".into(), "value".into()]
            )
        );
        let long = "x".repeat(51);
        assert_eq!(
            OptionValues::parse(&["o"], &[(long.as_str(), "a")])
                .unwrap_err()
                .code,
            FieldErrorCode::TooLong
        );
        let six = [
            ("a", "1"),
            ("b", "1"),
            ("c", "1"),
            ("d", "1"),
            ("e", "1"),
            ("f", "1"),
        ];
        assert_eq!(
            OptionValues::parse(&["o"], &six).unwrap_err().code,
            FieldErrorCode::TooBig
        );
    }
}
