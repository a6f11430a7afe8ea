//! A partner's webhook URL: http(s), with a host that is not loopback, private or link-local
//! unless private addresses are allowed (development, tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

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
            Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
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
                "must be a public address (loopback and private networks are refused)",
            ));
        }
        Ok(Self(url.into()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Loopback, private, link-local, carrier-grade NAT and unspecified addresses.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_private_v4(ip),
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.to_ipv4_mapped().is_some_and(is_private_v4)
                // fc00::/7 unique local, fe80::/10 link-local
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip == Ipv6Addr::UNSPECIFIED
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || a == 0
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
        assert!(!refused("http://203.0.113.10:8080/hook"));
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
