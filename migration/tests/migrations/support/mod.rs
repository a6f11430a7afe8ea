//! A fresh database per test: a temp file on SQLite, a randomly named database on PostgreSQL
//! (only when `DATABASE_URL` points at one). Both are removed when the `TestDb` drops, even if the
//! test panicked.

pub mod fixtures;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::sea_orm;

pub struct TestDb {
    pub conn: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDb {
    /// An empty SQLite database in a new temp file.
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let conn = Database::connect(&url).await.expect("connect to SQLite");
        Self {
            conn,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    /// An empty PostgreSQL database created next to `DATABASE_URL`'s, or `None` when that
    /// variable does not point at PostgreSQL.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres"))?;
        let name = unique_name();
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to DATABASE_URL");
        admin
            .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
            .await
            .expect("create test database");
        admin.close().await.expect("close admin connection");
        let conn = Database::connect(&with_database(&admin_url, &name))
            .await
            .expect("connect to test database");
        Some(Self {
            conn,
            cleanup: Cleanup::PostgresDatabase { admin_url, name },
        })
    }

    /// [`TestDb::sqlite`] with every migration applied.
    pub async fn sqlite_migrated() -> Self {
        Self::sqlite().await.migrated().await
    }

    /// [`TestDb::postgres`] with every migration applied.
    pub async fn postgres_migrated() -> Option<Self> {
        Some(Self::postgres().await?.migrated().await)
    }

    async fn migrated(self) -> Self {
        Migrator::up(&self.conn, None).await.expect("migrate up");
        self
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived
                // runtime on another thread does the async clean-up.
                let drop_database = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                let admin_url = admin_url.clone();
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("clean-up runtime");
                    runtime.block_on(async {
                        let admin = Database::connect(&admin_url).await?;
                        admin.execute_unprepared(&drop_database).await?;
                        admin.close().await
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("could not drop test database {name}: {dropped:?}");
                }
            }
        }
    }
}

/// `dermaga_test_<pid>_<nanos>_<n>`: unique across parallel tests and test processes, and a valid
/// unquoted identifier.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("dermaga_test_{}_{nanos}_{n}", std::process::id())
}

/// `url` with its database name replaced, keeping any `?query`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// Defines each listed `async fn(&DatabaseConnection)` as a test on a migrated SQLite database
/// (`sqlite::<name>`) and on a migrated PostgreSQL one (`postgres::<name>`, a no-op without a
/// PostgreSQL `DATABASE_URL`).
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    let db = $crate::support::TestDb::sqlite_migrated().await;
                    super::$test(&db.conn).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(db) = $crate::support::TestDb::postgres_migrated().await else {
                        return;
                    };
                    super::$test(&db.conn).await;
                }
            )+
        }
    };
}
pub(crate) use on_both_backends;

#[test]
fn with_database_swaps_only_the_database_name() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@db/test?sslmode=disable", "x"),
        "postgres://u:p@db/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://db:5432", "x"),
        "postgres://db:5432/x"
    );
}

/// Which kind of constraint a statement is expected to break.
#[derive(Clone, Copy, Debug)]
pub enum Violation {
    Check,
    /// SQLite names the columns instead: `"sellers.aggregator_id, sellers.phone"`.
    Unique {
        sqlite_columns: &'static str,
    },
    ForeignKey,
}

/// Asserts `result` failed on `constraint`. PostgreSQL names every constraint in its message;
/// SQLite names CHECKs but reports UNIQUE by column list and foreign keys anonymously.
pub fn assert_violates<T: std::fmt::Debug>(
    db: &DatabaseConnection,
    result: Result<T, sea_orm::DbErr>,
    kind: Violation,
    constraint: &str,
) {
    use sea_orm::SqlErr;

    let err = result.expect_err(&format!("expected {constraint} to reject the row"));
    let message = err.to_string();
    let names_it = message.contains(constraint);
    match kind {
        Violation::Check => assert!(names_it, "expected {constraint}, got: {message}"),
        Violation::Unique { sqlite_columns } => {
            assert!(
                matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
                "expected a unique violation, got: {message}"
            );
            if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
                assert!(
                    message.ends_with(&format!("UNIQUE constraint failed: {sqlite_columns}")),
                    "expected {sqlite_columns}, got: {message}"
                );
            }
        }
        // SQLite reports ON DELETE RESTRICT as SQLITE_CONSTRAINT_TRIGGER (1811), which
        // `sql_err()` does not classify; only inserts and updates give SQLITE_CONSTRAINT_FOREIGNKEY.
        Violation::ForeignKey => assert!(
            matches!(
                err.sql_err(),
                Some(SqlErr::ForeignKeyConstraintViolation(_))
            ) || message.ends_with("(code: 1811) FOREIGN KEY constraint failed"),
            "expected a foreign key violation, got: {message}"
        ),
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        assert!(names_it, "expected {constraint}, got: {message}");
    }
}
