//! The names of what a cached response shows, and of what a write changes.
//!
//! A response is tagged with every object it shows and every set it was drawn from; a write
//! publishes the tags of what it changed. A response is dropped when one of its tags changed
//! after it was computed (`Cache::is_current`), on every replica, and never otherwise.

/// Changes with every write: for responses that depend on the whole catalogue's history (delta
/// sync) or whose contents are not tagged more precisely.
pub const ANY_CHANGE: &str = "*";

/// Changes when everything must go: a bulk load, or a repair after a write whose tags were
/// lost. Every response depends on it without naming it.
pub(super) const EVERYTHING: &str = "!";

/// The category tree (it changes only through bulk loads today).
pub const CATEGORIES: &str = "categories";

/// One product as shown anywhere: its fields, variants, prices, stock and images.
pub fn product(id: i64) -> String {
    format!("p:{id}")
}

/// One seller's public profile, and whether its products are public at all.
pub fn seller(id: i64) -> String {
    format!("s:{id}")
}

/// The set a list of products was drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListScope {
    /// Every public product (no category or seller filter).
    All,
    /// This category and its sub-categories.
    Category(i64),
    /// One seller's products.
    Seller(i64),
}

/// How a change to a product moves it in the lists it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListChange {
    /// It may enter or leave lists, or move in any order: created, archived, re-categorised,
    /// retitled, its seller suspended.
    Membership,
    /// Only its prices or stock changed: it moves only in lists filtered or sorted by them.
    Values,
}

impl ListScope {
    /// The tag of a list drawn from this scope. A list filtered or sorted by prices or stock
    /// (`by_values`) also carries the values tag, which price and stock changes publish.
    pub fn list_tags(self, by_values: bool) -> Vec<String> {
        let mut tags = vec![self.tag(ListChange::Membership)];
        if by_values {
            tags.push(self.tag(ListChange::Values));
        }
        tags
    }

    /// The tag a change of this kind publishes for lists drawn from this scope.
    pub fn tag(self, change: ListChange) -> String {
        let kind = match change {
            ListChange::Membership => "l",
            ListChange::Values => "v",
        };
        match self {
            Self::All => format!("{kind}:all"),
            Self::Category(id) => format!("{kind}:c:{id}"),
            Self::Seller(id) => format!("{kind}:s:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_values_change_reaches_only_lists_drawn_by_values() {
        let plain = ListScope::Category(7).list_tags(false);
        let by_price = ListScope::Category(7).list_tags(true);
        let stock_change = ListScope::Category(7).tag(ListChange::Values);
        let new_product = ListScope::Category(7).tag(ListChange::Membership);

        assert!(!plain.contains(&stock_change));
        assert!(by_price.contains(&stock_change));
        assert!(plain.contains(&new_product) && by_price.contains(&new_product));
        assert!(
            !ListScope::Category(8)
                .list_tags(true)
                .contains(&stock_change)
        );
    }
}
