//! Offline-first delta sync: `catalogueChanges(since, first)` returns the public products that
//! changed after a sync token, tombstones for those that left the public catalogue, and the
//! token to ask with next time.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, SimpleObject};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::{
    app,
    catalogue::{fields_of, tag_products},
    catalogue_types::CatalogueProduct,
    gql,
    relay::to_id,
    response_cache::tag_response,
};
use crate::{
    error::{AppError, AppResult, FieldErrorCode},
    service::{
        PageRequest,
        catalogue::{
            changes::{self as catalogue_changes, LogPosition},
            public as public_catalogue,
        },
    },
};

const TOKEN_PREFIX: &str = "sync1";

fn invalid_token() -> AppError {
    AppError::invalid(
        &["since"],
        FieldErrorCode::Invalid,
        "is not a valid sync token",
    )
}

fn encode_token(position: LogPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{TOKEN_PREFIX}:{}:{}",
        position.seq, position.product_id
    ))
}

fn decode_token(raw: &str) -> AppResult<LogPosition> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid_token())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid_token())?;
    let parts: Vec<&str> = text.split(':').collect();
    let [TOKEN_PREFIX, seq, product_id] = parts.as_slice() else {
        return Err(invalid_token());
    };
    let number = |raw: &str| raw.parse::<i64>().ok().filter(|value| *value >= 0);
    match (number(seq), number(product_id)) {
        (Some(seq), Some(product_id)) => Ok(LogPosition { seq, product_id }),
        _ => Err(invalid_token()),
    }
}

/// One product's change: its current public view, or a tombstone.
#[derive(SimpleObject)]
pub struct CatalogueChange {
    /// The product's global id, also for a tombstone.
    pub product_id: ID,
    /// True when the product is no longer public (archived, unpublished, or its seller
    /// suspended): remove it from the local copy.
    pub removed: bool,
    /// The product as the catalogue now shows it; null when `removed`.
    pub product: Option<CatalogueProduct>,
}

#[derive(SimpleObject)]
pub struct CatalogueChanges {
    /// Oldest first; a product appears at most once per page.
    pub changes: Vec<CatalogueChange>,
    /// Pass it as `since` next time; it moves past every change of this page.
    pub sync_token: String,
    /// More changes wait after this page: ask again with `syncToken` right away.
    pub has_more: bool,
}

#[derive(Default)]
pub struct CatalogueSyncQuery;

#[Object]
impl CatalogueSyncQuery {
    /// The public catalogue's changes after `since` (from the beginning without it, which
    /// gives the whole catalogue). Following `syncToken` until `hasMore` is false leaves a
    /// local copy equal to the current public catalogue.
    async fn catalogue_changes(
        &self,
        ctx: &Context<'_>,
        since: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<CatalogueChanges> {
        // Every change to the catalogue is a change to its log.
        tag_response(ctx, [crate::cache::tags::ANY_CHANGE.to_owned()]);
        let after = gql(since.as_deref().map(decode_token).transpose())?;
        let first = gql(PageRequest::new(first, None))?.first;
        let app = app(ctx)?;
        let mut positions = gql(catalogue_changes::changes_after(&app.db, after, first + 1).await)?;
        let has_more = positions.len() as u64 > first;
        positions.truncate(first as usize);
        let ids: Vec<i64> = positions
            .iter()
            .map(|position| position.product_id)
            .collect();
        let product = ctx.look_ahead().field("changes").field("product");
        let public =
            gql(public_catalogue::find_many(&app.catalogue_db, &ids, fields_of(&product)).await)?;
        tag_products(ctx, &product, &public);
        let mut public: HashMap<i64, CatalogueProduct> =
            public.into_iter().map(|row| (row.id, row.into())).collect();
        let sync_token = positions.last().copied().or(after).map_or_else(
            || {
                encode_token(LogPosition {
                    seq: 0,
                    product_id: 0,
                })
            },
            encode_token,
        );
        let changes = positions
            .iter()
            .map(|position| {
                let product = public.remove(&position.product_id);
                CatalogueChange {
                    product_id: to_id("Product", position.product_id),
                    removed: product.is_none(),
                    product,
                }
            })
            .collect();
        Ok(CatalogueChanges {
            changes,
            sync_token,
            has_more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_are_refused() {
        let position = LogPosition {
            seq: 42,
            product_id: 7,
        };
        assert_eq!(decode_token(&encode_token(position)).unwrap(), position);
        for forged in [
            "",
            "abc",
            &URL_SAFE_NO_PAD.encode("sync1:-1:2"),
            &URL_SAFE_NO_PAD.encode("cat1:1:2"),
        ] {
            assert!(decode_token(forged).is_err(), "{forged}");
        }
    }
}
