//! Files refused whole: each gives one userError on `file` and stores nothing.

use serde_json::{Value, json};

use super::{SELLER_HEADER, seller_row, upload};
use crate::helpers::{Session, TestApp, count, spawn_app};

/// Uploads a file that must be refused whole, and returns its one userError.
async fn refused(app: &TestApp, token: &Session, csv: &[u8]) -> Value {
    let before = count(&app.db, "sellers").await;
    let body = upload(app, token, "importSellers", "bad.csv", csv).await;
    let payload = &body["data"]["importSellers"];
    assert!(payload["job"].is_null(), "{body}");
    assert_eq!(
        payload["userErrors"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    assert_eq!(payload["userErrors"][0]["field"], json!(["file"]));
    assert_eq!(count(&app.db, "sellers").await, before);
    assert_eq!(count(&app.db, "import_jobs").await, 0);
    payload["userErrors"][0].clone()
}

#[tokio::test]
async fn a_file_missing_a_header_column_is_refused_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let header = SELLER_HEADER.replace("phone,", "");
    let csv = format!("{header}\nUsaha,Pemilik,,FOOD_AND_DRINK,MICRO,Jawa Tengah,Semarang,,,,\n");

    let error = refused(&app, &tenant.staff, csv.as_bytes()).await;

    assert_eq!(error["code"], "INVALID");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("missing the header column phone"),
        "{message}"
    );
}

#[tokio::test]
async fn a_semicolon_separated_file_is_refused_saying_so() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = format!("{}\n{}\n", SELLER_HEADER, seller_row(1)).replace(',', ";");

    let error = refused(&app, &tenant.staff, csv.as_bytes()).await;

    let message = error["message"].as_str().unwrap();
    assert!(message.contains("semicolons (;)"), "{message}");
}

#[tokio::test]
async fn a_file_with_non_utf8_bytes_is_refused_naming_the_first_bad_line() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let mut csv = format!("{SELLER_HEADER}\n{}\n", seller_row(1)).into_bytes();
    // "Kafé" in Windows-1252, as a spreadsheet may save it.
    csv.extend_from_slice(b"Kaf\xE9 Bu Tin,Tin,081299990000,,FOOD_AND_DRINK,MICRO,Jawa,Solo,,,,\n");

    let error = refused(&app, &tenant.staff, &csv).await;

    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("not UTF-8") && message.contains("line 3"),
        "{message}"
    );
}

#[tokio::test]
async fn an_empty_file_is_refused() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;

    let error = refused(&app, &tenant.staff, b"").await;

    assert_eq!(error["code"], "BLANK");
    assert_eq!(error["message"], "is empty");
}

#[tokio::test]
async fn a_file_with_an_unknown_column_is_refused_naming_it() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = format!("{SELLER_HEADER},instagram\n{},@usaha\n", seller_row(1));

    let error = refused(&app, &tenant.staff, csv.as_bytes()).await;

    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("unknown columns: 'instagram'"),
        "{message}"
    );
}
