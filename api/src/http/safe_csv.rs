//! CSV that is safe to open in a spreadsheet: every CSV the project writes goes through
//! [`record`].
//!
//! Excel, LibreOffice and Google Sheets read a cell that starts with `=`, `+`, `-`, `@`, a tab
//! or a carriage return as a formula, so a product title like `=HYPERLINK(…)` or
//! `+cmd|' /C calc'!A0` would run in the partner's spreadsheet ("CSV injection"). OWASP's rule:
//! prefix such a text cell with a single quote, which spreadsheets show as text and do not keep.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet should show it: with a leading `'` when it would start a formula.
/// A plain number (`-3`, `+2.5`) is left alone so that it stays a number: digits and one
/// point are no formula, whatever sign they carry.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// An optional sign, digits, and at most one point between digits.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// One CSV record (RFC 4180 quoting) of neutralised cells, ending in a newline.
pub fn record(cells: &[&str]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if writer
        .write_record(cells.iter().map(|cell| neutralise(cell).into_owned()))
        .is_err()
    {
        return Vec::new();
    }
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        String::from_utf8(record(cells)).unwrap()
    }

    #[test]
    fn cells_that_start_a_formula_get_a_leading_quote() {
        for (raw, shown) in [
            (
                "=HYPERLINK(\"http://evil.test\",\"x\")",
                "'=HYPERLINK(\"http://evil.test\",\"x\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
        ] {
            assert_eq!(neutralise(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for raw in ["Kopi Gayo", "", "100% arabika", "a=b", "'quoted", " =1+1"] {
            assert!(matches!(neutralise(raw), Cow::Borrowed(_)), "{raw:?}");
        }
    }

    #[test]
    fn records_are_quoted_and_neutralised() {
        assert_eq!(line(&["a,b", "c\"d", "=1+1"]), "\"a,b\",\"c\"\"d\",'=1+1\n");
    }

    #[test]
    fn numbers_stay_numbers_even_when_signed() {
        assert_eq!(
            line(&["15000", "-3", "+2.5", "-0.75"]),
            "15000,-3,+2.5,-0.75\n"
        );
    }

    #[test]
    fn a_sign_before_anything_but_a_plain_number_is_neutralised() {
        for raw in ["-", "-.5", "-5.", "-1e5", "-1-1", "+1.2.3", "-3 IDR"] {
            assert_eq!(neutralise(raw), format!("'{raw}"), "{raw:?}");
        }
    }
}
