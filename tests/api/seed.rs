use api::seed::{SeedPlan, run};
use serde_json::json;

use crate::helpers::{count, spawn_app};

#[tokio::test]
async fn the_seeder_fills_every_table_and_the_api_keeps_working() {
    let app = spawn_app().await;
    let plan = SeedPlan {
        aggregators: 2,
        sellers: 40,
        products: 300,
    };

    let report = run(&app.db, plan).await.unwrap();

    assert_eq!(
        (report.aggregators, report.sellers, report.products),
        (2, 40, 300)
    );
    assert_eq!(count(&app.db, "sellers").await, 40);
    assert_eq!(count(&app.db, "products").await, 300);
    assert_eq!(
        count(&app.db, "product_variants").await as usize,
        report.variants
    );
    assert!(report.variants >= 300);
    assert_eq!(count(&app.db, "product_images").await, 300);
    assert!(
        report.listings > 0,
        "some active products are listed on the partner channels"
    );
    // Ids were allocated by the seeder; new records through the API must still get fresh ones.
    let tenant = app.tenant("after-seed").await;
    let body = app
        .graphql(
            "{ sellers { totalCount } }",
            json!({}),
            Some(&tenant.admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["sellers"]["totalCount"], 1, "{body}");
    // A second run adds as much again.
    run(&app.db, plan).await.unwrap();
    assert_eq!(count(&app.db, "products").await, 600);
}
