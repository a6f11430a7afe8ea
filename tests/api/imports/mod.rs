//! Bulk CSV imports: multipart uploads, jobs run in the background, and their subscription.

mod access;
mod attempts;
mod bad_files;
mod durability;
mod products;
mod sellers;
mod subscription;

use std::time::Duration;

use api::worker::{ImportRunner, ImportWake};
use entity::import_jobs;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::helpers::{Session, TestApp};

pub const SELLER_HEADER: &str = "business_name,owner_name,phone,nib,sector,scale,province,city,\
                             address,halal_cert_no,pirt_no,bpom_no";

pub const JOB_FIELDS: &str = "id kind status fileName totalRows processedRows createdCount \
                          updatedCount rejectedCount rejectedRows { line field message } error \
                          createdAt startedAt finishedAt";

/// A GraphQL multipart request body: `query` with `csv`, named `name`, as `$file`.
pub fn upload_form(query: &str, name: &str, csv: Vec<u8>) -> reqwest::multipart::Form {
    let operations = json!({ "query": query, "variables": { "file": null } });
    let file = reqwest::multipart::Part::bytes(csv)
        .file_name(name.to_owned())
        .mime_str("text/csv")
        .expect("a valid mime type");
    reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{ "0": ["variables.file"] }"#)
        .part("0", file)
}

/// Sends `importSellers` or `importProducts` as a GraphQL multipart request.
pub async fn upload(
    app: &TestApp,
    token: &Session,
    mutation: &str,
    name: &str,
    csv: &[u8],
) -> Value {
    let query = format!(
        "mutation($file: Upload!) {{ {mutation}(file: $file) {{
            job {{ {JOB_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&token.access_token)
        .multipart(upload_form(&query, name, csv.to_vec()))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a JSON body")
}

/// Uploads a file that must be accepted and returns the id of its QUEUED job.
pub async fn start_import(app: &TestApp, token: &Session, mutation: &str, csv: &[u8]) -> String {
    let body = upload(app, token, mutation, "import.csv", csv).await;
    let job = &body["data"][mutation]["job"];
    assert_eq!(job["status"], "QUEUED", "{body}");
    job["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no job: {body}"))
        .to_owned()
}

/// Uploads a file that must be accepted and waits for its job to finish.
pub async fn import(app: &TestApp, token: &Session, mutation: &str, csv: &[u8]) -> Value {
    let id = start_import(app, token, mutation, csv).await;
    wait_for_job(app, token, &id).await
}

pub async fn job(app: &TestApp, token: &Session, id: &str) -> Value {
    app.graphql(
        &format!("query($id: ID!) {{ importJob(id: $id) {{ {JOB_FIELDS} }} }}"),
        json!({ "id": id }),
        Some(&token.access_token),
    )
    .await
}

pub async fn wait_for_job(app: &TestApp, token: &Session, id: &str) -> Value {
    for _ in 0..1200 {
        let body = job(app, token, id).await;
        let status = body["data"]["importJob"]["status"].as_str().unwrap_or("");
        if status == "SUCCEEDED" || status == "FAILED" {
            return body["data"]["importJob"].clone();
        }
        assert!(
            status == "QUEUED" || status == "RUNNING",
            "unexpected job: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import job {id} did not finish within a minute");
}

/// The one import job of the test's database.
pub async fn the_job(app: &TestApp) -> import_jobs::Model {
    import_jobs::Entity::find()
        .one(&app.db)
        .await
        .expect("the job table reads")
        .expect("a job")
}

/// An import runner of the test's own on its database, polling every 50 ms.
pub fn runner(app: &TestApp) -> ImportRunner {
    let mut settings = app.settings.imports.clone();
    settings.poll_interval = Duration::from_millis(50);
    ImportRunner::new(
        app.db.clone(),
        api::cache::Cache::memory(format!("test-runner:{}:", uuid::Uuid::new_v4().simple())),
        settings,
        ImportWake::default(),
    )
}

/// Lets a [`runner`] of the test's own take job `id` and waits for it to finish.
pub async fn finish_with_a_runner(app: &TestApp, token: &Session, id: &str) -> Value {
    let stop = CancellationToken::new();
    let _runner = runner(app).spawn(stop.clone());
    let job = wait_for_job(app, token, id).await;
    stop.cancel();
    job
}

pub fn seller_row(i: usize) -> String {
    format!(
        "Usaha {i},Pemilik {i},0812{i:08},9120{i:09},food_and_drink,MICRO,Jawa Tengah,Semarang,\
         \"Jl. Pemuda {i}, Semarang\",,,"
    )
}

/// A seller file whose every 100th row (from row 7) has one problem, in five kinds.
pub fn seller_file(rows: usize) -> (String, Vec<u64>) {
    let mut csv = format!("{SELLER_HEADER}\n");
    let mut bad_lines = Vec::new();
    for i in 0..rows {
        let good = seller_row(i);
        let row = if i % 100 == 7 {
            bad_lines.push(i as u64 + 2);
            match (i / 100) % 5 {
                0 => good.replace(&format!("0812{i:08}"), "12345"),
                1 => good.replace(&format!("9120{i:09}"), "12345"),
                2 => good.replacen(&format!("Usaha {i}"), "", 1),
                3 => good.replace("food_and_drink", "BAKERY"),
                _ => format!("{good},extra"),
            }
        } else {
            good
        };
        csv.push_str(&row);
        csv.push('\n');
    }
    (csv, bad_lines)
}

pub fn rejected_lines(job: &Value) -> Vec<u64> {
    job["rejectedRows"]
        .as_array()
        .expect("rejectedRows")
        .iter()
        .map(|row| row["line"].as_u64().expect("a line"))
        .collect()
}
