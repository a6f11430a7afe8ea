//! What a write changed in the public catalogue, collected while it runs and published to the
//! cache once it committed (`collecting`, then `publish`); when the CDN is purged by tag, the
//! same tags are queued for it in the write's own transaction (`super::cdn_purges`).
//!
//! The writes record their changes where they already end every change to a product or a
//! seller (`product_changes`), and the catalogue clock's tick they committed under
//! (`catalogue::changes`). A write made outside `collecting` publishes nothing: its tick then
//! stays above the cache's watermark, and the freshness watch drops every cached response
//! (`catalogue::freshness`), so a forgotten path costs hit rate, never correctness.

use std::{cell::RefCell, collections::BTreeSet, future::Future};

use sea_orm::{ConnectionTrait, Value};

use crate::{
    cache::{
        Cache, Ticks,
        tags::{self, ListChange, ListScope},
    },
    db::statement,
    error::AppResult,
};

tokio::task_local! {
    static PENDING: RefCell<Changed>;
}

/// The tags a write changed and the clock ticks it committed under.
#[derive(Debug, Default)]
pub struct Changed {
    tags: BTreeSet<String>,
    ticks: Option<Ticks>,
    /// Queue the tags for the CDN too.
    purges_cdn: bool,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.ticks.is_none()
    }
}

/// Runs `work`, collecting what it changes in the public catalogue for `cache`.
pub async fn collecting<F: Future>(cache: &Cache, work: F) -> (F::Output, Changed) {
    let changed = Changed {
        purges_cdn: cache.purges_cdn(),
        ..Changed::default()
    };
    PENDING
        .scope(RefCell::new(changed), async {
            let output = work.await;
            (output, PENDING.with(RefCell::take))
        })
        .await
}

/// Publishes what a write changed. Call it after the write committed, before reporting it
/// done. A cache that refuses is degraded by it (and says so once); the write stands.
pub async fn publish(cache: &Cache, changed: Changed) {
    if changed.is_empty() {
        return;
    }
    let mut tags: Vec<String> = changed.tags.into_iter().collect();
    tags.push(tags::ANY_CHANGE.to_owned());
    if let Err(err) = cache.publish_changes(&tags, changed.ticks).await {
        tracing::debug!(error = %err, "the write's invalidation was not published");
    }
}

fn collecting_now() -> bool {
    PENDING.try_with(|_| ()).is_ok()
}

fn record(tags: impl IntoIterator<Item = String>) {
    let _ = PENDING.try_with(|pending| pending.borrow_mut().tags.extend(tags));
}

/// Records `tags`, and queues them for the CDN when it is purged by tag.
async fn finish(db: &impl ConnectionTrait, mut tags: Vec<String>) -> AppResult<()> {
    record(tags.iter().cloned());
    if PENDING.try_with(|pending| pending.borrow().purges_cdn) == Ok(true) {
        tags.push(tags::ANY_CHANGE.to_owned());
        super::cdn_purges::queue(db, &tags).await?;
    }
    Ok(())
}

/// Records a tick of the catalogue clock the running write took.
pub(super) fn record_tick(tick: i64) {
    let _ = PENDING.try_with(|pending| {
        let mut pending = pending.borrow_mut();
        pending.ticks = Some(match pending.ticks {
            Some((low, high)) => (low.min(tick), high.max(tick)),
            None => (tick, tick),
        });
    });
}

/// Records changes to products: each product, and the lists it is drawn in (its seller's, its
/// category's and that category's parents', and the whole catalogue's). Reads the products'
/// current seller and category, so call it after changing them, in the same transaction.
pub(super) async fn record_products(
    db: &impl ConnectionTrait,
    product_ids: &[i64],
    change: ListChange,
) -> AppResult<()> {
    if !collecting_now() || product_ids.is_empty() {
        return Ok(());
    }
    let mut changed: Vec<String> = product_ids.iter().map(|id| tags::product(*id)).collect();
    changed.push(ListScope::All.tag(change));
    for chunk in product_ids.chunks(500) {
        let list = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<Value> = chunk.iter().map(|id| Value::from(*id)).collect();
        let sellers = format!("SELECT DISTINCT seller_id FROM products WHERE id IN ({list})");
        let scopes = [(sellers, ids.clone()), (categories_of(&list), ids)];
        changed.extend(list_tags(db, scopes, change).await?);
    }
    finish(db, changed).await
}

/// Records changes to sellers' public profiles or status: each seller, and every list their
/// products are drawn in.
pub(super) async fn record_sellers(db: &impl ConnectionTrait, seller_ids: &[i64]) -> AppResult<()> {
    if !collecting_now() || seller_ids.is_empty() {
        return Ok(());
    }
    let mut changed: Vec<String> = seller_ids.iter().map(|id| tags::seller(*id)).collect();
    changed.push(ListScope::All.tag(ListChange::Membership));
    for chunk in seller_ids.chunks(500) {
        let list = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<Value> = chunk.iter().map(|id| Value::from(*id)).collect();
        let sellers = format!("SELECT id AS seller_id FROM sellers WHERE id IN ({list})");
        let products = format!("SELECT id FROM products WHERE seller_id IN ({list})");
        let scopes = [(sellers, ids.clone()), (categories_of(&products), ids)];
        changed.extend(list_tags(db, scopes, ListChange::Membership).await?);
    }
    finish(db, changed).await
}

/// Records that products left a category's lists (they moved to another).
pub(super) async fn record_left_category(
    db: &impl ConnectionTrait,
    category_id: i64,
) -> AppResult<()> {
    if !collecting_now() {
        return Ok(());
    }
    let scopes = [(with_parents("?"), vec![category_id.into()])];
    let changed = list_tags(db, scopes, ListChange::Membership).await?;
    finish(db, changed).await
}

/// The categories of the products whose ids `products` lists or selects, with their parents.
fn categories_of(products: &str) -> String {
    with_parents(&format!(
        "SELECT category_id FROM products WHERE id IN ({products})"
    ))
}

/// The categories whose ids `categories` lists or selects, with all their parents; selects
/// `category_id`.
fn with_parents(categories: &str) -> String {
    format!(
        "WITH RECURSIVE up(id, parent_id) AS ( \
           SELECT id, parent_id FROM categories WHERE id IN ({categories}) \
           UNION SELECT categories.id, categories.parent_id FROM categories \
           JOIN up ON categories.id = up.parent_id) \
         SELECT id AS category_id FROM up"
    )
}

/// The list tags of the sellers and categories the statements select (as `seller_id` or
/// `category_id`), each statement with its values.
async fn list_tags(
    db: &impl ConnectionTrait,
    scopes: impl IntoIterator<Item = (String, Vec<Value>)>,
    change: ListChange,
) -> AppResult<Vec<String>> {
    let backend = db.get_database_backend();
    let mut changed = Vec::new();
    for (sql, values) in scopes {
        for row in db.query_all_raw(statement(backend, &sql, values)).await? {
            let scope = match row.try_get::<i64>("", "seller_id") {
                Ok(seller) => ListScope::Seller(seller),
                Err(_) => ListScope::Category(row.try_get("", "category_id")?),
            };
            changed.push(scope.tag(change));
        }
    }
    Ok(changed)
}
