//! Imports outlive their runner: the file is stored with the job, a runner killed or stopped
//! mid-job leaves it to another, which carries on after the last committed batch.

use std::time::Duration;

use entity::{enums::ImportStatus, import_files};
use sea_orm::EntityTrait;
use tokio_util::sync::CancellationToken;

use super::{
    finish_with_a_runner, import, products::a_category, rejected_lines, runner, seller_file,
    start_import, the_job, upload, wait_for_job,
};
use crate::{
    binary::Dermaga,
    helpers::{TestApp, count, spawn_app, spawn_app_with},
};

/// The test servers' own runners stay off: the runner under test is the only one.
const NO_RUNNER: (&str, &str) = ("IMPORT_WORKER_ENABLED", "false");
/// Runners that notice a dead one's job within a couple of seconds.
const QUICK_RUNNER: [(&str, &str); 2] = [
    ("IMPORT_POLL_INTERVAL_MS", "50"),
    ("IMPORT_LEASE_SECONDS", "2"),
];

/// Waits until the job has committed at least one batch.
async fn first_batch_committed(app: &TestApp) {
    for _ in 0..6_000 {
        if the_job(app).await.processed_rows > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no batch was committed within 30 seconds");
}

/// Lets a [`runner`] of the test's own start the job, stops it once a batch has committed, and
/// waits until it has given the job back.
async fn stop_a_runner_after_its_first_batch(app: &TestApp) {
    let stop = CancellationToken::new();
    let first = runner(app).spawn(stop.clone());
    first_batch_committed(app).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(30), first)
        .await
        .expect("the runner stops within a batch")
        .unwrap();
}

#[tokio::test]
async fn the_uploaded_file_is_stored_with_the_queued_job() {
    let app = spawn_app_with(&[NO_RUNNER]).await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(50);

    let body = upload(
        &app,
        &tenant.staff,
        "importSellers",
        "s.csv",
        csv.as_bytes(),
    )
    .await;

    assert_eq!(
        body["data"]["importSellers"]["job"]["status"], "QUEUED",
        "{body}"
    );
    let job = the_job(&app).await;
    let file = import_files::Entity::find_by_id(job.id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the file is stored");
    assert_eq!(file.content, csv.as_bytes());
}

#[tokio::test]
async fn a_finished_job_keeps_no_file() {
    let app = spawn_app().await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(50);

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(count(&app.db, "import_files").await, 0);
    assert_eq!(count(&app.db, "import_seller_matches").await, 0);
}

#[tokio::test]
async fn a_server_killed_mid_import_leaves_the_job_to_a_worker_which_finishes_it_exactly_once() {
    let app = spawn_app_with(&[NO_RUNNER]).await;
    let tenant = app.tenant("semarang").await;
    let (csv, bad_lines) = seller_file(20_000);
    let before = count(&app.db, "sellers").await;
    let mut server = Dermaga::start(&app, &[], &QUICK_RUNNER);
    let id = start_import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    first_batch_committed(&app).await;
    server.kill();
    let left = the_job(&app).await;
    assert_eq!(left.status, ImportStatus::Running);
    assert!(
        left.processed_rows < 20_000,
        "finished before the kill: {left:?}"
    );
    assert_eq!(
        left.processed_rows % 500,
        0,
        "only whole batches commit: {left:?}"
    );
    assert_eq!(
        count(&app.db, "sellers").await,
        before + i64::from(left.created_count),
        "the committed rows are the counted ones"
    );
    let _worker = Dermaga::start(&app, &["worker"], &QUICK_RUNNER);
    let job = wait_for_job(&app, &tenant.staff, &id).await;

    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["processedRows"], 20_000);
    assert_eq!(job["createdCount"], 19_800);
    assert_eq!(job["updatedCount"], 0, "no row was written twice: {job}");
    assert_eq!(job["rejectedCount"], 200);
    assert_eq!(rejected_lines(&job), bad_lines);
    assert_eq!(count(&app.db, "sellers").await, before + 19_800);
}

