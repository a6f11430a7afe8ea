//! PostgreSQL: `to_tsvector` full-text search (the `indonesian` configuration when the server
//! has it, else `simple`) OR `pg_trgm` word similarity on the title, so a typo still matches.
//! The document is the stored `products.search_document` and both conditions have a GIN index
//! (migration `create_catalogue_search_indexes`); the word-similarity threshold of `%>` is set on every connection
//! (`crate::db::TRIGRAM_THRESHOLD`).

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
    // The stored `to_tsvector` of title and description, in this same configuration.
    let vector = "products.search_document";
    let query = format!("plainto_tsquery('{config}', $1)");
    let full_text = format!("{vector} @@ {query}");
    let ts_rank = format!("ts_rank({vector}, {query})");
    let (condition, rank) = if caps.trigram {
        let similarity = "word_similarity(lower($1), lower(products.title))";
        (
            format!("({full_text} OR lower(products.title) %> lower($1))"),
            format!("CAST(({ts_rank} + {similarity}) * 1000000 AS BIGINT)"),
        )
    } else {
        (full_text, format!("CAST({ts_rank} * 1000000 AS BIGINT)"))
    };
    Ok(TextMatch {
        condition: custom(&condition, term),
        rank: custom(&rank, term),
    })
}

fn custom(sql: &str, term: &str) -> SimpleExpr {
    Expr::cust_with_values(sql.to_owned(), [term.to_owned()])
}
