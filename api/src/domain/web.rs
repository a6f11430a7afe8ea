use url::Url;

use crate::error::{FieldError, FieldErrorCode};

/// An absolute `https://` URL with a host, at most [`HttpsUrl::MAX_CHARS`] long once normalised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpsUrl(String);

impl HttpsUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Blank,
                "can't be blank",
            ));
        }
        let too_long = || {
            FieldError::new(
                field,
                FieldErrorCode::TooLong,
                format!("is too long (maximum is {} characters)", Self::MAX_CHARS),
            )
        };
        if trimmed.len() > Self::MAX_CHARS {
            return Err(too_long());
        }
        let url = Url::parse(trimmed)
            .map_err(|_| FieldError::new(field, FieldErrorCode::Invalid, "is not a valid URL"))?;
        if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "must be an https:// URL with a host",
            ));
        }
        let normalised = String::from(url);
        if normalised.len() > Self::MAX_CHARS {
            return Err(too_long());
        }
        Ok(Self(normalised))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> FieldErrorCode {
        HttpsUrl::parse(&["url"], raw).unwrap_err().code
    }

    #[test]
    fn https_urls_are_accepted_and_normalised() {
        let url = HttpsUrl::parse(&["url"], " HTTPS://CDN.Example.com/a b.jpg ").unwrap();
        assert_eq!(url.as_str(), "https://cdn.example.com/a%20b.jpg");
    }

    #[test]
    fn other_schemes_and_hostless_urls_are_refused() {
        for raw in [
            "http://cdn.example.com/a.jpg",
            "ftp://cdn.example.com/a.jpg",
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert_eq!(code(raw), FieldErrorCode::Invalid, "{raw}");
        }
        assert_eq!(code("cdn.example.com/a.jpg"), FieldErrorCode::Invalid);
        assert_eq!(code(""), FieldErrorCode::Blank);
    }

    #[test]
    fn urls_longer_than_the_column_are_refused() {
        let long = format!("https://cdn.example.com/{}", "a".repeat(2048));
        assert_eq!(code(&long), FieldErrorCode::TooLong);
    }
}
