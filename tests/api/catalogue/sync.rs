//! Offline-first delta sync: `catalogueChanges` from a token, with tombstones, reproduces the
//! public catalogue exactly, also while it changes.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use super::{Spec, archive, create, retitle, suspend_seller};
use crate::helpers::*;

const CHANGES: &str = "query($since: String, $first: Int) {
    catalogueChanges(since: $since, first: $first) {
        syncToken hasMore changes { productId removed product { id title } } } }";

/// A mobile app's local copy: product id → title.
#[derive(Default)]
struct LocalCopy {
    products: BTreeMap<String, String>,
    token: Option<String>,
}

impl LocalCopy {
    /// Follows the tokens until nothing more waits; returns the pages fetched.
    async fn sync(&mut self, app: &TestApp, first: i64) -> Vec<Value> {
        let mut pages = Vec::new();
        loop {
            let body = app
                .graphql(
                    CHANGES,
                    json!({ "since": self.token, "first": first }),
                    None,
                )
                .await;
            let page = body["data"]["catalogueChanges"].clone();
            assert!(page.is_object(), "{body}");
            for change in page["changes"].as_array().unwrap() {
                let id = change["productId"].as_str().unwrap().to_owned();
                if change["removed"] == true {
                    assert!(change["product"].is_null());
                    self.products.remove(&id);
                } else {
                    let title = change["product"]["title"].as_str().unwrap().to_owned();
                    self.products.insert(id, title);
                }
            }
            self.token = Some(page["syncToken"].as_str().unwrap().to_owned());
            let more = page["hasMore"] == true;
            pages.push(page);
            if !more {
                return pages;
            }
        }
    }
}

