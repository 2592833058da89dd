//! The relay's test rig: a fresh database per test on the PostgreSQL that
//! scripts/test-relay.sh starts, and the relay binary started, killed and restarted on a fixed
//! loopback port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nephro_core::model::DoseOutcome;
use nephro_core::share::hlc::Hlc;
use nephro_core::share::merge::{Change, Content, RecordKind, SharedDose};
use nephro_core::share::sync::{hex, Membership};

/// The throw-away cluster's connection string, without a database name.
pub fn pg() -> String {
    std::env::var("NEPHRO_RELAY_TEST_PG").expect(
        "NEPHRO_RELAY_TEST_PG is not set: run the relay's tests with scripts/test-relay.sh, \
         which starts a throw-away PostgreSQL",
    )
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// Runs SQL on the cluster's `postgres` database.
pub fn admin(sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) =
            tokio_postgres::connect(&format!("{} dbname=postgres", pg()), tokio_postgres::NoTls)
                .await
                .expect("connect to the test cluster");
        tokio::spawn(connection);
        client.batch_execute(sql).await.expect("admin SQL");
    });
}

/// Runs a query on a database and returns the first column of the first row as i64.
pub fn query_i64(database_url: &str, sql: &str) -> i64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client.query_one(sql, &[]).await.expect("query").get(0)
    })
}

/// A new, empty database; its connection string.
pub fn fresh_database() -> String {
    let name = format!(
        "relay_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    admin(&format!("CREATE DATABASE {name}"));
    format!("{} dbname={name}", pg())
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A relay process.
pub struct Relay {
    pub database_url: String,
    pub port: u16,
    args: Vec<String>,
    child: Option<Child>,
    /// The relay's stderr lines, as they come.
    pub log: mpsc::Receiver<String>,
}

/// Generous limits, so only the tests of limits meet them.
pub const OPEN_LIMITS: &[&str] = &["--rate-per-minute", "10000000", "--rate-burst", "1000000"];

impl Relay {
    /// Starts a relay on a fresh database with `args` added.
    pub fn start(args: &[&str]) -> Relay {
        Relay::start_on(fresh_database(), args)
    }

    /// Starts a relay on `database_url`.
    pub fn start_on(database_url: String, args: &[&str]) -> Relay {
        let (_, log) = mpsc::channel();
        let mut relay = Relay {
            database_url,
            port: free_port(),
            args: args.iter().map(|a| a.to_string()).collect(),
            child: None,
            log,
        };
        relay.spawn();
        relay
    }

    fn spawn(&mut self) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nephro-relay"))
            .arg("--database-url")
            .arg(&self.database_url)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start nephro-relay");
        let stderr = child.stderr.take().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match receive.recv_timeout(left) {
                Ok(line) if line.contains("listening on") => break,
                Ok(_) => continue,
                Err(_) => panic!("the relay did not start"),
            }
        }
        self.log = receive;
        self.child = Some(child);
    }

    /// The relay process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The relay's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same port and database.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Every log line so far.
    pub fn drain_log(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A dose-log change of `membership`'s caregiver, numbered `n`.
pub fn dose_change(membership: &Membership, n: usize, slot_time: &str) -> Change {
    Change {
        id: format!("{}-{n}", hex(&membership.device)),
        kind: RecordKind::DoseLog,
        record: format!("dose-{}-{n}", hex(&membership.device)),
        based_on: Vec::new(),
        hlc: Hlc {
            wall_ms: 1_796_000_000_000 + n as i64,
            counter: 0,
        },
        device: hex(&membership.device),
        caregiver: membership.caregiver.clone(),
        content: Content::Dose(SharedDose {
            patient: "patient-gid".into(),
            medication: "tacrolimus-gid".into(),
            slot_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            slot_time: chrono::NaiveTime::parse_from_str(slot_time, "%H:%M").unwrap(),
            outcome: DoseOutcome::Taken,
            actual_at_ms: 1_796_000_000_000,
            undone: false,
            row: serde_json::Value::Null,
        }),
    }
}
