//! The order event a partner channel sends (`docs/partners.md`, "Orders"): parsed and checked
//! whole before anything is read or written, so a bad document costs little and every problem
//! is named at once.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{AppError, FieldError, FieldErrorCode};

/// The most lines one order may carry.
pub const MAX_LINES: usize = 100;
/// The most units of one line.
pub const MAX_QUANTITY: i32 = 10_000;
/// The largest amount in rupiah a partner may state (a trillion: no micro seller's order).
const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// What happened to the order on the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Paid,
    Cancelled,
    Returned,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "order.created",
            Self::Paid => "order.paid",
            Self::Cancelled => "order.cancelled",
            Self::Returned => "order.returned",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Self::Created, Self::Paid, Self::Cancelled, Self::Returned]
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

/// A checked order event.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderEvent {
    pub kind: EventKind,
    pub aggregator_slug: String,
    pub external_id: String,
    pub placed_at: DateTime<Utc>,
    /// When the event happened on the channel (paid, cancelled, returned); `placed_at` for
    /// `order.created`.
    pub occurred_at: DateTime<Utc>,
    pub buyer_city: Option<String>,
    /// Whole rupiah; the lines' sum when the partner leaves it out.
    pub total: i64,
    pub lines: Vec<Line>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub sku: String,
    pub quantity: i32,
    pub unit_price: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawEvent {
    event: String,
    aggregator: String,
    order: RawOrder,
    occurred_at: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOrder {
    external_id: String,
    placed_at: String,
    buyer_city: Option<String>,
    total: Option<RawMoney>,
    lines: Vec<RawLine>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLine {
    sku: String,
    quantity: i64,
    unit_price: RawMoney,
}

#[derive(Deserialize)]
struct RawMoney {
    amount: String,
    currency: String,
}

/// Parses and checks a partner's order event. A body that is not the documented JSON is one
/// error naming where it broke; a document of the right shape with bad values names each.
pub fn parse(body: &[u8]) -> Result<OrderEvent, AppError> {
    let raw: RawEvent = serde_json::from_slice(body).map_err(|err| {
        AppError::Invalid(vec![FieldError::new(
            &["body"],
            FieldErrorCode::Invalid,
            format!("not an order event document: {err}"),
        )])
    })?;
    let mut errors = Vec::new();
    let mut fail = |field: &[&str], message: String| {
        errors.push(FieldError::new(field, FieldErrorCode::Invalid, message));
    };

    let kind = EventKind::parse(&raw.event);
    if kind.is_none() {
        fail(
            &["event"],
            "must be order.created, order.paid, order.cancelled or order.returned".to_owned(),
        );
    }
    let aggregator_slug = raw.aggregator.trim().to_owned();
    if aggregator_slug.is_empty() || aggregator_slug.len() > 100 {
        fail(&["aggregator"], "must be the aggregator's slug".to_owned());
    }
    let order = raw.order;
    let external_id = order.external_id.trim().to_owned();
    if external_id.is_empty()
        || external_id.chars().count() > 128
        || external_id.chars().any(char::is_control)
    {
        fail(
            &["order", "externalId"],
            "must be 1 to 128 characters without control characters".to_owned(),
        );
    }
    let placed_at = timestamp(&order.placed_at);
    if placed_at.is_none() {
        fail(
            &["order", "placedAt"],
            "must be an RFC 3339 time".to_owned(),
        );
    }
    let occurred_at = match raw.occurred_at.as_deref() {
        None => Some(Utc::now()),
        Some(text) => {
            let parsed = timestamp(text);
            if parsed.is_none() {
                fail(&["occurredAt"], "must be an RFC 3339 time".to_owned());
            }
            parsed
        }
    };
    let buyer_city = order
        .buyer_city
        .map(|city| city.trim().to_owned())
        .filter(|city| !city.is_empty());
    if buyer_city
        .as_ref()
        .is_some_and(|city| city.chars().count() > 100)
    {
        fail(
            &["order", "buyerCity"],
            "must be at most 100 characters".to_owned(),
        );
    }
    let reason = order
        .reason
        .map(|reason| reason.trim().to_owned())
        .filter(|reason| !reason.is_empty());
    if reason
        .as_ref()
        .is_some_and(|reason| reason.chars().count() > 500)
    {
        fail(
            &["order", "reason"],
            "must be at most 500 characters".to_owned(),
        );
    }
    if order.lines.is_empty() || order.lines.len() > MAX_LINES {
        fail(
            &["order", "lines"],
            format!("must hold 1 to {MAX_LINES} lines"),
        );
    }
    let mut lines = Vec::with_capacity(order.lines.len().min(MAX_LINES));
    for (at, line) in order.lines.iter().take(MAX_LINES).enumerate() {
        let at = at.to_string();
        let sku = line.sku.trim().to_owned();
        if sku.is_empty() || sku.chars().count() > 64 {
            fail(
                &["order", "lines", &at, "sku"],
                "must be 1 to 64 characters".to_owned(),
            );
        }
        let quantity = i32::try_from(line.quantity)
            .ok()
            .filter(|quantity| (1..=MAX_QUANTITY).contains(quantity));
        if quantity.is_none() {
            fail(
                &["order", "lines", &at, "quantity"],
                format!("must be 1 to {MAX_QUANTITY}"),
            );
        }
        let unit_price = rupiah(&line.unit_price);
        if unit_price.is_none() {
            fail(
                &["order", "lines", &at, "unitPrice"],
                "must be {\"amount\": whole rupiah as a decimal string, \"currency\": \"IDR\"}"
                    .to_owned(),
            );
        }
        if let (Some(quantity), Some(unit_price)) = (quantity, unit_price) {
            lines.push(Line {
                sku,
                quantity,
                unit_price,
            });
        }
    }
    let lines_sum: i64 = lines
        .iter()
        .map(|line| i64::from(line.quantity).saturating_mul(line.unit_price))
        .fold(0, i64::saturating_add);
    let total = match &order.total {
        None => Some(lines_sum).filter(|sum| *sum <= MAX_AMOUNT),
        Some(total) => rupiah(total),
    };
    if total.is_none() {
        fail(
            &["order", "total"],
            "must be {\"amount\": whole rupiah as a decimal string, \"currency\": \"IDR\"}"
                .to_owned(),
        );
    }

    match (kind, placed_at, occurred_at, total) {
        (Some(kind), Some(placed_at), Some(occurred_at), Some(total)) if errors.is_empty() => {
            Ok(OrderEvent {
                kind,
                aggregator_slug,
                external_id,
                placed_at,
                occurred_at: if kind == EventKind::Created {
                    placed_at
                } else {
                    occurred_at
                },
                buyer_city,
                total,
                lines,
                reason,
            })
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

fn rupiah(money: &RawMoney) -> Option<i64> {
    let amount = money.amount.trim();
    let digits_only =
        !amount.is_empty() && amount.len() <= 13 && amount.bytes().all(|b| b.is_ascii_digit());
    (money.currency == "IDR" && digits_only)
        .then(|| amount.parse::<i64>().ok())
        .flatten()
        .filter(|amount| *amount <= MAX_AMOUNT)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: &str = r#"{"event":"order.created","aggregator":"kopkar","order":{
        "externalId":"TM-1","placedAt":"2026-12-02T08:00:00Z","buyerCity":" Malang ",
        "lines":[{"sku":"KTS-250","quantity":2,"unitPrice":{"amount":"15000","currency":"IDR"}}]}}"#;

    #[test]
    fn a_documented_event_parses_with_its_total_summed_when_left_out() {
        let event = parse(CREATED.as_bytes()).unwrap();
        assert_eq!(event.kind, EventKind::Created);
        assert_eq!(event.external_id, "TM-1");
        assert_eq!(event.buyer_city.as_deref(), Some("Malang"));
        assert_eq!(event.total, 30_000);
        assert_eq!(event.occurred_at, event.placed_at);
        assert_eq!(
            event.lines,
            vec![Line {
                sku: "KTS-250".to_owned(),
                quantity: 2,
                unit_price: 15_000
            }]
        );
    }

    fn fields(body: &str) -> Vec<String> {
        match parse(body.as_bytes()) {
            Err(AppError::Invalid(errors)) => errors.iter().map(|e| e.field.join(".")).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn every_bad_value_is_named_at_once() {
        let body = r#"{"event":"order.shipped","aggregator":"","order":{
            "externalId":"","placedAt":"yesterday","total":{"amount":"-1","currency":"IDR"},
            "lines":[{"sku":"","quantity":0,"unitPrice":{"amount":"15.000","currency":"USD"}}]}}"#;
        assert_eq!(
            fields(body),
            [
                "event",
                "aggregator",
                "order.externalId",
                "order.placedAt",
                "order.lines.0.sku",
                "order.lines.0.quantity",
                "order.lines.0.unitPrice",
                "order.total"
            ]
        );
    }

    #[test]
    fn a_body_that_is_not_the_document_says_where_it_broke() {
        for body in [
            "",
            "{",
            "[]",
            r#"{"event":"order.created"}"#,
            r#"{"event":1}"#,
        ] {
            assert_eq!(fields(body), ["body"], "{body}");
        }
        let too_many = CREATED.replace(
            r#""lines":["#,
            &format!(
                r#""lines":[{}"#,
                r#"{"sku":"X","quantity":1,"unitPrice":{"amount":"1","currency":"IDR"}},"#
                    .repeat(MAX_LINES)
            ),
        );
        assert_eq!(fields(&too_many), ["order.lines"]);
    }
}
