//! Cursor pagination: opaque, stable cursors, and no repeats or gaps while the catalogue
//! changes between pages.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{Spec, archive, create, products, retitle};
use crate::helpers::*;

fn ids(body: &Value) -> Vec<String> {
    body["data"]["products"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no products: {body}"))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn paging_while_the_catalogue_changes_never_repeats_or_skips_a_product() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let tenant = app.tenant("pages-under-writes").await;
    let mut stable = Vec::new();
    for index in 0..24 {
        let title = format!("Produk Tetap {index}");
        let price = [15000 + index * 1000];
        stable.push(
            create(
                &app,
                &tenant,
                &tenant.seller_id,
                Spec::priced(&title, &price),
            )
            .await,
        );
    }
    let mut doomed = Vec::new();
    for index in 0..6 {
        let title = format!("Produk Sementara {index}");
        let price = [16500 + index * 3000];
        doomed.push(
            create(
                &app,
                &tenant,
                &tenant.seller_id,
                Spec::priced(&title, &price),
            )
            .await,
        );
    }

    for sort in ["NEWEST", "PRICE_ASC", "PRICE_DESC"] {
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        let mut page = 0;
        loop {
            let body = products(&app, json!({ "first": 5, "after": after, "sort": sort })).await;
            seen.extend(ids(&body));
            // Between pages: new products, a removal, and edits that do not move the sort key.
            let title = format!("Baru {sort} {page}");
            create(
                &app,
                &tenant,
                &tenant.seller_id,
                Spec::priced(&title, &[17250]),
            )
            .await;
            if let Some(id) = doomed.pop() {
                archive(&app, &tenant, &id).await;
            }
            retitle(
                &app,
                &tenant,
                &stable[page % stable.len()],
                &format!("Diubah {sort} {page}"),
            )
            .await;
            page += 1;
            let info = &body["data"]["products"]["pageInfo"];
            if info["hasNextPage"] != true {
                break;
            }
            after = info["endCursor"].clone();
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{sort}: a product came twice: {seen:?}"
        );
        for id in &stable {
            assert!(
                unique.contains(id),
                "{sort}: {id} existed throughout but was skipped"
            );
        }
        doomed.clear();
    }
}

#[tokio::test]
async fn cursors_are_opaque_and_resume_exactly() {
    let app = spawn_app().await;
    let tenant = app.tenant("pages-cursors").await;
    for index in 0..5 {
        let title = format!("Produk {index}");
        create(
            &app,
            &tenant,
            &tenant.seller_id,
            Spec::priced(&title, &[10000]),
        )
        .await;
    }
    // Equal prices: the id breaks the tie, so pages of two cover all five exactly once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = products(
            &app,
            json!({ "first": 2, "after": after, "sort": "PRICE_ASC" }),
        )
        .await;
        let page = ids(&body);
        assert!(page.len() <= 2);
        seen.extend(page);
        let info = &body["data"]["products"]["pageInfo"];
        let cursor = info["endCursor"].as_str().unwrap_or_default();
        assert!(
            !cursor.contains("gid://") && !cursor.contains(':'),
            "cursor {cursor} is not opaque"
        );
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");
}
