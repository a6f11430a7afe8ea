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
        // sqlx prepares every statement, and PostgreSQL's default would plan most of them
        // again on every run (1.2 ms against 0.3 ms of execution for a catalogue page,
        // docs/performance.md): each is planned once, for any values. The reads whose best
        // plan depends on their values ask for custom plans (`SET LOCAL plan_cache_mode`).
        .map_sqlx_postgres_opts(|options| {
            options.options([
                ("pg_trgm.word_similarity_threshold", TRIGRAM_THRESHOLD),
                ("plan_cache_mode", "force_generic_plan"),
            ])
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
