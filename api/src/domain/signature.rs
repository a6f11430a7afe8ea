//! The webhook signature: HMAC-SHA256 over `"{timestamp}.{body}"` with the channel's secret,
//! sent as `X-Dermaga-Signature: t={timestamp},v1={hex}` (see `docs/partners.md`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::service::channels::hex;

/// The hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// The `X-Dermaga-Signature` header value.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
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
}
