//! The webhook signature: HMAC-SHA256 over `"{timestamp}.{body}"` with the channel's secret,
//! sent as `X-Dermaga-Signature: t={timestamp},v1={hex}` (see `docs/partners.md`). Dermaga
//! signs what it sends with it, and partners sign the orders they send in the same way.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signed request's timestamp may be from this server's clock, either way.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex(&mac(secret, timestamp, body).finalize().into_bytes())
}

/// The `X-Dermaga-Signature` header value.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Why a signed request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `X-Dermaga-Signature`, or not of the form `t=…,v1=…`.
    Malformed,
    /// `t=` differs from `X-Dermaga-Timestamp`, or is more than the tolerance from `now`.
    Stale,
    /// The HMAC does not match.
    Mismatch,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Malformed => "X-Dermaga-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>",
            Self::Stale => "the signature's timestamp is more than 5 minutes from our clock",
            Self::Mismatch => "the signature does not match the body and the channel's secret",
        }
    }
}

/// A verified signature: its timestamp and its hex HMAC (what a replay guard remembers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub timestamp: i64,
    pub signature: String,
}

/// Checks an `X-Dermaga-Signature` header (and `X-Dermaga-Timestamp`, when sent) against the
/// raw body, in constant time.
pub fn verify(
    secret: &str,
    header: &str,
    timestamp_header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<Verified, Refusal> {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) if value.len() == 64 => given = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let (Some(timestamp), Some(given)) = (timestamp, given) else {
        return Err(Refusal::Malformed);
    };
    let decoded: Option<Vec<u8>> = (0..given.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&given[at..at + 2], 16).ok())
        .collect();
    let Some(decoded) = decoded else {
        return Err(Refusal::Malformed);
    };
    if timestamp_header.is_some_and(|sent| sent.trim() != timestamp.to_string())
        || (now - timestamp).abs() > TOLERANCE_SECONDS
    {
        return Err(Refusal::Stale);
    }
    mac(secret, timestamp, body)
        .verify_slice(&decoded)
        .map_err(|_| Refusal::Mismatch)?;
    Ok(Verified {
        timestamp,
        signature: given,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_holds() {
        // The worked example of docs/partners.md.
        let body = br#"{"event":"listing.upsert","listingId":"gid://dermaga/ChannelListing/12","productVersion":3,"schemaVersion":1}"#;
        assert_eq!(
            header("whsec_example", 1_795_449_600, body),
            "t=1795449600,v1=b83bfa2a2b135196b3fdc6b1166e08fd168c1056d203346465b18577cef86946"
        );
        assert_ne!(
            sign("whsec_other", 1_795_449_600, body),
            sign("whsec_example", 1_795_449_600, body)
        );
    }

    #[test]
    fn the_documented_order_example_verifies() {
        // The worked example of docs/partners.md, "Sending orders".
        let body = br#"{"event":"order.created","aggregator":"kopkar-jatim","order":{"externalId":"TM-1001","placedAt":"2026-12-02T08:00:00Z","lines":[{"sku":"KTS-250","quantity":2,"unitPrice":{"amount":"15000","currency":"IDR"}}]}}"#;
        let header =
            "t=1795449600,v1=882dd178bd6291cdadd979586f6b22a6fd59512d47c36576e0bfb3104c356698";
        assert_eq!(self::header("whsec_example", 1_795_449_600, body), header);
        assert!(
            verify(
                "whsec_example",
                header,
                Some("1795449600"),
                body,
                1_795_449_700
            )
            .is_ok()
        );
    }

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_a_fresh_timestamp() {
        let body = br#"{"event":"order.created"}"#;
        let at = 1_795_449_600;
        let signed = header("whsec_example", at, body);
        let verified = verify("whsec_example", &signed, Some("1795449600"), body, at + 10).unwrap();
        assert_eq!(verified.timestamp, at);
        assert_eq!(verified.signature, sign("whsec_example", at, body));

        let refused = |secret: &str, header: &str, sent: Option<&str>, body: &[u8], now: i64| {
            verify(secret, header, sent, body, now).unwrap_err()
        };
        assert_eq!(
            refused("whsec_other", &signed, None, body, at),
            Refusal::Mismatch
        );
        assert_eq!(
            refused("whsec_example", &signed, None, b"{}", at),
            Refusal::Mismatch
        );
        assert_eq!(
            refused(
                "whsec_example",
                &signed,
                None,
                body,
                at + TOLERANCE_SECONDS + 1
            ),
            Refusal::Stale
        );
        assert_eq!(
            refused("whsec_example", &signed, Some("1795449601"), body, at),
            Refusal::Stale
        );
        for malformed in [
            "",
            "v1=abc",
            "t=1795449600",
            "t=x,v1=00",
            &format!("t={at},v1={}", "zz".repeat(32)),
        ] {
            assert_eq!(
                refused("whsec_example", malformed, None, body, at),
                Refusal::Malformed,
                "{malformed}"
            );
        }
    }
}
