//! Seller imports: counts, line numbers, and matching by phone or NIB.

use serde_json::{Value, json};

use super::{SELLER_HEADER, import, rejected_lines, seller_file, seller_row};
use crate::helpers::{count, spawn_app};

#[tokio::test]
async fn ten_thousand_rows_with_a_hundred_bad_ones_store_9900_sellers_and_name_the_bad_lines() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, bad_lines) = seller_file(10_000);
    let before = count(&app.db, "sellers").await;

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["totalRows"], 10_000);
    assert_eq!(job["processedRows"], 10_000);
    assert_eq!(job["createdCount"], 9_900);
    assert_eq!(job["updatedCount"], 0);
    assert_eq!(job["rejectedCount"], 100);
    assert_eq!(rejected_lines(&job), bad_lines);
    assert_eq!(count(&app.db, "sellers").await, before + 9_900);
}

#[tokio::test]
async fn importing_the_same_10000_rows_again_adds_no_seller_and_reports_them_updated() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, bad_lines) = seller_file(10_000);
    import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;
    let after_first = count(&app.db, "sellers").await;

    let job = import(&app, &tenant.admin, "importSellers", csv.as_bytes()).await;

    assert_eq!(count(&app.db, "sellers").await, after_first);
    assert_eq!(job["createdCount"], 0, "{job}");
    assert_eq!(job["updatedCount"], 9_900);
    assert_eq!(job["rejectedCount"], 100);
    assert_eq!(rejected_lines(&job), bad_lines);
}

#[tokio::test]
async fn each_kind_of_bad_row_is_rejected_with_its_line_field_and_reason() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(500);

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    let rows: Vec<(u64, Value, String)> = job["rejectedRows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let message = row["message"].as_str().unwrap().to_owned();
            (row["line"].as_u64().unwrap(), row["field"].clone(), message)
        })
        .collect();
    let fields: Vec<&Value> = rows.iter().map(|(_, field, _)| field).collect();
    assert_eq!(
        fields,
        [
            &json!("phone"),
            &json!("nib"),
            &json!("business_name"),
            &json!("sector"),
            &Value::Null
        ],
        "{job}"
    );
    assert!(rows[0].2.contains("Indonesian phone number"), "{rows:?}");
    assert!(rows[3].2.contains("FOOD_AND_DRINK"), "{rows:?}");
    assert!(rows[4].2.contains("too many fields"), "{rows:?}");
    assert_eq!(job["createdCount"], 495);
}

#[tokio::test]
async fn a_row_with_the_phone_of_an_onboarded_seller_updates_that_seller() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let before = count(&app.db, "sellers").await;
    // The tenant's seller was onboarded as 0812-3456-7890.
    let csv = format!(
        "{SELLER_HEADER}\nKeripik Baru,Ibu Sari,+62 812 3456 7890,,CRAFTS,small,Jawa Tengah,\
         Semarang,,,,\n"
    );

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    assert_eq!(
        (job["createdCount"].clone(), job["updatedCount"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(count(&app.db, "sellers").await, before);
    let body = app
        .graphql(
            "query($id: ID!) { seller(id: $id) { businessName sector scale } }",
            json!({ "id": tenant.seller_id }),
            Some(&tenant.staff.access_token),
        )
        .await;
    assert_eq!(
        body["data"]["seller"],
        json!({ "businessName": "Keripik Baru", "sector": "CRAFTS", "scale": "SMALL" })
    );
}

#[tokio::test]
async fn a_row_repeating_an_earlier_phone_in_the_file_is_rejected() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = format!("{SELLER_HEADER}\n{}\n{}\n", seller_row(1), seller_row(1));

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    assert_eq!(job["createdCount"], 1, "{job}");
    assert_eq!(job["rejectedRows"][0]["line"], 3);
    assert_eq!(
        job["rejectedRows"][0]["message"],
        "repeats the phone of line 2"
    );
}
