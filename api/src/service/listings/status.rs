//! A listing's status and the events that move it: the one table of allowed transitions.
//! Publishing, the outbox and the delivery worker all ask `next` before they write a status,
//! so a rule such as "a listing the aggregator unpublished stays unpublished" lives here once.

use entity::{channel_listings, enums::ListingStatus};
use sea_orm::{ColumnTrait, Condition};

/// Something that happens to a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListingEvent {
    /// The aggregator publishes the product on the channel (again).
    Published,
    /// The aggregator takes it off the channel.
    Unpublished,
    /// The aggregator asks for a FAILED or REJECTED listing to be pushed again.
    Retried,
    /// A change made the product break the channel's rules: Dermaga refuses it.
    BrokeRules,
    /// A change made a product Dermaga refused for the channel's rules valid again.
    MetRules,
    /// The partner took an upsert push.
    Delivered,
    /// The partner took a delete push: the product or its seller is no longer active.
    WithdrawalDelivered,
    /// The partner refused the push.
    PartnerRejected,
    /// The push failed as often as the worker tries.
    GaveUp,
}

/// Where a listing stands: its status, whether Dermaga (not the aggregator) took it down, and
/// whether Dermaga itself refused it for the channel's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListingState {
    pub status: ListingStatus,
    /// UNPUBLISHED by Dermaga because its product or seller stopped being active; it comes back
    /// when they are active again.
    pub withdrawn: bool,
    /// REJECTED by Dermaga's check of the channel's rules rather than by the partner.
    pub broke_rules: bool,
}

impl ListingState {
    /// A listing that does not exist yet: as if the aggregator had never published it.
    pub const UNLISTED: Self = Self {
        status: ListingStatus::Unpublished,
        withdrawn: false,
        broke_rules: false,
    };

    pub fn of(listing: &channel_listings::Model) -> Self {
        Self {
            status: listing.status,
            withdrawn: listing.withdrawn,
            broke_rules: listing.status == ListingStatus::Rejected
                && listing
                    .last_error
                    .as_deref()
                    .is_some_and(|error| error.starts_with(RULES_ERROR_PREFIX)),
        }
    }

    /// The aggregator unpublished it: nothing but publishing it again moves it.
    pub fn held_back(self) -> bool {
        self.status == ListingStatus::Unpublished && !self.withdrawn
    }
}

/// `ListingState::held_back`, negated, for statements that read or move many listings at once.
pub fn not_held_back() -> Condition {
    Condition::any()
        .add(channel_listings::Column::Status.ne(ListingStatus::Unpublished))
        .add(channel_listings::Column::Withdrawn.eq(true))
}

/// An event the listing's state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub from: ListingState,
    pub event: ListingEvent,
}

impl Refused {
    /// Why, for the aggregator.
    pub fn message(self) -> &'static str {
        match self.event {
            ListingEvent::Retried => "only a FAILED or REJECTED listing can be retried",
            ListingEvent::MetRules => "only a listing refused for the channel's rules is revived",
            _ => "the aggregator unpublished this listing",
        }
    }
}

/// The allowed transitions: the state `event` moves a listing in state `from` to.
pub fn next(from: ListingState, event: ListingEvent) -> Result<ListingState, Refused> {
    use ListingEvent as E;
    use ListingStatus as S;
    let free = !from.held_back();
    let (status, withdrawn) = match (event, from.status) {
        (E::Published, _) => (S::Pending, false),
        (E::Unpublished, _) if free => (S::Unpublished, false),
        (E::Retried, S::Failed | S::Rejected) => (S::Pending, from.withdrawn),
        (E::BrokeRules, _) if free => (S::Rejected, from.withdrawn),
        (E::MetRules, S::Rejected) if from.broke_rules => (S::Pending, from.withdrawn),
        (E::Delivered, _) if free => (S::Live, false),
        (E::WithdrawalDelivered, _) if free => (S::Unpublished, true),
        (E::PartnerRejected, _) if free => (S::Rejected, from.withdrawn),
        (E::GaveUp, _) if free => (S::Failed, from.withdrawn),
        _ => return Err(Refused { from, event }),
    };
    Ok(ListingState {
        status,
        withdrawn,
        broke_rules: event == E::BrokeRules,
    })
}

