//! A job that keeps failing is not retried forever: after `IMPORT_MAX_ATTEMPTS` claims without
//! progress it is FAILED with an error the dashboard shows.

use entity::{enums::ImportStatus, import_jobs};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set};

use super::{finish_with_a_runner, import, seller_file, start_import, the_job};
use crate::helpers::{TestApp, count, spawn_app_with};

/// Makes every insert into `sellers` fail, as a database that refuses the batch would.
async fn poison_seller_inserts(app: &TestApp) {
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => {
            "CREATE FUNCTION poison_sellers() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'poisoned by the test'; END $$; \
             CREATE TRIGGER poison_sellers BEFORE INSERT ON sellers \
             FOR EACH ROW EXECUTE FUNCTION poison_sellers();"
        }
        _ => {
            "CREATE TRIGGER poison_sellers BEFORE INSERT ON sellers \
             BEGIN SELECT RAISE(ABORT, 'poisoned by the test'); END;"
        }
    };
    app.db
        .execute_unprepared(sql)
        .await
        .expect("the trigger is created");
}

#[tokio::test]
async fn a_job_whose_batches_keep_failing_is_failed_after_its_attempts_with_a_visible_error() {
    let app = spawn_app_with(&[
        ("IMPORT_MAX_ATTEMPTS", "2"),
        ("IMPORT_POLL_INTERVAL_MS", "50"),
    ])
    .await;
    let tenant = app.tenant("semarang").await;
    let before = count(&app.db, "sellers").await;
    poison_seller_inserts(&app).await;
    let (csv, _) = seller_file(20);

    let job = import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;

    assert_eq!(job["status"], "FAILED", "{job}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(error.contains("internal error"), "{error}");
    assert_eq!(job["processedRows"], 0);
    assert_eq!(the_job(&app).await.attempts, 2);
    assert_eq!(count(&app.db, "sellers").await, before);
    assert_eq!(count(&app.db, "import_files").await, 0);
}

#[tokio::test]
async fn a_job_whose_runners_died_too_often_is_failed_when_claimed_again() {
    let app = spawn_app_with(&[
        ("IMPORT_WORKER_ENABLED", "false"),
        ("IMPORT_MAX_ATTEMPTS", "2"),
    ])
    .await;
    let tenant = app.tenant("semarang").await;
    let (csv, _) = seller_file(20);
    let id = start_import(&app, &tenant.staff, "importSellers", csv.as_bytes()).await;
    // What two runners killed before their first batch leave behind.
    import_jobs::ActiveModel {
        id: Set(the_job(&app).await.id),
        status: Set(ImportStatus::Running),
        attempts: Set(2),
        lease_owner: Set(Some("a-runner-that-died".to_owned())),
        locked_until: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();

    let job = finish_with_a_runner(&app, &tenant.staff, &id).await;

    assert_eq!(job["status"], "FAILED", "{job}");
    let error = job["error"].as_str().unwrap_or_default();
    assert!(error.contains("2 times in a row"), "{error}");
    assert_eq!(count(&app.db, "import_files").await, 0);
}
