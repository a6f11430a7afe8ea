//! A partner's webhook URL: http(s), with a public host unless private addresses are allowed
//! (development, tests). An address must be public ([`is_public_ip`]); a name must not be one
//! that only resolves inside a network. Names are resolved at delivery, by a resolver that
//! connects to public addresses only (`worker::dns`).

use std::net::IpAddr;

use url::{Host, Url};

use super::is_public_ip;
use crate::error::{FieldError, FieldErrorCode};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(field: &[&str], raw: &str, allow_private: bool) -> Result<Self, FieldError> {
        let invalid = |message: &str| FieldError::new(field, FieldErrorCode::Invalid, message);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                field,
                FieldErrorCode::Blank,
                "can't be blank",
            ));
        }
        if trimmed.len() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                FieldErrorCode::TooLong,
                format!("is too long (maximum is {} characters)", Self::MAX_CHARS),
            ));
        }
        let url = Url::parse(trimmed).map_err(|_| invalid("is not a valid URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("must be an http:// or https:// URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not carry credentials"));
        }
        let private = match url.host() {
            None => return Err(invalid("must have a host")),
            Some(Host::Ipv4(ip)) => !is_public_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => !is_public_ip(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost"
                    || name.ends_with(".localhost")
                    || name.ends_with(".local")
                    || name.ends_with(".internal")
                    || !name.contains('.')
            }
        };
        if private && !allow_private {
            return Err(invalid(
                "must be a public address (loopback, private and other special-purpose networks are refused)",
            ));
        }
        Ok(Self(url.into()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(raw: &str) -> bool {
        WebhookUrl::parse(&["url"], raw, false).is_err()
    }

    #[test]
    fn public_http_and_https_urls_are_accepted() {
        assert!(!refused("https://partner.example.com/hooks/dermaga"));
        assert!(!refused("http://36.86.63.182:8080/hook"));
        assert!(!refused("https://[2606:4700:4700::1111]/hook"));
    }

    #[test]
    fn other_schemes_and_private_hosts_are_refused() {
        for raw in [
            "ftp://partner.example.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::7f00:1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a9fe:a9fe::]/",
            "http://[fec0::1]/",
            "http://198.18.0.1/",
            "http://240.0.0.1/",
            "http://224.0.0.1/",
            "http://203.0.113.10:8080/hook",
            // Numeric host forms that URL parsing turns into 127.0.0.1.
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://127.1/",
            "http://user:pw@partner.example.com/",
            "",
        ] {
            assert!(refused(raw), "{raw}");
        }
    }

    #[test]
    fn private_hosts_pass_when_allowed() {
        assert!(WebhookUrl::parse(&["url"], "http://127.0.0.1:9000/", true).is_ok());
    }
}
