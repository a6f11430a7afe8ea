//! What a query costs, and how the cost is reported.
//!
//! A point is about one value resolved from rows already read. Every field selected costs at
//! least a point, once per response key, so an alias costs what the field it renames costs.
//! What reads many rows costs more: a page of a connection, its `totalCount`, and a search.
//! The cost is computed from the document before it is validated (`super::limits`), checked
//! against `GRAPHQL_MAX_COMPLEXITY`, and reported in every response's `extensions.cost`
//! together with the caller's remaining rate budget, so that clients can pace themselves.

use std::time::Duration;

use async_graphql::Value;

use crate::service::pagination::MAX_PAGE_SIZE;

/// The argument that makes a field paged: it returns up to `first` items.
pub const PAGE_ARGUMENT: &str = "first";

/// The page size a paged field is costed at when the query gives no `first`.
pub const DEFAULT_PAGE_COST: usize = 20;

/// A paged field's own statement, on top of its items: ten points, so that a thousand pages
/// asked for one item each (aliases) cost what they make the database do, not one point each.
pub const PAGE_COST: usize = 10;

/// `totalCount`: a COUNT reads every row that matches the filter, not just a page, so it costs
/// as much as a page of fifty items would.
pub const TOTAL_COUNT_COST: usize = 50;

/// A non-blank `filter.search`: the search ranks candidates through the search indexes over
/// the whole catalogue (or the tenant's rows), so it costs as much as the largest page.
pub const SEARCH_COST: usize = MAX_PAGE_SIZE as usize;

/// The field that costs a count.
const COUNT_FIELD: &str = "totalCount";

/// The cost of a field's selection, split by how often it is resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Children {
    /// Fields that return lists (`edges`, `nodes`): resolved once per item of a page.
    pub per_item: usize,
    /// Every other field (`totalCount`, `pageInfo`): resolved once.
    pub once: usize,
}

impl Children {
    pub fn total(self) -> usize {
        self.per_item.saturating_add(self.once)
    }
}

/// The cost of one field. `paged` says whether it takes [`PAGE_ARGUMENT`]; `argument` reads an
/// argument (or a field of an input object argument, by path) with the variables applied.
pub fn field_cost(
    name: &str,
    paged: bool,
    argument: impl Fn(&[&str]) -> Option<Value>,
    children: Children,
) -> usize {
    if name == COUNT_FIELD {
        return TOTAL_COUNT_COST.saturating_add(children.total());
    }
    if !paged {
        return children.total().saturating_add(1);
    }
    let first = match argument(&[PAGE_ARGUMENT]) {
        Some(Value::Number(first)) => Some(first.as_i64().unwrap_or(i64::MAX)),
        _ => None,
    };
    let searches = matches!(
        argument(&["filter", "search"]),
        Some(Value::String(search)) if !search.trim().is_empty()
    );
    PAGE_COST
        .saturating_add(items(first).saturating_mul(children.per_item))
        .saturating_add(children.once)
        .saturating_add(if searches { SEARCH_COST } else { 0 })
}

/// The items a page is costed at. A page never holds more than `MAX_PAGE_SIZE` items, so a
/// larger (or negative) `first` is costed as the largest (smallest) page and left to the
/// resolver, which rejects it with a clear `BAD_USER_INPUT` naming the bound.
pub fn items(first: Option<i64>) -> usize {
    let items = first.map_or(DEFAULT_PAGE_COST, |first| {
        usize::try_from(first.clamp(0, MAX_PAGE_SIZE as i64)).unwrap_or(0)
    });
    items.max(1)
}

/// The caller's request budget in the current rate-limit window, set by the transport.
#[derive(Clone, Copy, Debug)]
pub struct RateBudget {
    pub limit: u64,
    pub remaining: u64,
    pub reset_after: Duration,
}

/// What `extensions.cost` reports: the query's cost, the limit, and the caller's rate budget.
pub fn report(requested: usize, limit: usize, budget: Option<RateBudget>) -> Value {
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(
        async_graphql::Name::new("requested"),
        Value::from(requested as u64),
    );
    cost.insert(async_graphql::Name::new("limit"), Value::from(limit as u64));
    if let Some(budget) = budget {
        let mut rate = async_graphql::indexmap::IndexMap::new();
        rate.insert(async_graphql::Name::new("limit"), Value::from(budget.limit));
        rate.insert(
            async_graphql::Name::new("remaining"),
            Value::from(budget.remaining),
        );
        rate.insert(
            async_graphql::Name::new("resetAfterSeconds"),
            Value::from(budget.reset_after.as_secs()),
        );
        cost.insert(async_graphql::Name::new("rateLimit"), Value::Object(rate));
    }
    Value::Object(cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_arguments(_: &[&str]) -> Option<Value> {
        None
    }

    fn page_of(first: i64, search: &str) -> impl Fn(&[&str]) -> Option<Value> {
        move |path: &[&str]| match path {
            ["first"] => Some(Value::from(first)),
            ["filter", "search"] => Some(Value::from(search)),
            _ => None,
        }
    }

    const EDGES: Children = Children {
        per_item: 3,
        once: 0,
    };

    #[test]
    fn pages_are_costed_by_first_plus_their_statement() {
        assert_eq!(
            field_cost("sellers", true, page_of(50, ""), EDGES),
            10 + 150
        );
        assert_eq!(field_cost("sellers", true, no_arguments, EDGES), 10 + 60);
    }

    #[test]
    fn what_a_page_holds_once_is_not_multiplied() {
        let children = Children {
            per_item: 3,
            once: TOTAL_COUNT_COST,
        };
        assert_eq!(
            field_cost("products", true, page_of(10, ""), children),
            10 + 30 + 50
        );
    }

    #[test]
    fn a_count_and_a_search_cost_what_they_read() {
        let count = field_cost("totalCount", false, no_arguments, Children::default());
        assert_eq!(count, TOTAL_COUNT_COST);
        let searched = field_cost(
            "products",
            true,
            page_of(1, "kopi"),
            Children {
                per_item: 0,
                once: count,
            },
        );
        assert_eq!(searched, PAGE_COST + TOTAL_COUNT_COST + SEARCH_COST);
        let blank = field_cost("products", true, page_of(1, "  "), Children::default());
        assert_eq!(blank, PAGE_COST);
    }

    #[test]
    fn plain_fields_cost_one_and_their_children() {
        let children = Children {
            per_item: 2,
            once: 5,
        };
        assert_eq!(field_cost("categories", false, no_arguments, children), 8);
    }

    #[test]
    fn negative_and_huge_first_neither_underflow_nor_overflow() {
        assert_eq!(items(Some(-5)), 1);
        assert_eq!(items(Some(i64::MAX)), 100);
        let huge = Children {
            per_item: usize::MAX,
            once: usize::MAX,
        };
        assert_eq!(
            field_cost("sellers", true, page_of(100, "x"), huge),
            usize::MAX
        );
    }
}
