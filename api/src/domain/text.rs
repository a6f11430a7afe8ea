use crate::error::{FieldError, FieldErrorCode};

/// Trimmed text that is neither blank nor longer than its limit (counted in characters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(field: &[&str], raw: &str, max_chars: usize) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Blank,
                "can't be blank",
            ));
        }
        if trimmed.chars().count() > max_chars {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooLong,
                format!("is too long (maximum is {max_chars} characters)"),
            ));
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "contains control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Optional text: absent or blank becomes `None`, otherwise it must fit `max_chars`.
pub fn optional_text(
    field: &[&str],
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Ok(None),
        Some(value) => Text::parse(field, value, max_chars).map(|text| Some(text.into_inner())),
    }
}

/// Parses an optional value: absent or blank becomes `None`.
pub fn optional<T>(
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    match raw.filter(|value| !value.trim().is_empty()) {
        None => Ok(None),
        Some(value) => parse(value).map(Some),
    }
}

/// A URL-safe identifier: lowercase letters, digits and single hyphens, 2 to 64 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let slug = raw.trim();
        let well_formed = (2..=64).contains(&slug.len())
            && slug.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Self(slug.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "must be 2-64 lowercase letters, digits and single hyphens, like 'koperasi-medan'",
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password that meets the policy; it is only ever hashed, never stored.
#[derive(Default)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooShort,
                format!("is too short (minimum is {} characters)", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooLong,
                format!("is too long (maximum is {} characters)", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            Text::parse(&["f"], "  Keripik  ", 10).unwrap().as_str(),
            "Keripik"
        );
        assert_eq!(
            Text::parse(&["f"], "   ", 10).unwrap_err().code,
            FieldErrorCode::Blank
        );
        assert_eq!(
            Text::parse(&["f"], "Kopi Gayo Arabika", 10)
                .unwrap_err()
                .code,
            FieldErrorCode::TooLong
        );
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert!(Text::parse(&["f"], "é".repeat(10).as_str(), 10).is_ok());
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert!(Slug::parse(&["slug"], "koperasi-medan").is_ok());
        assert!(Slug::parse(&["slug"], "Koperasi").is_err());
        assert!(Slug::parse(&["slug"], "a--b").is_err());
        assert!(Slug::parse(&["slug"], "-ab").is_err());
        assert!(Slug::parse(&["slug"], "x").is_err());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            Password::parse(&["password"], "pendek").err().unwrap().code,
            FieldErrorCode::TooShort
        );
        assert!(Password::parse(&["password"], "cukup-panjang-sekali").is_ok());
    }
}
