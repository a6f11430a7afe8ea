//! SQLite: the `products_fts` FTS5 index (kept in sync by triggers), every word of the term
//! matched as a prefix. Title matches (the FTS5 column filter) rank above description-only ones.

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};

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

pub(super) fn product_match(term: &str) -> TextMatch {
    // A term of punctuation only matches nothing.
    let Some(query) = fts_query(term) else {
        return TextMatch {
            condition: Expr::cust("1 = 0"),
            tiers: Vec::new(),
        };
    };
    let title_query = format!("title : ({query})");
    let matching = "products.id IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)";
    let not_matching =
        "products.id NOT IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)";
    TextMatch {
        condition: custom(matching, &query),
        tiers: vec![
            custom(matching, &title_query),
            custom(matching, &query).and(custom(not_matching, &title_query)),
        ],
    }
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
