//! Limits on one GraphQL document, checked before async-graphql validates it.
//!
//! Validation expands every fragment spread, so a 1.5 KB document of fragments that spread the
//! one below twice would take a CPU for minutes, and a timeout cannot interrupt it. Here the
//! text is checked before it is parsed (its size, then its tokens: one pass over its bytes),
//! and the parsed document is measured with each fragment counted once (`document`), so that
//! a hostile document is refused in well under a millisecond of work per kilobyte. Each limit
//! is a setting (`QueryLimits`) and has its own `extensions.code`.

mod document;
mod extension;
mod tokens;

use async_graphql::{ServerError, Variables, parser::types::ExecutableDocument};

pub use document::{SchemaShape, Written, expanded, written};
pub use extension::{DocumentLimits, Measured, QueryCost, measure, measure_with};
pub use tokens::count_tokens;

use crate::config::QueryLimits;

/// Why a document is refused; each has its own `extensions.code`.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    QueryTooLarge { bytes: usize, limit: usize },
    TooManyTokens { limit: usize },
    TooManyAliases { count: usize, limit: usize },
    TooManyFragmentSpreads { count: usize, limit: usize },
    FragmentCycle { fragment: String },
    TooManyRootFields { count: usize, limit: usize },
    TooManyFields { count: usize, limit: usize },
    TooDeep { depth: usize, limit: usize },
    TooComplex { cost: usize, limit: usize },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::QueryTooLarge { .. } => "QUERY_TOO_LARGE",
            Self::TooManyTokens { .. } => "TOKEN_LIMIT",
            Self::TooManyAliases { .. } => "ALIAS_LIMIT",
            Self::TooManyFragmentSpreads { .. } => "FRAGMENT_LIMIT",
            Self::FragmentCycle { .. } => "FRAGMENT_CYCLE",
            Self::TooManyRootFields { .. } => "ROOT_FIELD_LIMIT",
            Self::TooManyFields { .. } => "FIELD_LIMIT",
            Self::TooDeep { .. } => "DEPTH_LIMIT",
            Self::TooComplex { .. } => "COMPLEXITY_LIMIT",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::QueryTooLarge { bytes, limit } => {
                format!("the query is {bytes} bytes long, more than the limit of {limit}")
            }
            Self::TooManyTokens { limit } => {
                format!("the query has more than {limit} tokens (names, punctuation, values)")
            }
            Self::TooManyAliases { count, limit } => {
                format!("the query writes {count} aliases, more than the limit of {limit}")
            }
            Self::TooManyFragmentSpreads { count, limit } => {
                format!("the query writes {count} fragment spreads, more than the limit of {limit}")
            }
            Self::FragmentCycle { fragment } => format!(
                "the fragment \"{fragment}\" spreads itself, directly or through other fragments"
            ),
            Self::TooManyRootFields { count, limit } => format!(
                "an operation asks for {count} top-level fields, more than the limit of {limit}"
            ),
            Self::TooManyFields { count, limit } => format!(
                "the query selects {count} fields once its fragments are expanded, \
                 more than the limit of {limit}"
            ),
            Self::TooDeep { depth, limit } => format!(
                "the query is nested too deep: {depth} levels of fields, more than the limit of {limit}"
            ),
            Self::TooComplex { cost, limit } => format!(
                "the query costs {cost} points, more than the limit of {limit}; \
                 ask for fewer items (`first`) or fewer fields"
            ),
        }
    }

    /// The measured amount and the limit, as `extensions.requested` and `extensions.limit`.
    fn amounts(&self) -> (Option<usize>, Option<usize>) {
        match *self {
            Self::QueryTooLarge { bytes, limit } => (Some(bytes), Some(limit)),
            Self::TooManyTokens { limit } => (None, Some(limit)),
            Self::FragmentCycle { .. } => (None, None),
            Self::TooManyAliases { count, limit }
            | Self::TooManyFragmentSpreads { count, limit }
            | Self::TooManyRootFields { count, limit }
            | Self::TooManyFields { count, limit } => (Some(count), Some(limit)),
            Self::TooDeep { depth, limit } => (Some(depth), Some(limit)),
            Self::TooComplex { cost, limit } => (Some(cost), Some(limit)),
        }
    }

    pub fn into_server_error(self) -> ServerError {
        let mut error = ServerError::new(self.message(), None);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", self.code());
        let (requested, limit) = self.amounts();
        if let Some(requested) = requested {
            extensions.set("requested", requested as u64);
        }
        if let Some(limit) = limit {
            extensions.set("limit", limit as u64);
        }
        error
    }
}

/// The checks on the text, before anything parses, hashes or stores it: its size, then its
/// tokens (a pass that stops at the limit).
pub fn check_text(query: &str, limits: &QueryLimits) -> Result<(), Refusal> {
    if query.len() > limits.max_query_bytes {
        return Err(Refusal::QueryTooLarge {
            bytes: query.len(),
            limit: limits.max_query_bytes,
        });
    }
    if count_tokens(query, limits.max_tokens) > limits.max_tokens {
        return Err(Refusal::TooManyTokens {
            limit: limits.max_tokens,
        });
    }
    Ok(())
}

/// The checks on the parsed document, cheapest first; returns the cost of the operation that
/// runs.
pub fn check_document(
    document: &ExecutableDocument,
    schema: &impl SchemaShape,
    variables: &Variables,
    operation_name: Option<&str>,
    limits: &QueryLimits,
) -> Result<usize, Refusal> {
    let written = written(document);
    if written.aliases > limits.max_aliases {
        return Err(Refusal::TooManyAliases {
            count: written.aliases,
            limit: limits.max_aliases,
        });
    }
    if written.fragment_spreads > limits.max_fragment_spreads {
        return Err(Refusal::TooManyFragmentSpreads {
            count: written.fragment_spreads,
            limit: limits.max_fragment_spreads,
        });
    }
    let measured = expanded(document, schema, variables, operation_name)
        .map_err(|cycle| Refusal::FragmentCycle { fragment: cycle.0 })?;
    let over = |count: usize, limit: usize| (count > limit).then_some((count, limit));
    if let Some((count, limit)) = over(measured.root_fields, limits.max_root_fields) {
        return Err(Refusal::TooManyRootFields { count, limit });
    }
    if let Some((count, limit)) = over(measured.fields, limits.max_fields) {
        return Err(Refusal::TooManyFields { count, limit });
    }
    if let Some((depth, limit)) = over(measured.depth, limits.max_depth) {
        return Err(Refusal::TooDeep { depth, limit });
    }
    if let Some((cost, limit)) = over(measured.cost, limits.max_complexity) {
        return Err(Refusal::TooComplex { cost, limit });
    }
    Ok(measured.cost)
}