/// The public catalogue now, paged through `products`: id → title.
async fn public_catalogue(app: &TestApp) -> BTreeMap<String, String> {
    let mut all = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .graphql(
                "query($after: String) { products(first: 100, after: $after, sort: NEWEST) {
                    pageInfo { hasNextPage endCursor } edges { node { id title } } } }",
                json!({ "after": after }),
                None,
            )
            .await;
        let connection = &body["data"]["products"];
        for edge in connection["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
        {
            all.insert(
                edge["node"]["id"].as_str().unwrap().to_owned(),
                edge["node"]["title"].as_str().unwrap().to_owned(),
            );
        }
        if connection["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_first_sync_copies_the_catalogue_and_later_ones_fetch_only_the_changes() {
    let app = spawn_app().await;
    let tenant = app.tenant("sync-basic").await;
    let other_seller = app
        .onboard_seller(&tenant.staff, "Madu Hutan", "0813-7777-1212")
        .await;
    let seller = tenant.seller_id.as_str();
    let mut ids = Vec::new();
    for index in 0..5 {
        let title = format!("Produk {index}");
        ids.push(create(&app, &tenant, seller, Spec::titled(&title)).await);
    }
    let draft = create(
        &app,
        &tenant,
        seller,
        Spec {
            title: "Draf",
            status: "DRAFT",
            ..Spec::default()
        },
    )
    .await;
    let honey = create(&app, &tenant, &other_seller, Spec::titled("Madu")).await;

    let mut local = LocalCopy::default();
    let pages = local.sync(&app, 3).await;
    assert_eq!(pages.len(), 3, "7 changes in pages of 3");
    assert_eq!(local.products, public_catalogue(&app).await);
    assert_eq!(local.products.len(), 6);
    assert!(!local.products.contains_key(&draft));

    // Nothing changed: nothing to fetch, and the token stays put.
    let token = local.token.clone();
    let pages = local.sync(&app, 3).await;
    assert!(pages[0]["changes"].as_array().unwrap().is_empty());
    assert_eq!(local.token, token);

    retitle(&app, &tenant, &ids[0], "Produk Nol Baru").await;
    archive(&app, &tenant, &ids[1]).await;
    suspend_seller(&app, &tenant, &other_seller).await;
    let fresh = create(&app, &tenant, seller, Spec::titled("Baru")).await;

    let pages = local.sync(&app, 100).await;
    let changes = pages[0]["changes"].as_array().unwrap();
    let changed: HashSet<&str> = changes
        .iter()
        .map(|change| change["productId"].as_str().unwrap())
        .collect();
    let expected: HashSet<&str> = [
        ids[0].as_str(),
        ids[1].as_str(),
        honey.as_str(),
        fresh.as_str(),
    ]
    .into();
    assert_eq!(changed, expected, "{changes:?}");
    let removed: HashSet<&str> = changes
        .iter()
        .filter(|change| change["removed"] == true)
        .map(|change| change["productId"].as_str().unwrap())
        .collect();
    assert_eq!(removed, [ids[1].as_str(), honey.as_str()].into());
    assert_eq!(local.products[&ids[0]], "Produk Nol Baru");
    assert_eq!(local.products, public_catalogue(&app).await);
}

#[tokio::test]
async fn an_old_token_sees_every_later_change_even_under_concurrent_writes() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_MINUTE", "0")]).await;
    let tenant = app.tenant("sync-concurrent").await;
    let mut ids = Vec::new();
    for index in 0..10 {
        let title = format!("Awal {index}");
        ids.push(create(&app, &tenant, &tenant.seller_id, Spec::titled(&title)).await);
    }
    let mut early = LocalCopy::default();
    early.sync(&app, 4).await;
    let mut follower = LocalCopy::default();

    // Writers change the catalogue while the follower keeps syncing in small pages.
    let writers: Vec<_> = (0..3)
        .map(|writer| {
            let app = app.clone_client();
            let tenant = tenant.clone();
            let ids = ids.clone();
            tokio::spawn(async move {
                for round in 0..6 {
                    let title = format!("Penulis {writer} putaran {round}");
                    create(&app, &tenant, &tenant.seller_id, Spec::titled(&title)).await;
                    let target = &ids[(writer * 3 + round) % ids.len()];
                    if writer == 2 && round % 3 == 0 {
                        archive(&app, &tenant, target).await;
                    } else {
                        retitle_lenient(&app, &tenant, target, &format!("Ubah {writer}-{round}"))
                            .await;
                    }
                }
            })
        })
        .collect();
    while !writers.iter().all(|writer| writer.is_finished()) {
        follower.sync(&app, 5).await;
    }
    for writer in writers {
        writer.await.unwrap();
    }

    let catalogue = public_catalogue(&app).await;
    follower.sync(&app, 5).await;
    assert_eq!(follower.products, catalogue, "the follower's copy drifted");
    early.sync(&app, 7).await;
    assert_eq!(early.products, catalogue, "the early token missed a change");
    let mut fresh = LocalCopy::default();
    fresh.sync(&app, 100).await;
    assert_eq!(fresh.products, catalogue);
}

/// A retitle that tolerates losing a version race to another writer.
async fn retitle_lenient(app: &TestApp, tenant: &Tenant, id: &str, title: &str) {
    for _ in 0..5 {
        let current = app
            .graphql(
                "query($id: ID!) { managedProduct(id: $id) { version status } }",
                json!({ "id": id }),
                Some(&tenant.staff.access_token),
            )
            .await;
        let version = current["data"]["managedProduct"]["version"]
            .as_i64()
            .unwrap();
        let body = app
            .graphql(
                "mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
                    product { id } userErrors { code } } }",
                json!({ "input": { "id": id, "expectedVersion": version, "title": title } }),
                Some(&tenant.staff.access_token),
            )
            .await;
        if body["data"]["updateProduct"]["product"].is_object() {
            return;
        }
    }
    panic!("could not retitle {id}");
}

#[tokio::test]
async fn a_forged_sync_token_is_bad_user_input() {
    let app = spawn_app().await;
    for token in ["garbage", "c3luYzE6LTE6Mg", "Y2F0MTpuOjE6MQ"] {
        let body = app.graphql(CHANGES, json!({ "since": token }), None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{token}: {body}");
    }
    let body = app.graphql(CHANGES, json!({ "first": 1000 }), None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
}
