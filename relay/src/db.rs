//! The relay's PostgreSQL schema and its migrations, embedded in the binary and applied at
//! start under an advisory lock (several relays may start at once against one database).
//! Times are UTC epoch milliseconds (`bigint`), on the relay's clock.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// The schema's migrations, in order: the `n`th brings the schema to version `n + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: families and their devices, admissions, put-once blobs, batches, claims.
    r#"
    CREATE TABLE families (
        family bytea PRIMARY KEY,
        -- The family's last server sequence: bumped under the row's lock, so batches become
        -- visible in the order of their sequence and a pull by cursor misses none.
        last_sequence bigint NOT NULL DEFAULT 0,
        created_ms bigint NOT NULL
    );
    CREATE TABLE devices (
        family bytea NOT NULL REFERENCES families,
        device bytea NOT NULL,
        verifier bytea NOT NULL,
        created_ms bigint NOT NULL,
        revoked_ms bigint,
        PRIMARY KEY (family, device)
    );
    CREATE TABLE admissions (
        verifier bytea PRIMARY KEY,
        family bytea NOT NULL REFERENCES families,
        kind text NOT NULL CHECK (kind IN ('invitation', 'recovery')),
        expires_ms bigint,
        used_ms bigint
    );
    CREATE INDEX admissions_family ON admissions (family);
    CREATE TABLE blobs (
        family bytea NOT NULL REFERENCES families,
        name text NOT NULL,
        body bytea NOT NULL,
        PRIMARY KEY (family, name)
    );
    CREATE TABLE batches (
        family bytea NOT NULL REFERENCES families,
        server_sequence bigint NOT NULL,
        device bytea NOT NULL,
        epoch bigint NOT NULL,
        sequence bigint NOT NULL,
        body bytea NOT NULL,
        PRIMARY KEY (family, server_sequence),
        UNIQUE (family, device, epoch, sequence)
    );
    CREATE TABLE claims (
        family bytea NOT NULL REFERENCES families,
        token bytea NOT NULL,
        device bytea NOT NULL,
        holder bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('held', 'given')),
        since_ms bigint NOT NULL,
        expires_ms bigint NOT NULL,
        PRIMARY KEY (family, token)
    );
    CREATE INDEX claims_expiry ON claims (expires_ms);
    "#,
];

/// Why the database could not be reached or prepared (no connection string in it: it may hold
/// a password).
#[derive(Debug)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

/// A pool of `size` connections to `url` (a libpq connection string or URL).
pub fn pool(url: &str, size: usize) -> Result<Pool, DbError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|_| DbError("the database URL is not a PostgreSQL connection string".into()))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| DbError(format!("the connection pool could not be built: {e}")))
}

/// Brings the schema to the latest version; returns the version it found.
pub async fn migrate(pool: &Pool) -> Result<usize, DbError> {
    let mut client = pool
        .get()
        .await
        .map_err(|e| DbError(format!("the database is unreachable: {e}")))?;
    let tx = client
        .transaction()
        .await
        .map_err(|e| DbError(format!("migration: {e}")))?;
    let step = |e: tokio_postgres::Error| DbError(format!("migration: {e}"));
    // One relay migrates at a time; the others wait and then find nothing to do.
    tx.execute("SELECT pg_advisory_xact_lock(7291001)", &[])
        .await
        .map_err(step)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS relay_schema_version (version integer NOT NULL)")
        .await
        .map_err(step)?;
    let found: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM relay_schema_version",
            &[],
        )
        .await
        .map_err(step)?
        .get(0);
    let found = usize::try_from(found).unwrap_or(0);
    if found > MIGRATIONS.len() {
        return Err(DbError(format!(
            "the database has schema version {found}, newer than this relay's {}",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        tx.batch_execute(sql).await.map_err(step)?;
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO relay_schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(step)?;
    }
    tx.commit().await.map_err(step)?;
    Ok(found)
}
