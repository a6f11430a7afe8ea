//! `spawn_app()`: a fresh database, the real server on port 0, and an HTTP client.
//!
//! With `DATABASE_URL=postgres://…` each test gets a database of its own on that server
//! (dropped afterwards); otherwise a SQLite file in a temporary directory. With `REDIS_URL`
//! the cache is that Redis, under a key prefix of the test's own.

use std::collections::HashMap;

use api::{config::Settings, startup::Application};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

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

/// Tokens of a logged-in test user.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
}

/// One aggregator with an admin, a staff member, a seller and that seller's login.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub aggregator_id: String,
    pub admin: Session,
    pub staff: Session,
    pub seller_id: String,
    pub seller_login: Session,
    pub seller_user_id: String,
    pub staff_user_id: String,
}

impl TestApp {
    pub async fn post_graphql(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// Runs a GraphQL operation and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.post_graphql(&json!({ "query": query, "variables": variables }), token)
            .await
            .json()
            .await
            .expect("a JSON body")
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> Value {
        self.graphql(
            "mutation($input: LoginInput!) { login(input: $input) {
                session { accessToken refreshToken user { id email role } }
                userErrors { field message code } } }",
            json!({ "input": { "email": email, "password": password } }),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let body = self.login_raw(email, password).await;
        let session = &body["data"]["login"]["session"];
        assert!(session.is_object(), "login of {email} failed: {body}");
        Session {
            access_token: session["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: session["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn admin(&self) -> Session {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    pub async fn create_aggregator(&self, admin: &Session, slug: &str) -> String {
        let body = self
            .graphql(
                "mutation($input: CreateAggregatorInput!) { createAggregator(input: $input) {
                    aggregator { id } userErrors { field message code } } }",
                json!({ "input": {
                    "name": format!("Aggregator {slug}"), "slug": slug, "kind": "COOPERATIVE",
                    "province": "Sumatera Utara", "city": "Medan" } }),
                Some(&admin.access_token),
            )
            .await;
        body["data"]["createAggregator"]["aggregator"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createAggregator failed: {body}"))
            .to_owned()
    }

    /// Creates a login and returns its id.
    pub async fn create_user(
        &self,
        creator: &Session,
        email: &str,
        role: &str,
        aggregator_id: Option<&str>,
        seller_id: Option<&str>,
    ) -> String {
        let body = self
            .create_user_raw(creator, email, role, aggregator_id, seller_id)
            .await;
        body["data"]["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createUser failed: {body}"))
            .to_owned()
    }

    pub async fn create_user_raw(
        &self,
        creator: &Session,
        email: &str,
        role: &str,
        aggregator_id: Option<&str>,
        seller_id: Option<&str>,
    ) -> Value {
        self.graphql(
            "mutation($input: CreateUserInput!) { createUser(input: $input) {
                user { id email role } userErrors { field message code } } }",
            json!({ "input": {
                "email": email, "password": PASSWORD, "displayName": email, "role": role,
                "aggregatorId": aggregator_id, "sellerId": seller_id } }),
            Some(&creator.access_token),
        )
        .await
    }

    pub async fn onboard_seller_raw(&self, token: &Session, input: Value) -> Value {
        self.graphql(
            "mutation($input: OnboardSellerInput!) { onboardSeller(input: $input) {
                seller { id businessName phone nib } userErrors { field message code } } }",
            json!({ "input": input }),
            Some(&token.access_token),
        )
        .await
    }

    pub async fn onboard_seller(&self, token: &Session, name: &str, phone: &str) -> String {
        let body = self
            .onboard_seller_raw(token, seller_input(name, phone))
            .await;
        body["data"]["onboardSeller"]["seller"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("onboardSeller failed: {body}"))
            .to_owned()
    }

    /// A complete tenant, named by `slug`.
    pub async fn tenant(&self, slug: &str) -> Tenant {
        let admin = self.admin().await;
        let aggregator_id = self.create_aggregator(&admin, slug).await;
        let admin_email = format!("admin@{slug}.test");
        self.create_user(
            &admin,
            &admin_email,
            "AGGREGATOR_ADMIN",
            Some(&aggregator_id),
            None,
        )
        .await;
        let tenant_admin = self.login(&admin_email, PASSWORD).await;
        let staff_email = format!("staff@{slug}.test");
        let staff_user_id = self
            .create_user(&tenant_admin, &staff_email, "AGGREGATOR_STAFF", None, None)
            .await;
        let staff = self.login(&staff_email, PASSWORD).await;
        let seller_id = self
            .onboard_seller(&staff, &format!("Keripik {slug}"), "0812-3456-7890")
            .await;
        let seller_email = format!("seller@{slug}.test");
        let seller_user_id = self
            .create_user(
                &tenant_admin,
                &seller_email,
                "SELLER",
                None,
                Some(&seller_id),
            )
            .await;
        let seller_login = self.login(&seller_email, PASSWORD).await;
        Tenant {
            aggregator_id,
            admin: tenant_admin,
            staff,
            seller_id,
            seller_login,
            seller_user_id,
            staff_user_id,
        }
    }
}

pub fn seller_input(name: &str, phone: &str) -> Value {
    json!({
        "businessName": name, "ownerName": "Ibu Sari", "phone": phone,
        "sector": "FOOD_AND_DRINK", "scale": "MICRO",
        "province": "Jawa Tengah", "city": "Semarang",
    })
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error with a code: {body}"))
}

/// The codes of a payload's `userErrors`.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|error| error["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    use sea_orm::Statement;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count query")
        .expect("a row");
    row.try_get::<i64>("", "n").expect("a number")
}

/// Sends a Unix signal to a process the test started, without relying on a `kill` binary.
pub fn send_signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("a process id");
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    let result = unsafe { libc::kill(pid, signal) };
    assert_eq!(
        result,
        0,
        "kill({pid}, {signal}) failed: {}",
        std::io::Error::last_os_error()
    );
}
