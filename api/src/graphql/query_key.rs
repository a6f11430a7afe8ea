//! The identity of a query for caching: its document with insignificant characters removed,
//! its operation name, its variables and the caller's scope, hashed.

use sha2::{Digest, Sha256};

/// A hex SHA-256 over everything that decides a query's response.
pub fn fingerprint(
    query: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Value,
    scope: &str,
) -> String {
    let mut hasher = Sha256::new();
    for part in [
        normalise(query).as_str(),
        operation_name.unwrap_or(""),
        &canonical_json(variables),
        scope,
    ] {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

/// The document without comments, commas and redundant white space; strings kept verbatim.
/// Two documents that differ only in layout normalise to the same text.
pub fn normalise(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                while chars.next_if(|&c| c != '\n' && c != '\r').is_some() {}
                pending_space = true;
            }
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => pending_space = true,
            '"' => {
                push_separator(&mut out, &mut pending_space, c);
                out.push('"');
                let block = chars.next_if_eq(&'"').is_some();
                if block && chars.next_if_eq(&'"').is_none() {
                    // `""`: an empty string.
                    out.push('"');
                    continue;
                }
                if block {
                    out.push_str("\"\"");
                }
                copy_string(&mut chars, &mut out, block);
            }
            c => {
                push_separator(&mut out, &mut pending_space, c);
                out.push(c);
            }
        }
    }
    out
}

/// One space between two names or numbers; none next to punctuation.
fn push_separator(out: &mut String, pending_space: &mut bool, next: char) {
    if std::mem::take(pending_space)
        && out.chars().last().is_some_and(is_name_char)
        && (is_name_char(next) || next == '"')
    {
        out.push(' ');
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+'
}

fn copy_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    block: bool,
) {
    let mut quotes = 0;
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                quotes = 0;
            }
            '"' if !block => return,
            '"' => {
                quotes += 1;
                if quotes == 3 {
                    return;
                }
            }
            _ => quotes = 0,
        }
    }
}

/// JSON with object keys sorted, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` hash alike.
fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.clone(), sorted(value)))
                        .collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(sorted).collect())
            }
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_comments_and_commas_do_not_matter() {
        let a = "query Q($id: ID!) {\n  product(id: $id) { name, price } # hot\n}";
        let b = "query Q($id:ID!){product(id:$id){name price}}";
        assert_eq!(normalise(a), normalise(b));
        assert_eq!(
            normalise(b),
            "query Q($id:ID!){product(id:$id){name price}}"
        );
    }

    #[test]
    fn strings_are_kept_verbatim() {
        let query = r#"{ products(filter: {search: "kopi  , # gayo"}) { totalCount } }"#;
        assert!(normalise(query).contains(r#""kopi  , # gayo""#));
        assert_ne!(
            normalise(r#"{ a(s: "x  y") }"#),
            normalise(r#"{ a(s: "x y") }"#)
        );
        assert_eq!(
            normalise(r#"{ a(s: """ b "" c """) d }"#),
            r#"{a(s:""" b "" c """)d}"#
        );
    }

    #[test]
    fn variable_order_does_not_matter_but_values_do() {
        let q = "{ x }";
        let a = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}});
        let b = serde_json::json!({"b": {"d": 3, "c": 2}, "a": 1});
        let c = serde_json::json!({"a": 2, "b": {"c": 2, "d": 3}});
        assert_eq!(
            fingerprint(q, None, &a, "public"),
            fingerprint(q, None, &b, "public")
        );
        assert_ne!(
            fingerprint(q, None, &a, "public"),
            fingerprint(q, None, &c, "public")
        );
        assert_ne!(
            fingerprint(q, Some("A"), &a, "public"),
            fingerprint(q, None, &a, "public")
        );
    }
}
