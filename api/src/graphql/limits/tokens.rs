//! Counting a document's lexical tokens before it is parsed, as graphql-js's `maxTokens` does:
//! punctuators, names, numbers and strings count; white space, commas and comments do not.
//! One pass over the bytes, stopped as soon as the limit is passed.

/// The tokens of `text`, counted up to `limit + 1` (a count over the limit means "too many").
/// Bytes that start no GraphQL token count one each: the parser refuses them anyway.
pub fn count_tokens(text: &str, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut count = 0;
    while at < bytes.len() && count <= limit {
        let byte = bytes[at];
        at = match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => at + 1,
            b'#' => skip_comment(bytes, at),
            _ => {
                count += 1;
                match byte {
                    b'"' if bytes[at..].starts_with(b"\"\"\"") => skip_block_string(bytes, at + 3),
                    b'"' => skip_string(bytes, at + 1),
                    b'.' if bytes[at..].starts_with(b"...") => at + 3,
                    b'-' | b'0'..=b'9' => skip_number(bytes, at + 1),
                    b'_' | b'a'..=b'z' | b'A'..=b'Z' => skip_name(bytes, at + 1),
                    _ => at + 1,
                }
            }
        };
    }
    count
}

fn skip_comment(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
        at += 1;
    }
    at
}

/// Past the closing quote, or to the end of the line (an unterminated string).
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    at
}

/// Past the closing `"""`; `\"""` does not close.
fn skip_block_string(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    at
}

fn skip_name(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at] == b'_' || bytes[at].is_ascii_alphanumeric()) {
        at += 1;
    }
    at
}

/// Digits, an optional fraction and an optional exponent; the sign was the first byte.
fn skip_number(bytes: &[u8], at: usize) -> usize {
    let digits = |mut at: usize| {
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        at
    };
    let mut at = digits(at);
    if bytes.get(at) == Some(&b'.') {
        at = digits(at + 1);
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        at = digits(at);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str) -> usize {
        count_tokens(text, usize::MAX - 1)
    }

    #[test]
    fn punctuators_names_numbers_and_strings_count_one_each() {
        // { products ( first : 10 , filter : { search : "kopi, gayo" } ) { totalCount } }
        let query = r#"{ products(first: 10, filter: {search: "kopi, gayo"}) { totalCount } }"#;
        assert_eq!(count(query), 18);
        assert_eq!(
            count("query Q($n: Int = -1.5e+3) { a(n: $n) @skip(if: true) }"),
            26
        );
        assert_eq!(count("{ ...F ... on T { a } }"), 10);
    }

    #[test]
    fn white_space_commas_and_comments_do_not_count() {
        assert_eq!(count("  ,,, # a comment { with } tokens\n\t{ a }  "), 3);
        assert_eq!(count(""), 0);
    }

    #[test]
    fn strings_are_one_token_whatever_they_hold() {
        assert_eq!(count(r#"{ a(s: "x \" { } # y") }"#), 8);
        assert_eq!(count(r#"{ a(s: """ { \""" } "" """) }"#), 8);
        assert_eq!(count("{ a(s: \"unterminated\n) }"), 8);
    }

    #[test]
    fn a_number_ends_where_a_new_token_starts() {
        // `[A-1-1]` is valid GraphQL: a name and two numbers.
        assert_eq!(count("[A-1-1]"), 5);
        assert_eq!(count("[1.5.5]"), 5);
    }

    #[test]
    fn counting_stops_just_past_the_limit() {
        let many = "{ a } ".repeat(1_000);
        assert_eq!(count_tokens(&many, 10), 11);
        assert_eq!(count_tokens("{ a }", 3), 3);
    }

    #[test]
    fn bytes_that_start_no_token_count_one_each() {
        assert_eq!(count("{ a } ; é"), 3 + 1 + 2);
    }
}
