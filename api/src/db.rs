//! Database connection and migrations.

use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::Settings;

/// The `pg_trgm` word similarity from which search counts a title as a typo of the term.
pub const TRIGRAM_THRESHOLD: &str = "0.45";

/// Connects to the configured database (creating the SQLite file on first start).
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    open(settings, PlanMode::ForValues).await
}

/// The pool of the public catalogue's reads. On PostgreSQL its connections plan each prepared
/// statement once, for any values: the default would plan a catalogue page again on every run
/// (1.2 ms against 0.3 ms of execution, docs/performance.md), while its generic plan is as good
/// for every value (`service::catalogue::public`, which asks for plans made for the values
/// where they matter). Elsewhere a generic plan can be far worse for one tenant than another
/// (a dashboard list of the oldest tenant's sellers walked every newer tenant's rows), so the
/// main pool keeps PostgreSQL's default. On SQLite there is one pool.
pub async fn connect_catalogue(
    settings: &Settings,
    main: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if settings.is_sqlite() {
        return Ok(main.clone());
    }
    open(settings, PlanMode::Generic).await
}

/// How a pool's PostgreSQL connections plan prepared statements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlanMode {
    /// PostgreSQL's default: plans for the values until a generic plan looks as good.
    ForValues,
    /// One generic plan per statement.
    Generic,
}

async fn open(settings: &Settings, plans: PlanMode) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.database_url.expose_secret().to_owned());
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx would also ping every connection it hands out: one more round trip per statement
        // (it already pings each one it takes back). The cost: after a database restart, each
        // pooled connection fails one statement before sqlx's ping on release discards it.
        .test_before_acquire(false)
        .sqlx_logging(false)
        // Writers queue for SQLite's single write lock instead of failing at once.
        .map_sqlx_sqlite_opts(|options| options.busy_timeout(Duration::from_secs(10)))
        // Search treats a title as a typo of the term from this word similarity on (`%>`).
        .map_sqlx_postgres_opts(move |options| {
            let options =
                options.options([("pg_trgm.word_similarity_threshold", TRIGRAM_THRESHOLD)]);
            match plans {
                PlanMode::ForValues => options,
                PlanMode::Generic => options.options([("plan_cache_mode", "force_generic_plan")]),
            }
        });
    let db = Database::connect(options).await.with_context(|| {
        format!(
            "cannot connect to the database at {}",
            settings.database_url_redacted()
        )
    })?;
    if settings.is_sqlite() {
        // WAL lets readers work while a writer commits; the busy timeout queues writers
        // instead of failing them at once.
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;")
            .await
            .context("cannot configure the SQLite database")?;
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("cannot apply the database migrations")
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads first and then writes fails at once with
/// "database is locked" when another writer got there in between, whatever the busy timeout.
/// PostgreSQL ignores the mode.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Raw SQL written with `?` placeholders, in the backend's own spelling (`$1…` on PostgreSQL).
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut index = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    index += 1;
                    numbered.push_str(&format!("${index}"));
                } else {
                    numbered.push(ch);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        let stmt = statement(
            DbBackend::Postgres,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(stmt.sql, "a = $1 AND b = $2");
        let stmt = statement(DbBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(stmt.sql, "a = ?");
    }
}
