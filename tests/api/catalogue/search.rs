//! Text search over titles and descriptions, behind one interface on both backends.

use serde_json::json;

use super::{Spec, create, products, titles};
use crate::helpers::*;

async fn catalogue(app: &TestApp) {
    let tenant = app.tenant("search").await;
    let seller = tenant.seller_id.as_str();
    for (title, description) in [
        (
            "Keripik Tempe Malang",
            "Keripik tempe renyah khas Malang, tanpa pengawet.",
        ),
        (
            "Sambal Bawang Pedas",
            "Sambal bawang rumahan, pedas mantap.",
        ),
        (
            "Kopi Gayo Arabika",
            "Biji kopi arabika dari dataran tinggi Gayo.",
        ),
        ("Tempe Mendoan Beku", "Mendoan siap goreng, dibekukan."),
    ] {
        create(
            app,
            &tenant,
            seller,
            Spec {
                title,
                description,
                ..Spec::default()
            },
        )
        .await;
    }
}

async fn search(app: &TestApp, term: &str) -> Vec<String> {
    let body = products(app, json!({ "filter": { "search": term } })).await;
    titles(&body)
}

/// Every page of a search for `term`, `first` products at a time, following `endCursor`.
async fn search_pages(app: &TestApp, term: &str, first: u64) -> Vec<serde_json::Value> {
    let mut pages = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let body = products(
            app,
            json!({ "filter": { "search": term }, "first": first, "after": after }),
        )
        .await;
        let info = body["data"]["products"]["pageInfo"].clone();
        pages.push(body);
        if info["hasNextPage"] != true {
            return pages;
        }
        after = info["endCursor"].clone();
    }
}

/// The titles of `pages`, in order.
fn titles_of(pages: &[serde_json::Value]) -> Vec<String> {
    pages.iter().flat_map(titles).collect()
}

#[tokio::test]
async fn words_of_title_and_description_find_products_best_first() {
    let app = spawn_app().await;
    catalogue(&app).await;

    let tempe = search(&app, "tempe").await;
    assert_eq!(tempe.len(), 2, "{tempe:?}");
    assert!(tempe.contains(&"Keripik Tempe Malang".to_owned()));
    assert!(tempe.contains(&"Tempe Mendoan Beku".to_owned()));
    assert_eq!(search(&app, "arabika gayo").await, ["Kopi Gayo Arabika"]);
    assert_eq!(search(&app, "pengawet").await, ["Keripik Tempe Malang"]);
    assert_eq!(search(&app, "KERIPIK").await, ["Keripik Tempe Malang"]);
    assert!(search(&app, "rendang").await.is_empty());
    // Search syntax in the input is read as words, never as an error.
    assert!(search(&app, "\" OR * ) (").await.is_empty());

    let body = products(
        &app,
        json!({ "filter": { "search": "tempe" }, "sort": "RELEVANCE", "first": 1 }),
    )
    .await;
    assert_eq!(body["data"]["products"]["totalCount"], 2, "{body}");
    assert_eq!(body["data"]["products"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn a_typo_still_finds_the_product_on_postgres_and_a_prefix_on_sqlite() {
    let app = spawn_app().await;
    catalogue(&app).await;
    if std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        assert_eq!(search(&app, "keripk").await, ["Keripik Tempe Malang"]);
        assert_eq!(search(&app, "sambbal").await, ["Sambal Bawang Pedas"]);
    } else {
        assert_eq!(search(&app, "kerip").await, ["Keripik Tempe Malang"]);
        assert_eq!(search(&app, "samb").await, ["Sambal Bawang Pedas"]);
    }
}

#[tokio::test]
async fn search_pages_through_ranked_results_without_repeats() {
    let app = spawn_app().await;
    let tenant = app.tenant("search-pages").await;
    for index in 0..7 {
        let title = format!("Keripik Singkong Rasa {index}");
        create(&app, &tenant, &tenant.seller_id, Spec::titled(&title)).await;
    }
    let mut seen = titles_of(&search_pages(&app, "singkong", 3).await);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "{seen:?}");
}

#[tokio::test]
async fn title_matches_rank_above_description_matches_and_pages_cross_the_tiers() {
    let app = spawn_app().await;
    let tenant = app.tenant("search-tiers").await;
    // Created oldest first, so newest-first alone would put the description matches on top.
    for (title, description) in [
        ("Tempe Goreng Kering", "Lauk siap santap."),
        ("Tempe Bacem", "Manis legit."),
        ("Kerupuk Udang", "Cocok dengan tempe goreng."),
        ("Sambal Ijo", "Teman makan tempe."),
        ("Tempeh Chips", "Untuk pasar ekspor."),
    ] {
        let spec = Spec {
            title,
            description,
            ..Spec::default()
        };
        create(&app, &tenant, &tenant.seller_id, spec).await;
    }
    let expected = if std::env::var("DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        // "tempeh" is not the word "tempe": it is found as a near miss, after every exact match.
        [
            "Tempe Bacem",
            "Tempe Goreng Kering",
            "Sambal Ijo",
            "Kerupuk Udang",
            "Tempeh Chips",
        ]
    } else {
        // FTS5 matches words by prefix, so "tempeh" is a title match there.
        [
            "Tempeh Chips",
            "Tempe Bacem",
            "Tempe Goreng Kering",
            "Sambal Ijo",
            "Kerupuk Udang",
        ]
    };
    assert_eq!(search(&app, "tempe").await, expected);

    let pages = search_pages(&app, "tempe", 2).await;
    for body in &pages {
        assert_eq!(body["data"]["products"]["totalCount"], 5, "{body}");
    }
    assert_eq!(titles_of(&pages), expected);
}

#[tokio::test]
async fn matches_older_than_the_window_of_newest_products_are_found_and_paged_once() {
    // A window of two products: most matches below lie outside it, where the indexes find them.
    let app = spawn_app_with(&[("CATALOGUE_SEARCH_WINDOW", "2")]).await;
    let tenant = app.tenant("search-window").await;
    let mut created = Vec::new();
    for index in 0..9 {
        let (title, description) = match index % 3 {
            0 => (format!("Rengginang Ketan {index}"), "Renyah gurih."),
            1 => (format!("Gula Aren {index}"), "Teman rengginang."),
            _ => (format!("Kopi Robusta {index}"), "Pahit mantap."),
        };
        let spec = Spec {
            title: &title,
            description,
            ..Spec::default()
        };
        create(&app, &tenant, &tenant.seller_id, spec).await;
        created.push(title);
    }
    // Title matches newest first, then the description matches newest first.
    let expected: Vec<String> = [6, 3, 0, 7, 4, 1]
        .iter()
        .map(|index| created[*index].clone())
        .collect();
    for first in [1, 2, 4, 20] {
        let seen = titles_of(&search_pages(&app, "rengginang", first).await);
        assert_eq!(seen, expected, "pages of {first}");
    }
}