fn product_file(category: &str, products: usize) -> String {
    let mut csv = String::from("product_handle,seller_phone,title,category,sku,price,stock\n");
    for i in 0..products {
        for variant in ["S", "L"] {
            csv.push_str(&format!(
                "p{i},0812-3456-7890,Produk {i},{category},P{i}-{variant},{},5\n",
                10_000 + i
            ));
        }
    }
    csv
}

#[tokio::test]
async fn a_stopped_runner_gives_its_job_back_after_a_whole_batch_and_the_next_one_finishes_it() {
    let app = spawn_app_with(&[NO_RUNNER]).await;
    let tenant = app.tenant("semarang").await;
    let csv = product_file(&a_category(&app).await, 2_500);
    let id = start_import(&app, &tenant.staff, "importProducts", csv.as_bytes()).await;

    stop_a_runner_after_its_first_batch(&app).await;
    let given_back = the_job(&app).await;
    assert!(given_back.processed_rows < 5_000, "{given_back:?}");
    assert_eq!(given_back.lease_owner, None, "no lease is left behind");
    assert_eq!(given_back.locked_until, None);
    assert_eq!(
        count(&app.db, "product_variants").await,
        i64::from(given_back.created_count)
    );
    let job = finish_with_a_runner(&app, &tenant.staff, &id).await;

    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["createdCount"], 5_000);
    assert_eq!(job["updatedCount"], 0, "{job}");
    assert_eq!(count(&app.db, "products").await, 2_500);
    assert_eq!(count(&app.db, "product_variants").await, 5_000);
}

#[tokio::test]
async fn another_aggregator_cannot_see_a_queued_job() {
    let app = spawn_app_with(&[NO_RUNNER]).await;
    let semarang = app.tenant("semarang").await;
    let madiun = app.tenant("madiun").await;
    let (csv, _) = seller_file(10);
    let id = start_import(&app, &semarang.staff, "importSellers", csv.as_bytes()).await;

    let read = super::job(&app, &madiun.admin, &id).await;
    let listed = app
        .graphql(
            "{ importJobs { totalCount } }",
            serde_json::json!({}),
            Some(&madiun.admin.access_token),
        )
        .await;

    assert_eq!(crate::helpers::error_code(&read), "NOT_FOUND", "{read}");
    assert_eq!(listed["data"]["importJobs"]["totalCount"], 0, "{listed}");
}

#[tokio::test]
async fn a_line_matching_a_seller_an_earlier_batch_updated_is_rejected_after_a_resume_too() {
    let app = spawn_app_with(&[NO_RUNNER]).await;
    let tenant = app.tenant("semarang").await;
    let mut input = crate::helpers::seller_input("Toko Lama", "0813-1111-2222");
    input["nib"] = "9129999999999".into();
    let onboarded = app.onboard_seller_raw(&tenant.staff, input).await;
    assert!(
        onboarded["data"]["onboardSeller"]["seller"].is_object(),
        "{onboarded}"
    );
    let (mut csv, _) = seller_file(10_000);
    // Line 2 updates that seller by phone; the last line names it by NIB alone.
    let first_line = csv.find('\n').unwrap() + 1;
    csv.insert_str(
        first_line,
        "Toko Baru,Ibu Sari,0813-1111-2222,,FOOD_AND_DRINK,MICRO,Jawa Tengah,Semarang,,,,\n",
    );
    csv.push_str(
        "Toko Lain,Pak Budi,0813-9999-8888,9129999999999,CRAFTS,MICRO,Jawa Tengah,Semarang,,,,\n",
    );
    let id = start_import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;
    stop_a_runner_after_its_first_batch(&app).await;
    assert!(
        the_job(&app).await.processed_rows < 10_002,
        "stopped too late"
    );

    let job = finish_with_a_runner(&app, &tenant.staff, &id).await;

    let last = job["rejectedRows"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap();
    assert_eq!(last["line"], 10_003, "{job}");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("which line 2 already updated"),
        "{last}"
    );
}
