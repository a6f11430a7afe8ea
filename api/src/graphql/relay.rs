//! Relay plumbing: typed global ids, opaque cursors and connections with `totalCount`.

use async_graphql::{
    ID, SimpleObject,
    connection::{Connection, CursorType, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    error::{AppError, AppResult, FieldErrorCode},
    global_id,
    service::{Page, PageRequest},
};

/// Decodes a global id that must name a `type_name`; anything else reads as "not found".
pub fn parse_id(id: &ID, type_name: &'static str, field: &str) -> AppResult<i64> {
    match global_id::decode(id.as_str()) {
        Some((found, id)) if found == type_name => Ok(id),
        Some(_) => Err(AppError::invalid(
            &[field],
            FieldErrorCode::Invalid,
            format!("is not the id of a {type_name}"),
        )),
        None => Err(AppError::invalid(
            &[field],
            FieldErrorCode::Invalid,
            "is not a valid global id",
        )),
    }
}

/// Decodes a global id given in a mutation's `input`. Every mutation reports a malformed id, or
/// the id of another type, the same way: a `userErrors` entry at `input.<field>` (an id that
/// names nothing the caller may see is the service's `NOT_FOUND`).
pub fn input_id(id: &ID, type_name: &'static str, field: &str) -> AppResult<i64> {
    parse_id(id, type_name, field).map_err(|error| match error {
        AppError::Invalid(mut errors) => {
            for error in &mut errors {
                error.field.insert(0, "input".to_owned());
            }
            AppError::Invalid(errors)
        }
        other => other,
    })
}

pub fn to_id(type_name: &str, id: i64) -> ID {
    ID(global_id::encode(type_name, id))
}

/// An opaque cursor over ascending ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdCursor(pub i64);

const CURSOR_PREFIX: &str = "id:";

impl CursorType for IdCursor {
    type Error = AppError;

    fn decode_cursor(raw: &str) -> Result<Self, Self::Error> {
        let invalid =
            || AppError::invalid(&["after"], FieldErrorCode::Invalid, "is not a valid cursor");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let id = text
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        Ok(Self(id))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", self.0))
    }
}

#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many nodes match, across all pages.
    pub total_count: u64,
}

pub type IdConnection<T> = Connection<IdCursor, T, ConnectionTotals>;

/// Reads `first` / `after` into a page request.
pub fn page_request(first: Option<i32>, after: Option<String>) -> AppResult<PageRequest> {
    let after = after
        .map(|raw| IdCursor::decode_cursor(&raw).map(|cursor| cursor.0))
        .transpose()?;
    PageRequest::new(first, after)
}

/// Builds a connection from a page; `cursor_of` gives the cursor that follows each row.
pub fn connection<M, T, C>(
    page: Page<M>,
    cursor_of: impl Fn(&M) -> C,
    node: impl Fn(M) -> T,
) -> Connection<C, T, ConnectionTotals>
where
    T: async_graphql::OutputType,
    C: CursorType + Send + Sync,
{
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionTotals {
            total_count: page.total_count,
        },
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(cursor_of(&item), node(item)))
        .collect();
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_forgeries_fail() {
        let cursor = IdCursor(17).encode_cursor();
        assert_eq!(IdCursor::decode_cursor(&cursor).unwrap(), IdCursor(17));
        assert!(IdCursor::decode_cursor("not-a-cursor!").is_err());
        assert!(IdCursor::decode_cursor(&URL_SAFE_NO_PAD.encode("id:-4")).is_err());
        assert!(IdCursor::decode_cursor(&URL_SAFE_NO_PAD.encode("offset:4")).is_err());
    }
}
