//! Reads an uploaded CSV file and checks its shape: UTF-8, comma-separated, the expected header.
//! Row contents are checked later, row by row, by the importers.

use std::{collections::HashMap, fmt::Display};

use sea_orm::Iterable;

use super::rejections::RejectedRow;
use crate::error::{AppError, AppResult, FieldErrorCode};

/// The header an import expects. Names are matched case-insensitively.
pub struct Columns {
    /// Columns the header must have.
    pub required: &'static [&'static str],
    /// Columns the header may have; a missing one reads as blank.
    pub optional: &'static [&'static str],
}

/// A file whose shape is right; its rows are not checked yet.
#[derive(Debug)]
pub struct CsvFile {
    /// Column name to position in a row.
    columns: HashMap<String, usize>,
    pub rows: Vec<CsvRow>,
}

/// One data row and the line it starts on (the header is line 1).
#[derive(Debug)]
pub struct CsvRow {
    pub line: u64,
    fields: Vec<String>,
}

/// A row that has exactly the header's columns.
pub struct Record<'a> {
    pub line: u64,
    file: &'a CsvFile,
    row: &'a CsvRow,
}

impl Record<'_> {
    /// The trimmed value of a column; blank when the file has no such column.
    pub fn get(&self, column: &str) -> &str {
        self.file
            .columns
            .get(column)
            .and_then(|&position| self.row.fields.get(position))
            .map_or("", |value| value.trim())
    }

    /// The value, or `None` when blank.
    pub fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|value| !value.is_empty())
    }
}

impl CsvFile {
    /// The row as a record, or why it is refused (too many or too few fields).
    pub fn record<'a>(&'a self, row: &'a CsvRow) -> Result<Record<'a>, RejectedRow> {
        let expected = self.columns.len();
        if row.fields.len() != expected {
            let problem = if row.fields.len() > expected {
                "too many"
            } else {
                "too few"
            };
            return Err(RejectedRow {
                line: row.line,
                field: None,
                message: format!(
                    "has {problem} fields: {} where the header has {expected} columns",
                    row.fields.len()
                ),
            });
        }
        Ok(Record {
            line: row.line,
            file: self,
            row,
        })
    }
}

fn file_error(code: FieldErrorCode, message: impl Into<String>) -> AppError {
    AppError::invalid(&["file"], code, message)
}

/// Checks the file's shape and splits it into rows. Blank lines (and rows of empty cells, as
/// spreadsheets export them) are skipped.
pub fn read(bytes: &[u8], expected: &Columns) -> AppResult<CsvFile> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let line = bytes[..err.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        file_error(
            FieldErrorCode::Invalid,
            format!(
                "is not UTF-8 text: line {line} has bytes that are not UTF-8 \
                 (save the file as \"CSV UTF-8\")"
            ),
        )
    })?;
    if text.trim().is_empty() {
        return Err(file_error(FieldErrorCode::Blank, "is empty"));
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => return Err(unreadable(&err)),
        None => return Err(file_error(FieldErrorCode::Blank, "is empty")),
    };
    let first_line = text.lines().next().unwrap_or_default();
    let columns = check_header(&header, first_line, expected)?;

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|err| unreadable(&err))?;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let line = record
            .position()
            .map_or(0, |position| first_line_of(text, position));
        rows.push(CsvRow {
            line,
            fields: record.iter().map(str::to_owned).collect(),
        });
    }
    if rows.is_empty() {
        return Err(file_error(
            FieldErrorCode::Blank,
            "has a header but no rows to import",
        ));
    }
    Ok(CsvFile { columns, rows })
}

