//! PostgreSQL: `to_tsvector` full-text search (the `indonesian` configuration when the server
//! has it, else `simple`) OR `pg_trgm` word similarity on the title, so a typo still matches.
//! The documents are the stored `products.title_document` and `products.search_document`, and
//! every condition has a GIN index; the word-similarity threshold of `%>` is set on every
//! connection (`crate::db::TRIGRAM_THRESHOLD`).

use sea_orm::{
    ConnectionTrait, Statement,
    sea_query::{Expr, SimpleExpr},
};

use super::TextMatch;
use crate::error::AppResult;

#[derive(Clone, Copy)]
struct Capabilities {
    indonesian: bool,
    trigram: bool,
}

/// What the server offers is fixed for the life of the process: asked once.
static CAPABILITIES: tokio::sync::OnceCell<Capabilities> = tokio::sync::OnceCell::const_new();

async fn capabilities(db: &impl ConnectionTrait) -> AppResult<Capabilities> {
    CAPABILITIES
        .get_or_try_init(|| read_capabilities(db))
        .await
        .copied()
}

async fn read_capabilities(db: &impl ConnectionTrait) -> AppResult<Capabilities> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian') AS indonesian, \
             EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS trigram",
        ))
        .await?;
    Ok(match row {
        Some(row) => Capabilities {
            indonesian: row.try_get("", "indonesian")?,
            trigram: row.try_get("", "trigram")?,
        },
        None => Capabilities {
            indonesian: false,
            trigram: false,
        },
    })
}

pub(super) async fn product_match(db: &impl ConnectionTrait, term: &str) -> AppResult<TextMatch> {
    let caps = capabilities(db).await?;
    let config = if caps.indonesian {
        "indonesian"
    } else {
        "simple"
    };
    // The stored `to_tsvector` of the title, and of title and description, in this same
    // configuration (migrations `create_catalogue_search_indexes`, `create_product_title_search`).
    // A sub-select is computed once per statement; as a bare call in a generic plan it would
    // be computed again for every row the page walks through.
    let query = format!("(SELECT plainto_tsquery('{config}', $1))");
    let in_title = format!("products.title_document @@ {query}");
    let in_text = format!("products.search_document @@ {query}");
    let in_description_only = format!("{in_text} AND NOT ({in_title})");
    if !caps.trigram {
        return Ok(TextMatch {
            condition: custom(&in_text, term),
            tiers: vec![custom(&in_title, term), custom(&in_description_only, term)],
        });
    }
    let near_title = "lower(products.title) %> lower($1)";
    Ok(TextMatch {
        condition: custom(&format!("({in_text} OR {near_title})"), term),
        tiers: vec![
            custom(&in_title, term),
            custom(&in_description_only, term),
            custom(&format!("{near_title} AND NOT ({in_text})"), term),
        ],
    })
}

fn custom(sql: &str, term: &str) -> SimpleExpr {
    Expr::cust_with_values(sql.to_owned(), [term.to_owned()])
}