/// How `last_error` starts when Dermaga itself (not the partner) refused a listing because
/// its product broke one of the channel's rules; `ListingState::of` reads it back.
const RULES_ERROR_PREFIX: &str = "dermaga: ";

/// The `last_error` of a listing Dermaga refused for breaking these rules.
pub fn rules_error(broken: &[String]) -> String {
    format!("{RULES_ERROR_PREFIX}{}", broken.join("; "))
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::{ListingEvent as E, *};
    use entity::enums::ListingStatus as S;

    const EVENTS: [E; 9] = [
        E::Published,
        E::Unpublished,
        E::Retried,
        E::BrokeRules,
        E::MetRules,
        E::Delivered,
        E::WithdrawalDelivered,
        E::PartnerRejected,
        E::GaveUp,
    ];

    fn state(status: ListingStatus, withdrawn: bool) -> ListingState {
        ListingState {
            status,
            withdrawn,
            broke_rules: false,
        }
    }

    fn every_state() -> Vec<ListingState> {
        S::iter()
            .flat_map(|status| [false, true].map(|withdrawn| state(status, withdrawn)))
            .chain([ListingState {
                broke_rules: true,
                ..state(S::Rejected, false)
            }])
            .collect()
    }

    #[test]
    fn publishing_moves_every_state_to_pending() {
        for from in every_state() {
            assert_eq!(next(from, E::Published), Ok(state(S::Pending, false)));
        }
    }

    #[test]
    fn a_listing_the_aggregator_unpublished_moves_only_when_published_again() {
        let held = state(S::Unpublished, false);
        for event in EVENTS {
            assert_eq!(
                next(held, event).is_ok(),
                event == E::Published,
                "{event:?}"
            );
        }
    }

    #[test]
    fn a_listing_dermaga_withdrew_comes_back() {
        let withdrawn = state(S::Unpublished, true);
        assert_eq!(next(withdrawn, E::Delivered), Ok(state(S::Live, false)));
        assert_eq!(
            next(state(S::Live, false), E::WithdrawalDelivered),
            Ok(state(S::Unpublished, true))
        );
        assert_eq!(
            next(withdrawn, E::Unpublished),
            Ok(state(S::Unpublished, false))
        );
    }

    #[test]
    fn only_failed_or_rejected_listings_are_retried() {
        for from in every_state() {
            let retried = next(from, E::Retried);
            match from.status {
                S::Failed | S::Rejected => {
                    assert_eq!(retried.map(|to| to.status), Ok(S::Pending));
                }
                _ => assert_eq!(
                    retried.map_err(Refused::message),
                    Err("only a FAILED or REJECTED listing can be retried")
                ),
            }
        }
    }

    #[test]
    fn only_a_rules_refusal_is_revived_by_a_valid_change() {
        let refused = next(state(S::Live, false), E::BrokeRules).unwrap();
        assert_eq!(refused.status, S::Rejected);
        assert!(refused.broke_rules);
        assert_eq!(
            next(refused, E::MetRules).map(|to| to.status),
            Ok(S::Pending)
        );
        let by_partner = next(state(S::Live, false), E::PartnerRejected).unwrap();
        assert!(next(by_partner, E::MetRules).is_err());
    }

    #[test]
    fn failures_keep_whether_dermaga_withdrew_the_listing() {
        for event in [E::BrokeRules, E::PartnerRejected, E::GaveUp, E::Retried] {
            let from = state(S::Failed, true);
            assert!(next(from, event).unwrap().withdrawn, "{event:?}");
        }
        assert_eq!(
            next(state(S::Pending, true), E::GaveUp),
            Ok(state(S::Failed, true))
        );
    }

    #[test]
    fn the_rules_error_is_read_back_as_a_rules_refusal() {
        let mut listing = channel_listings::Model {
            id: 1,
            aggregator_id: 1,
            product_id: 1,
            channel_id: 1,
            status: S::Rejected,
            withdrawn: false,
            price_override: None,
            external_id: None,
            last_error: Some(rules_error(&[
                "title is too long".into(),
                "no image".into(),
            ])),
            attempts: 0,
            delivered_version: None,
            delivered_at: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(
            listing.last_error.as_deref(),
            Some("dermaga: title is too long; no image")
        );
        assert!(ListingState::of(&listing).broke_rules);
        listing.last_error = Some("422: bad category".into());
        assert!(!ListingState::of(&listing).broke_rules);
    }
}