/// The line a record starts on. The reader reports where it began reading, which is before
/// any blank lines it skipped.
fn first_line_of(text: &str, position: &csv::Position) -> u64 {
    let skipped = text
        .as_bytes()
        .get(position.byte() as usize..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count();
    position.line() + skipped as u64
}

fn unreadable(err: &csv::Error) -> AppError {
    let line = err.position().map_or(0, csv::Position::line);
    file_error(
        FieldErrorCode::Invalid,
        format!("cannot be read as CSV at line {line}: {err}"),
    )
}

fn check_header(
    header: &csv::StringRecord,
    first_line: &str,
    expected: &Columns,
) -> AppResult<HashMap<String, usize>> {
    let names: Vec<String> = header
        .iter()
        .map(|name| name.trim().to_lowercase())
        .collect();
    let missing: Vec<&str> = expected
        .required
        .iter()
        .copied()
        .filter(|column| !names.iter().any(|name| name == column))
        .collect();
    if !missing.is_empty() {
        let commas = first_line.matches(',').count();
        for (delimiter, name) in [(';', "semicolons (;)"), ('\t', "tabs")] {
            if first_line.matches(delimiter).count() > commas {
                return Err(file_error(
                    FieldErrorCode::Invalid,
                    format!(
                        "separates its columns with {name}; save it with commas (,) between \
                         the columns"
                    ),
                ));
            }
        }
        return Err(file_error(
            FieldErrorCode::Invalid,
            format!(
                "is missing the header column{} {} (the first line must name the columns)",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        ));
    }

    let known = |name: &str| expected.required.contains(&name) || expected.optional.contains(&name);
    let unknown: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(_, name)| !known(name))
        .map(|(position, name)| {
            if name.is_empty() {
                format!("(column {} has no name)", position + 1)
            } else {
                format!("'{name}'")
            }
        })
        .collect();
    if !unknown.is_empty() {
        let all: Vec<&str> = expected
            .required
            .iter()
            .chain(expected.optional)
            .copied()
            .collect();
        return Err(file_error(
            FieldErrorCode::Invalid,
            format!(
                "has unknown columns: {} (the columns are: {})",
                unknown.join(", "),
                all.join(", ")
            ),
        ));
    }

    let mut columns = HashMap::new();
    for (position, name) in names.into_iter().enumerate() {
        if columns.insert(name.clone(), position).is_some() {
            return Err(file_error(
                FieldErrorCode::Invalid,
                format!("names the column '{name}' twice"),
            ));
        }
    }
    Ok(columns)
}

/// Parses an enum column by its value's name, in any case (`food_and_drink`).
pub(super) fn one_of<E: Iterable + Display>(
    record: &Record<'_>,
    column: &str,
) -> Result<E, RejectedRow> {
    let raw = record.get(column);
    E::iter()
        .find(|value| value.to_string().eq_ignore_ascii_case(raw))
        .ok_or_else(|| {
            let message = if raw.is_empty() {
                "can't be blank".to_owned()
            } else {
                let names: Vec<String> = E::iter().map(|value| value.to_string()).collect();
                format!("must be one of {}", names.join(", "))
            };
            RejectedRow {
                line: record.line,
                field: Some(column.to_owned()),
                message,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: Columns = Columns {
        required: &["name", "phone"],
        optional: &["city"],
    };

    fn message(result: AppResult<CsvFile>) -> String {
        match result {
            Err(AppError::Invalid(errors)) => errors[0].message.clone(),
            other => panic!("expected a file error, got {other:?}"),
        }
    }

    #[test]
    fn rows_keep_their_line_numbers_past_blank_lines_and_quoted_newlines() {
        let file = read(b"name,phone\nA,1\n\n\"B\nC\",2\nD,3\n", &COLUMNS).unwrap();
        let lines: Vec<u64> = file.rows.iter().map(|row| row.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        let record = file.record(&file.rows[1]).unwrap();
        assert_eq!(record.get("name"), "B\nC");
        assert_eq!(record.get("city"), "");
    }

    #[test]
    fn header_names_ignore_case_spaces_and_a_byte_order_mark() {
        let file = read(b"\xEF\xBB\xBF Name ,PHONE\nA,1\n", &COLUMNS).unwrap();
        assert_eq!(file.record(&file.rows[0]).unwrap().get("phone"), "1");
    }

    #[test]
    fn a_semicolon_separated_file_is_named_as_such() {
        let text = message(read(b"name;phone\nA;1\n", &COLUMNS));
        assert!(text.contains("semicolons"), "{text}");
    }

    #[test]
    fn missing_and_unknown_columns_are_named() {
        assert!(message(read(b"name\nA\n", &COLUMNS)).contains("phone"));
        assert!(message(read(b"name,phone,colour\nA,1,red\n", &COLUMNS)).contains("'colour'"));
    }

    #[test]
    fn non_utf8_bytes_name_their_line() {
        let text = message(read(b"name,phone\nA,1\nB\xE9,2\n", &COLUMNS));
        assert!(text.contains("line 3"), "{text}");
    }

    #[test]
    fn empty_files_and_bare_headers_are_refused() {
        assert!(message(read(b"", &COLUMNS)).contains("empty"));
        assert!(message(read(b"name,phone\n", &COLUMNS)).contains("no rows"));
    }

    #[test]
    fn a_row_with_too_many_fields_is_refused_alone() {
        let file = read(b"name,phone\nA,1,x\nB,2\n", &COLUMNS).unwrap();
        let rejected = file.record(&file.rows[0]).err().unwrap();
        assert_eq!(rejected.line, 2);
        assert!(rejected.message.contains("too many"));
        assert!(file.record(&file.rows[1]).is_ok());
    }
}
