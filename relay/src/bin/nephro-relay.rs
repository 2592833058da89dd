//! `nephro-relay --database-url URL --listen ADDR`: the NephroDiary relay (docs/relay.md).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nephro_relay::{db, server};

/// The NephroDiary relay: sealed batches, put-once blobs and dose-slot claims on PostgreSQL.
#[derive(Parser, Debug)]
#[command(name = "nephro-relay", version)]
struct Args {
    /// PostgreSQL connection string (URL or key=value), e.g. postgres://relay@localhost/relay.
    #[arg(long, env = "NEPHRO_RELAY_DATABASE_URL")]
    database_url: String,
    /// Address to listen on (plain HTTP; put TLS at a reverse proxy).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database connections in the pool.
    #[arg(long, default_value_t = 16)]
    pool_size: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 4 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Requests per minute a device may make on average.
    #[arg(long, default_value_t = 1200)]
    rate_per_minute: u32,
    /// Requests a device may make at once above the average.
    #[arg(long, default_value_t = 200)]
    rate_burst: u32,
    /// Seconds a dose-slot claim lasts without a log (clinical-rules §11 policy: 30 minutes).
    #[arg(long, default_value_t = 30 * 60)]
    claim_ttl_seconds: u64,
    /// Hours a claim logged as taken keeps answering "given".
    #[arg(long, default_value_t = 36)]
    given_retention_hours: u64,
    /// Hours an invitation stays usable.
    #[arg(long, default_value_t = 72)]
    invitation_ttl_hours: u64,
    /// Print one line per request (route template, status, duration; never ids).
    #[arg(long)]
    access_log: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("nephro-relay: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = server::Config {
        max_body_bytes: args.max_body_bytes,
        rate_per_minute: args.rate_per_minute,
        rate_burst: args.rate_burst,
        claim_ttl: Duration::from_secs(args.claim_ttl_seconds),
        given_retention: Duration::from_secs(args.given_retention_hours * 3600),
        invitation_ttl: Duration::from_secs(args.invitation_ttl_hours * 3600),
        access_log: args.access_log,
        ..server::Config::default()
    };
    runtime.block_on(async move {
        let pool = match db::pool(&args.database_url, args.pool_size) {
            Ok(pool) => pool,
            Err(e) => {
                eprintln!("nephro-relay: {e}");
                return ExitCode::FAILURE;
            }
        };
        match db::migrate(&pool).await {
            Ok(found) => eprintln!(
                "nephro-relay: schema version {} (found {found})",
                db::MIGRATIONS.len()
            ),
            Err(e) => {
                eprintln!("nephro-relay: {e}");
                return ExitCode::FAILURE;
            }
        }
        match server::serve(args.listen, pool, config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("nephro-relay: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
