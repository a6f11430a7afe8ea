//! Who may import and read jobs; the audit entry and the job list.

use serde_json::json;

use super::{SELLER_HEADER, import, job, seller_file, seller_row, upload};
use crate::helpers::{count, error_code, spawn_app};

#[tokio::test]
async fn a_job_of_another_aggregator_reads_as_not_found() {
    let app = spawn_app().await;
    let semarang = app.tenant("semarang").await;
    let madiun = app.tenant("madiun").await;
    let csv = format!("{SELLER_HEADER}\n{}\n", seller_row(1));
    let imported = import(&app, &semarang.staff, "importSellers", csv.as_bytes()).await;
    let id = imported["id"].as_str().unwrap();

    let body = job(&app, &madiun.admin, id).await;

    assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    let body = app
        .graphql(
            "{ importJobs { totalCount } }",
            json!({}),
            Some(&madiun.admin.access_token),
        )
        .await;
    assert_eq!(body["data"]["importJobs"]["totalCount"], 0, "{body}");
}

#[tokio::test]
async fn a_seller_login_may_not_import_or_read_jobs() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = format!("{SELLER_HEADER}\n{}\n", seller_row(1));

    let body = upload(
        &app,
        &tenant.seller_login,
        "importSellers",
        "s.csv",
        csv.as_bytes(),
    )
    .await;

    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    assert_eq!(count(&app.db, "import_jobs").await, 0);
    let body = app
        .graphql(
            "{ importJobs { totalCount } }",
            json!({}),
            Some(&tenant.seller_login.access_token),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn a_finished_import_writes_one_audit_entry_with_its_counts() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(200);

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    use entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("import.sellers"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{job}");
    let changes = entries[0].changes.clone().unwrap();
    assert_eq!(changes["createdCount"], 198);
    assert_eq!(changes["rejectedCount"], 2);
    assert_eq!(changes["status"], "SUCCEEDED");
}

#[tokio::test]
async fn jobs_are_listed_newest_first() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let csv = format!("{SELLER_HEADER}\n{}\n", seller_row(1));
    let first = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;
    let second = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    let body = app
        .graphql(
            "{ importJobs(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } } }",
            json!({}),
            Some(&tenant.admin.access_token),
        )
        .await;

    let jobs = &body["data"]["importJobs"];
    assert_eq!(jobs["totalCount"], 2, "{body}");
    assert_eq!(jobs["edges"][0]["node"]["id"], second["id"]);
    assert_ne!(jobs["edges"][0]["node"]["id"], first["id"]);
    assert_eq!(jobs["pageInfo"]["hasNextPage"], true);
}
