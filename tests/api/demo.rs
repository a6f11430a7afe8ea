use crate::helpers::{count, spawn_app};

#[tokio::test]
async fn the_demo_data_loads_once_and_its_logins_work() {
    let app = spawn_app().await;
    let context = api::startup::build_context(app.settings.clone())
        .await
        .unwrap();

    let first = api::demo::load(&context.db).await.unwrap();
    let counts = [
        count(&app.db, "aggregators").await,
        count(&app.db, "sellers").await,
        count(&app.db, "products").await,
        count(&app.db, "product_variants").await,
        count(&app.db, "channels").await,
        count(&app.db, "users").await,
    ];
    let second = api::demo::load(&context.db).await.unwrap();

    assert_eq!(first.aggregators_created, 5);
    assert_eq!(second.aggregators_created, 0);
    let [aggregators, sellers, products, variants, channels, _] = counts;
    assert_eq!(aggregators, 5);
    assert!(sellers >= 40, "{sellers} sellers");
    assert!(products >= 200, "{products} products");
    assert!(variants > products, "every product has variants");
    assert!(channels >= 5);
    for (i, table) in [
        "aggregators",
        "sellers",
        "products",
        "product_variants",
        "channels",
        "users",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(
            count(&app.db, table).await,
            counts[i],
            "{table} grew on the second load"
        );
    }
    let session = app
        .login("admin@jne-medan.demo", api::demo::DEMO_PASSWORD)
        .await;
    let body = app
        .graphql(
            "{ sellers { totalCount } }",
            serde_json::json!({}),
            Some(&session.access_token),
        )
        .await;
    assert!(
        body["data"]["sellers"]["totalCount"].as_i64().unwrap() >= 8,
        "{body}"
    );
}
