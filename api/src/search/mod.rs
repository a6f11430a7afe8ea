//! Product text search behind one interface: PostgreSQL full-text search plus trigram
//! similarity, or SQLite FTS5. Callers get conditions to put in their query and never learn
//! which backend answered.
//!
//! Relevance is a tier, not a score: title matches first, then products that match on their
//! description only, then (on PostgreSQL) titles within a typo of the term. Within a tier the
//! newest product comes first. A score such as `ts_rank` has to be computed for every match
//! before the first row can be returned, so a broad term on a large catalogue cost time in
//! proportion to its matches; a tier is a plain condition, and a page walks it in id order and
//! stops once it has enough rows (docs/performance.md).

mod postgres;
mod sqlite;

use sea_orm::{ConnectionTrait, DbBackend, sea_query::SimpleExpr};

use crate::error::{AppError, AppResult, FieldErrorCode};

const MAX_SEARCH_CHARS: usize = 100;

/// What a search term contributes to a product query over `products`.
pub struct TextMatch {
    /// True for the products that match, in any tier.
    pub condition: SimpleExpr,
    /// Disjoint conditions, best tier first, that together select exactly `condition`.
    pub tiers: Vec<SimpleExpr>,
}

impl TextMatch {
    /// The tiers with their sort keys: higher is better, so the best tier has the largest.
    pub fn ranked_tiers(&self) -> impl Iterator<Item = (i64, &SimpleExpr)> {
        let count = self.tiers.len() as i64;
        self.tiers
            .iter()
            .enumerate()
            .map(move |(index, tier)| (count - index as i64, tier))
    }
}

/// Builds the match for `term` on the connection's backend; a blank term matches nothing
/// special and yields `None`.
pub async fn product_match(db: &impl ConnectionTrait, term: &str) -> AppResult<Option<TextMatch>> {
    let term = term.trim();
    if term.is_empty() {
        return Ok(None);
    }
    if term.chars().count() > MAX_SEARCH_CHARS {
        return Err(AppError::invalid(
            &["filter", "search"],
            FieldErrorCode::TooLong,
            format!("is too long (maximum is {MAX_SEARCH_CHARS} characters)"),
        ));
    }
    match db.get_database_backend() {
        DbBackend::Postgres => postgres::product_match(db, term).await.map(Some),
        _ => Ok(Some(sqlite::product_match(term))),
    }
}
