//! The migrations themselves: up, down and up again on a fresh database.

use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sea_orm_migration::sea_orm;

use crate::support::TestDb;

const TABLES: [&str; 18] = [
    "aggregators",
    "sellers",
    "users",
    "refresh_tokens",
    "seller_onboarding_steps",
    "categories",
    "products",
    "product_variants",
    "product_images",
    "channels",
    "channel_listings",
    "outbox_jobs",
    "audit_log",
    "import_jobs",
    "catalogue_clock",
    "catalogue_changes",
    "aggregator_channels",
    "listing_deliveries",
];

async fn existing_tables(db: &DatabaseConnection) -> Vec<&'static str> {
    let manager = SchemaManager::new(db);
    let mut found = Vec::new();
    for table in TABLES {
        if manager.has_table(table).await.expect("look up table") {
            found.push(table);
        }
    }
    found
}

async fn up_down_and_up_again(db: &DatabaseConnection) {
    Migrator::up(db, None).await.expect("first up");
    assert_eq!(existing_tables(db).await, TABLES);

    Migrator::down(db, None).await.expect("down");
    assert_eq!(existing_tables(db).await, Vec::<&str>::new());
    let pending = Migrator::get_pending_migrations(db).await.expect("status");
    assert_eq!(pending.len(), Migrator::migrations().len());

    Migrator::up(db, None).await.expect("second up");
    assert_eq!(existing_tables(db).await, TABLES);
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again_on_sqlite() {
    let db = TestDb::sqlite().await;
    up_down_and_up_again(&db.conn).await;
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    up_down_and_up_again(&db.conn).await;
}

#[tokio::test]
async fn sqlite_connections_enforce_foreign_keys() {
    let db = TestDb::sqlite().await;
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            db.conn.get_database_backend(),
            "PRAGMA foreign_keys",
        ))
        .await
        .expect("pragma")
        .expect("one row");
    let enabled: i32 = row.try_get_by_index(0).expect("an integer");
    assert_eq!(enabled, 1);
}
