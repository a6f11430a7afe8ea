//! SQLite: the `products_fts` FTS5 index (kept in sync by triggers), every word of the term
//! matched as a prefix, ranked by bm25.

use sea_orm::sea_query::{Expr, SimpleExpr};

use super::TextMatch;

/// Each word becomes a quoted prefix query, so no user input is read as FTS5 syntax.
fn fts_query(term: &str) -> Option<String> {
    let words: Vec<String> = term
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{}\"*", word.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub(super) fn product_match(term: &str) -> Option<super::TextMatch> {
    // A term of punctuation only matches nothing.
    let Some(query) = fts_query(term) else {
        return Some(TextMatch {
            condition: Expr::cust("1 = 0"),
            rank: Expr::cust("0"),
        });
    };
    let condition = "products.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)";
    let rank = "CAST(-(SELECT bm25(products_fts) FROM products_fts \
                WHERE products_fts MATCH ? AND products_fts.rowid = products.id) * 1000000 AS INTEGER)";
    Some(TextMatch {
        condition: custom(condition, &query),
        rank: custom(rank, &query),
    })
}

fn custom(sql: &str, query: &str) -> SimpleExpr {
    Expr::cust_with_values(sql.to_owned(), [query.to_owned()])
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn words_become_quoted_prefixes_and_syntax_is_dropped() {
        assert_eq!(
            fts_query("Keripik  tempe").unwrap(),
            "\"keripik\"* \"tempe\"*"
        );
        assert_eq!(fts_query("a\" OR b*").unwrap(), "\"a\"* \"or\"* \"b\"*");
        assert!(fts_query("\"*()").is_none());
    }
}
