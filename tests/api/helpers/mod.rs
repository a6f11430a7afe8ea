//! `spawn_app()`: a fresh database, the real server on port 0, and an HTTP client.
//!
//! With `DATABASE_URL=postgres://…` each test gets a database of its own on that server
//! (dropped afterwards); otherwise a SQLite file in a temporary directory. With `REDIS_URL`
//! the cache is that Redis, under a key prefix of the test's own.

use std::collections::HashMap;

use api::{config::Settings, startup::Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

mod checks;
mod tenants;

pub use checks::*;
pub use tenants::*;

pub const ADMIN_EMAIL: &str = "admin@dermaga.test";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "password-yang-kuat-1";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub settings: Settings,
    /// The test's own database, for another process (the `dermaga` binary) to share.
    pub database_url: String,
    database: TestDatabase,
}

enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server_url: String,
        name: String,
    },
    /// A replica's: the first server owns (and drops) the database.
    Shared,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server_url, name } = &self.database {
            let (server_url, name) = (server_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a thread with its own runtime can block.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(server) = Database::connect(&server_url).await {
                        let _ = server
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The variables a test server starts with; `extra` adds or overrides.
pub fn test_vars(database_url: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = [
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("APP_ENV", "production"),
        ("JWT_SECRET", JWT_SECRET),
        ("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL),
        ("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("HTTP_WORKERS", "1"),
        ("DATABASE_MAX_CONNECTIONS", "5"),
        ("GRAPHQL_INTROSPECTION", "true"),
        // Tests that deliver listings turn the outbox worker on; the others keep it quiet.
        ("WORKER_ENABLED", "false"),
        // The freshness watch reads the database twice a second by default, which would show in
        // the statement counts; `cache_faults` runs it fast, the others rarely.
        ("CACHE_FRESHNESS_CHECK_MS", "30000"),
        // Under a loaded test run a Redis call can take longer than the 50 ms default, and
        // skipping Redis would turn expected hits into misses; `cache_faults` tests the budget.
        ("REDIS_TIMEOUT_MS", "1000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    vars.insert("DATABASE_URL".into(), database_url.to_owned());
    vars.insert(
        "CACHE_KEY_PREFIX".into(),
        format!("test:{}:", uuid::Uuid::new_v4().simple()),
    );
    if let Ok(redis_url) = std::env::var("REDIS_URL") {
        vars.insert("REDIS_URL".into(), redis_url);
    }
    for (key, value) in extra {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    vars
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    spawn_app_routed(extra, str::to_owned).await
}

/// As [`spawn_app_with`]; the server reaches its database at `route(url)` (a proxy in between,
/// say), while the test's own handle connects directly.
pub async fn spawn_app_routed(
    extra: &[(&str, &str)],
    route: impl FnOnce(&str) -> String,
) -> TestApp {
    // `TEST_LOG=1` shows the servers' logs (RUST_LOG filters them).
    if std::env::var_os("TEST_LOG").is_some() {
        static LOGGING: std::sync::Once = std::sync::Once::new();
        LOGGING.call_once(api::telemetry::init);
    }
    let (database_url, database) = fresh_database().await;
    let mut vars = test_vars(&database_url, extra);
    vars.insert("DATABASE_URL".into(), route(&database_url));
    let settings = Settings::from_vars(vars, false).expect("test settings are valid");
    let application = Application::build(settings.clone())
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    let db = Database::connect(&database_url)
        .await
        .expect("the test connects to its database");
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        settings,
        database_url,
        database,
    }
}

impl TestApp {
    /// The URL of this test's database, as the server was given it.
    pub fn database_url(&self) -> String {
        use secrecy::ExposeSecret;
        self.settings.database_url.expose_secret().to_owned()
    }

    /// Another handle on the same server, for tasks that call it concurrently.
    pub fn clone_client(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            client: self.client.clone(),
            db: self.db.clone(),
            settings: self.settings.clone(),
            database_url: self.database_url.clone(),
            database: TestDatabase::Shared,
        }
    }

    /// Starts a second server on this one's database and cache (same Redis, same key prefix):
    /// another replica of the same deployment.
    pub async fn spawn_replica(&self) -> TestApp {
        let application = Application::build(self.settings.clone())
            .await
            .expect("the replica starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::new(),
            db: self.db.clone(),
            settings: self.settings.clone(),
            database_url: self.database_url.clone(),
            database: TestDatabase::Shared,
        }
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("DATABASE_URL") {
        Ok(server_url) if server_url.starts_with("postgres") => {
            let name = format!("dermaga_test_{}", uuid::Uuid::new_v4().simple());
            let server = Database::connect(&server_url)
                .await
                .expect("PostgreSQL from DATABASE_URL answers");
            server
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("can create a test database");
            let mut url = url::Url::parse(&server_url).expect("DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            (url.to_string(), TestDatabase::Postgres { server_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
    }
}
