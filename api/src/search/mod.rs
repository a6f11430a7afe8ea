//! Product text search behind one interface: PostgreSQL full-text search plus trigram
//! similarity, or SQLite FTS5. Callers get a condition and a rank to put in their query and
//! never learn which backend answered.

mod postgres;
mod sqlite;

use sea_orm::{ConnectionTrait, DbBackend, sea_query::SimpleExpr};

use crate::error::{AppError, AppResult, FieldErrorCode};

const MAX_SEARCH_CHARS: usize = 100;

/// What a search term contributes to a product query over `products`.
pub struct TextMatch {
    /// True for the products that match.
    pub condition: SimpleExpr,
    /// A BIGINT, higher for better matches; equal inputs give equal ranks (keyset-safe).
    pub rank: SimpleExpr,
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
        _ => Ok(sqlite::product_match(term)),
    }
}
