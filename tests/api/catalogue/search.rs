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
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let body = products(
            &app,
            json!({ "filter": { "search": "singkong" }, "first": 3, "after": after }),
        )
        .await;
        seen.extend(titles(&body));
        let info = &body["data"]["products"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "{seen:?}");
}
