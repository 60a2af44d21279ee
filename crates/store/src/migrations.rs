//! Schema migrations: one folder per backend (only identity columns differ), applied in order
//! in one transaction and recorded in `schema_migrations`.

use crate::sql::{query, query_scalar};
use crate::{Backend, Db, Result, StoreError};

struct Migration {
    name: &'static str,
    sql: &'static str,
}

impl Migration {
    fn version(&self) -> i64 {
        self.name[..4]
            .parse()
            .expect("migration names start with four digits")
    }
}

macro_rules! migrations {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(Migration {
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $name, ".sql")),
        }),*]
    };
}

const SQLITE: &[Migration] = migrations!("sqlite":
    "0001_foundation", "0002_address", "0003_events", "0004_products_stock", "0005_files",
    "0006_webhooks", "0007_shipments", "0008_purchase_orders_returns", "0009_shipment_counts",
    "0011_shipment_day_counts", "0020_intercepts", "0030_reports", "0040_media", "0050_web_accounts", "0060_floor", "0061_pack_weight", "0065_business_support", "0070_coordination",
);

const POSTGRES: &[Migration] = migrations!("postgres":
    "0001_foundation", "0002_address", "0003_events", "0004_products_stock", "0005_files",
    "0006_webhooks", "0007_shipments", "0008_purchase_orders_returns", "0009_shipment_counts",
    "0010_shipment_count_deltas", "0011_shipment_day_counts", "0020_intercepts", "0030_reports", "0040_media", "0050_web_accounts", "0060_floor", "0061_pack_weight", "0065_business_support", "0070_coordination",
);

/// Applies every migration not yet recorded. Concurrent starts are safe: SQLite's writer and
/// a PostgreSQL advisory lock let one process migrate while the others wait.
pub(crate) async fn run(db: &Db) -> Result<()> {
    let all = match db.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        // Any constant works; this one is "depot" in ASCII.
        query("SELECT pg_advisory_xact_lock(431198596980)")
            .execute(&mut *tx)
            .await?;
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
         name TEXT NOT NULL, applied_time BIGINT NOT NULL)",
    )
    .await?;
    let applied: Vec<i64> = query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?;
    let now = depot_domain::clock::Clock::now(&depot_domain::clock::SystemClock);
    for migration in all.iter().filter(|m| !applied.contains(&m.version())) {
        tx.execute_batch(migration.sql)
            .await
            .map_err(|e| StoreError::Migrate(migration.name.to_string(), e.to_string()))?;
        query("INSERT INTO schema_migrations (version, name, applied_time) VALUES ($1, $2, $3)")
            .bind(migration.version())
            .bind(migration.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tracing::info!(migration = migration.name, "applied");
    }
    tx.commit().await
}
