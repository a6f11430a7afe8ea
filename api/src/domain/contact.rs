use crate::error::{FieldError, FieldErrorCode};

/// An Indonesian phone number in E.164 form, `+62…`.
///
/// Accepts what people type: `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `(021) 555 1234`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "is not an Indonesian phone number (e.g. 0812-3456-7890 or +62 21 555 1234)",
            )
        };
        let trimmed = raw.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+')))
        {
            return Err(invalid());
        }
        if trimmed.rfind('+').is_some_and(|position| position > 0) {
            return Err(invalid());
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let national = if let Some(rest) = trimmed.strip_prefix('+') {
            rest.chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .strip_prefix("62")
                .map(str::to_owned)
                .ok_or_else(invalid)?
        } else if let Some(rest) = digits.strip_prefix("62") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_owned()
        } else {
            return Err(invalid());
        };
        // Mobile numbers (8xx) have 9-12 digits after the country code, landlines 7-11.
        let length_ok = match national.as_bytes().first() {
            Some(b'8') => (9..=12).contains(&national.len()),
            Some(b'2'..=b'9') => (7..=11).contains(&national.len()),
            _ => false,
        };
        if !length_ok {
            return Err(invalid());
        }
        Ok(Self(format!("+62{national}")))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Nomor Induk Berusaha: the 13-digit business id issued through OSS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nib(String);

impl Nib {
    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 13 && compact.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(compact))
        } else {
            Err(FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "must be exactly 13 digits",
            ))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An e-mail address, lowercased so that it identifies one login.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &[&str], raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            FieldError::new(
                field,
                FieldErrorCode::Invalid,
                "is not a valid e-mail address",
            )
        };
        if email.len() > 254 {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooLong,
                "is too long (maximum is 254 characters)",
            ));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if domain_ok && local_ok {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
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

    #[test]
    fn local_mobile_numbers_become_e164() {
        assert_eq!(
            Phone::parse(&["phone"], "0812-3456-7890").unwrap().as_str(),
            "+6281234567890"
        );
        assert_eq!(
            Phone::parse(&["phone"], "+62 812 3456 789")
                .unwrap()
                .as_str(),
            "+628123456789"
        );
        assert_eq!(
            Phone::parse(&["phone"], "6281234567890").unwrap().as_str(),
            "+6281234567890"
        );
    }

    #[test]
    fn landlines_with_area_codes_are_accepted() {
        assert_eq!(
            Phone::parse(&["phone"], "(021) 555-1234").unwrap().as_str(),
            "+62215551234"
        );
        assert_eq!(
            Phone::parse(&["phone"], "0274 512345").unwrap().as_str(),
            "+62274512345"
        );
    }

    #[test]
    fn foreign_or_malformed_numbers_are_refused() {
        for raw in [
            "+60 12 345 6789",
            "12345",
            "0812",
            "0812-3456-7890-1234",
            "08123abc567",
            "",
            "+62 +812345678",
        ] {
            assert!(
                Phone::parse(&["phone"], raw).is_err(),
                "{raw} should be refused"
            );
        }
    }

    #[test]
    fn nib_is_thirteen_digits() {
        assert!(Nib::parse(&["nib"], "9120001234567").is_ok());
        assert!(Nib::parse(&["nib"], "912000123456").is_err());
        assert!(Nib::parse(&["nib"], "912000123456X").is_err());
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(&["email"], " Sari@Example.CO.ID ")
                .unwrap()
                .as_str(),
            "sari@example.co.id"
        );
        for raw in [
            "sari",
            "sari@",
            "@example.com",
            "sari@example",
            "sa ri@example.com",
            "sari@-x.com",
        ] {
            assert!(
                Email::parse(&["email"], raw).is_err(),
                "{raw} should be refused"
            );
        }
    }
}
