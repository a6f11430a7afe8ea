//! One HTTP delivery: sign, POST, read at most a capped answer, and classify the outcome.

use std::time::{Duration, Instant};

use entity::{channels, outbox_jobs};
use futures_util::StreamExt;
use reqwest::{StatusCode, header};

use crate::domain::signature;

/// What a delivery attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the partner has the listing (its id for it, when it said).
    Delivered {
        status: Option<u16>,
        external_id: Option<String>,
    },
    /// 4xx other than 408 and 429: the partner refuses it; retrying would not help.
    Rejected { status: u16, message: String },
    /// 408, 429, 5xx, a timeout, a refused or dropped connection: try again later.
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
}

/// The `Idempotency-Key` of a job's delivery: the same for every attempt of one job and
/// product version, different for any other.
pub fn idempotency_key(job: &outbox_jobs::Model) -> String {
    format!(
        "dermaga-{}-{}-v{}",
        job.listing_id, job.id, job.product_version
    )
}

/// How a delivery may connect.
#[derive(Clone, Copy, Debug)]
pub struct Reach {
    /// Only to public addresses (`ALLOW_PRIVATE_WEBHOOKS` off).
    pub public_only: bool,
    pub max_response_bytes: usize,
}

/// POSTs a job to its channel; returns the outcome and how long it took.
pub async fn deliver(
    client: &reqwest::Client,
    channel: &channels::Model,
    job: &outbox_jobs::Model,
    reach: Reach,
) -> (Outcome, Duration) {
    let started = Instant::now();
    let outcome = attempt(client, channel, job, reach).await;
    (outcome, started.elapsed())
}

async fn attempt(
    client: &reqwest::Client,
    channel: &channels::Model,
    job: &outbox_jobs::Model,
    reach: Reach,
) -> Outcome {
    let Some(url) = &channel.webhook_url else {
        // A pull-feed channel: the listing is in the feed as soon as it is LIVE.
        return Outcome::Delivered {
            status: None,
            external_id: None,
        };
    };
    if reach.public_only
        && let Some(purpose) = special_literal(url)
    {
        return Outcome::Rejected {
            status: 0,
            message: format!("the webhook's address is not public ({purpose})"),
        };
    }
    let body = match serde_json::to_vec(&job.payload) {
        Ok(body) => body,
        Err(err) => {
            return Outcome::Rejected {
                status: 0,
                message: format!("cannot encode the payload: {err}"),
            };
        }
    };
    let timestamp = chrono::Utc::now().timestamp();
    let response = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-Dermaga-Event", &job.event_type)
        .header("X-Dermaga-Timestamp", timestamp.to_string())
        .header(
            "X-Dermaga-Signature",
            signature::header(&channel.signing_secret, timestamp, &body),
        )
        .header("Idempotency-Key", idempotency_key(job))
        .body(body)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(err) => {
            return Outcome::Retry {
                status: None,
                // A webhook address may carry the partner's token in its query: not repeated
                // in `lastError` or the log.
                error: describe(&err.without_url()),
                retry_after: None,
            };
        }
    };
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = match read_capped(response, reach.max_response_bytes).await {
        Ok(body) => body,
        Err(err) if status.is_success() => {
            // The partner said yes before the answer broke off; its status is what counts.
            tracing::debug!(error = %err, "partner's answer broke off after a 2xx");
            Vec::new()
        }
        Err(err) => {
            return Outcome::Retry {
                status: Some(status.as_u16()),
                error: format!("HTTP {}: the answer broke off: {err}", status.as_u16()),
                retry_after,
            };
        }
    };
    classify(status, &body, retry_after)
}

/// The special purpose of the URL's host when it is an IP address. reqwest connects to an
/// address without asking the resolver, which checks names only; a URL that does not parse
/// here fails in reqwest as well.
fn special_literal(url: &str) -> Option<&'static str> {
    let ip = match url::Url::parse(url).ok()?.host()? {
        url::Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
        url::Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    crate::domain::special_purpose(ip)
}

fn classify(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> Outcome {
    let code = status.as_u16();
    if status.is_success() {
        return Outcome::Delivered {
            status: Some(code),
            external_id: external_id(body),
        };
    }
    let message = format!("HTTP {code}: {}", excerpt(body));
    if !retryable(status) {
        Outcome::Rejected {
            status: code,
            message,
        }
    } else {
        Outcome::Retry {
            status: Some(code),
            error: message,
            retry_after,
        }
    }
}

/// Whether a partner's non-2xx answer may change on another attempt: 408, 429 and 5xx.
pub(super) fn retryable(status: StatusCode) -> bool {
    let code = status.as_u16();
    !status.is_client_error() || code == 408 || code == 429
}

/// The partner's id for the listing: `externalId` or `id` of a JSON answer.
fn external_id(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = value.get("externalId").or_else(|| value.get("id"))?;
    let id = match id {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 200).then_some(id)
}

/// At most 500 characters of the answer, for `lastError`.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(no message)".to_owned();
    }
    let mut excerpt: String = text.chars().take(500).collect();
    if excerpt.len() < text.len() {
        excerpt.push('…');
    }
    excerpt
}

/// `Retry-After` in seconds (an HTTP date reads as absent).
pub(super) fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// Reads the answer up to `limit` bytes and stops there: a 50 MB answer costs 64 KiB.
pub(super) async fn read_capped(
    response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| describe(&err.without_url()))?;
        let room = limit.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    Ok(body)
}

fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "the partner did not answer in time".to_owned()
    } else if err.is_connect() {
        format!("cannot connect to the partner: {err}")
    } else {
        format!("the connection failed: {err}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        let ok = classify(StatusCode::OK, br#"{"externalId":"TK-1"}"#, None);
        assert_eq!(
            ok,
            Outcome::Delivered {
                status: Some(200),
                external_id: Some("TK-1".into())
            }
        );
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, b"bad", None),
            Outcome::Rejected { status: 400, .. }
        ));
        for status in [408, 429, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(matches!(classify(status, b"", None), Outcome::Retry { .. }));
        }
    }

    #[tokio::test]
    async fn a_failed_connection_does_not_repeat_the_webhook_address() {
        let err = reqwest::Client::new()
            .post("http://127.0.0.1:1/hooks?token=partner-secret-token")
            .send()
            .await
            .unwrap_err();
        let described = describe(&err.without_url());
        assert!(described.starts_with("cannot connect"), "{described}");
        assert!(!described.contains("partner-secret-token"), "{described}");
    }

    #[test]
    fn address_literals_are_checked_and_names_left_to_the_resolver() {
        assert_eq!(special_literal("http://127.0.0.1:9000/h"), Some("loopback"));
        assert_eq!(
            special_literal("https://[64:ff9b::a9fe:a9fe]/h"),
            Some("IPv4/IPv6 translation (NAT64)")
        );
        assert_eq!(special_literal("http://2130706433/"), Some("loopback"));
        assert_eq!(special_literal("https://8.8.8.8/h"), None);
        assert_eq!(special_literal("https://localhost/h"), None);
    }

    #[test]
    fn garbage_answers_give_no_external_id() {
        assert_eq!(external_id(b"\x00\xffnot json"), None);
        assert_eq!(external_id(br#"{"id": 42}"#), Some("42".into()));
    }
}
