//! Load on one relay and one PostgreSQL on this machine (loopback): N families × 3 devices
//! (NEPHRO_RELAY_LOAD_FAMILIES, 5 unless set; scripts/test-relay.sh runs 20, the long form
//! 1000). Each device lives three days, one day per concurrency level (4, 16 and 64 devices at
//! once): for each of its 3 entries of the day it claims the slot, pushes a batch, logs the
//! claim as taken and pulls by cursor. Prints throughput, p50/p99 latency per level, the CPU
//! the relay and PostgreSQL used, and PostgreSQL bytes per family-year.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nephro_core::share::claims::{ClaimHolder, SlotIdentity};
use nephro_core::share::sync::{hex, Membership};
use nephro_relay::client::{ClaimStatus, Credential, RelayClient};
use nephro_relay::protocol::ClaimOutcome;

mod common;
use common::{dose_change, Relay, OPEN_LIMITS};

struct Device {
    membership: Membership,
    credential: Credential,
    cursor: i64,
    entries: usize,
}

/// CPU seconds (user + system) of a process and, with `children`, of its children too.
fn cpu_seconds(pid: u32, children: bool) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let read = |pid: u32| -> Option<(u32, f64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ppid: u32 = fields.get(1)?.parse().ok()?;
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((ppid, (utime + stime) / ticks))
    };
    let mut total = read(pid).map_or(0.0, |(_, cpu)| cpu);
    if children {
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            if let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) {
                if let Some((ppid, cpu)) = read(child) {
                    if ppid == pid {
                        total += cpu;
                    }
                }
            }
        }
    }
    total
}

/// The PostgreSQL postmaster's pid of the test cluster, if known.
fn postmaster() -> Option<u32> {
    let data = std::env::var("NEPHRO_RELAY_TEST_PG_DATA").ok()?;
    std::fs::read_to_string(format!("{data}/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

/// One day of a device: 3 entries, each claimed, pushed, logged and followed by a pull.
fn live_a_day(client: &RelayClient, device: &mut Device, day: u32, latencies: &mut Vec<Duration>) {
    for hour in [8, 14, 20] {
        // Each caregiver gives its own medicines here (the race for one slot is tested apart).
        let slot = SlotIdentity {
            patient: "patient-gid".into(),
            medication: format!("medicine-of-{}", device.membership.caregiver),
            slot_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
                + chrono::Days::new(u64::from(day)),
            slot_time: chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
        };
        let holder = ClaimHolder {
            caregiver: device.membership.caregiver.clone(),
            device: hex(&device.membership.device),
            at_ms: 1_796_000_000_000,
        };
        let started = Instant::now();
        let status = client
            .claim(&device.credential, &device.membership, &slot, &holder)
            .expect("claim");
        latencies.push(started.elapsed());
        assert!(matches!(status, ClaimStatus::Granted { .. }), "{status:?}");
        {
            let change = dose_change(&device.membership, device.entries, "08:00");
            device.entries += 1;
            let started = Instant::now();
            device
                .membership
                .push(&client.transport(&device.credential), &[change])
                .expect("push");
            latencies.push(started.elapsed());
            let started = Instant::now();
            client
                .end_claim(
                    &device.credential,
                    &device.membership,
                    &slot,
                    ClaimOutcome::Taken,
                )
                .expect("end claim");
            latencies.push(started.elapsed());
        }
        let started = Instant::now();
        let page = client
            .pull_page(&device.credential, device.cursor)
            .expect("pull");
        latencies.push(started.elapsed());
        device.cursor = page.next;
    }
}

#[test]
fn load_families_of_three_devices_pushing_a_day_and_pulling() {
    let families: usize = std::env::var("NEPHRO_RELAY_LOAD_FAMILIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let empty_bytes = common::query_i64(
        &relay.database_url,
        "SELECT pg_database_size(current_database())",
    );

    // Setup: each family is started and joined by two more devices.
    let started = Instant::now();
    let queue: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new((0..families).collect()));
    let devices: Arc<Mutex<Vec<Device>>> = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (queue, devices, url) = (queue.clone(), devices.clone(), relay.url());
            std::thread::spawn(move || {
                let client = nephro_relay::client::connect(&url).unwrap();
                while queue.lock().unwrap().pop_front().is_some() {
                    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
                    let mut joined = Vec::new();
                    for caregiver in ["Dad", "Granny"] {
                        let invitation = client.invite(&mum_credential, &mum).unwrap();
                        joined.push(
                            client
                                .join(&invitation.invitation_text(), caregiver)
                                .unwrap(),
                        );
                    }
                    let mut devices = devices.lock().unwrap();
                    for (membership, credential) in
                        std::iter::once((mum, mum_credential)).chain(joined)
                    {
                        devices.push(Device {
                            membership,
                            credential,
                            cursor: 0,
                            entries: 0,
                        });
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let setup = started.elapsed();
    let setup_bytes = common::query_i64(
        &relay.database_url,
        "SELECT pg_database_size(current_database())",
    );
    println!(
        "load: {families} families × 3 devices set up in {:.1} s ({:.1} families/s)",
        setup.as_secs_f64(),
        families as f64 / setup.as_secs_f64()
    );

    let devices = Arc::new(
        std::mem::take(&mut *devices.lock().unwrap())
            .into_iter()
            .map(Mutex::new)
            .collect::<Vec<_>>(),
    );
    let pg = postmaster();
    for (day, concurrency) in [4usize, 16, 64].into_iter().enumerate() {
        let relay_cpu = cpu_seconds(relay_pid(&relay), false);
        let pg_cpu = pg.map_or(0.0, |pid| cpu_seconds(pid, true));
        let next = Arc::new(Mutex::new(0usize));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (devices, next, url) = (devices.clone(), next.clone(), relay.url());
                std::thread::spawn(move || {
                    let client = nephro_relay::client::connect(&url).unwrap();
                    let mut latencies = Vec::new();
                    loop {
                        let index = {
                            let mut next = next.lock().unwrap();
                            *next += 1;
                            *next - 1
                        };
                        let Some(device) = devices.get(index) else {
                            break;
                        };
                        live_a_day(
                            &client,
                            &mut device.lock().unwrap(),
                            day as u32,
                            &mut latencies,
                        );
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies: Vec<Duration> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        let relay_used = cpu_seconds(relay_pid(&relay), false) - relay_cpu;
        let pg_used = pg.map_or(0.0, |pid| cpu_seconds(pid, true)) - pg_cpu;
        println!(
            "load: day {} at {concurrency:>2} devices at once: {} requests in {elapsed:.2} s = {:.0} req/s; \
             p50 {:.1} ms, p99 {:.1} ms; CPU relay {:.0} %, PostgreSQL {:.0} % (of 200 % on 2 cores)",
            day + 1,
            latencies.len(),
            latencies.len() as f64 / elapsed,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            100.0 * relay_used / elapsed,
            100.0 * pg_used / elapsed,
        );
        assert_eq!(
            latencies.len(),
            families * 3 * 3 * 4,
            "every request answered"
        );
    }

    // Every device sees every batch of its family (3 devices × 3 entries × 3 days).
    for device in devices.iter() {
        let device = device.lock().unwrap();
        let page = client.pull_page(&device.credential, 0).unwrap();
        assert_eq!(page.batches.len(), 27);
    }
    let batches_bytes = common::query_i64(
        &relay.database_url,
        "SELECT pg_total_relation_size('batches')",
    );
    let claims_bytes = common::query_i64(
        &relay.database_url,
        "SELECT pg_total_relation_size('claims')",
    );
    let total_bytes = common::query_i64(
        &relay.database_url,
        "SELECT pg_database_size(current_database())",
    );
    // Batches stay; claims are deleted once expired (36 hours after a log at most).
    let per_family_day = batches_bytes as f64 / (families as f64 * 3.0);
    println!(
        "load: PostgreSQL: {:.1} KB per family at setup (members, keys, recovery); batches \
         {:.1} KB per family-day (9 entries, one batch each, tables and indexes) → {:.1} MB per \
         family-year; live claims {:.0} bytes per claim; whole database {:.1} MB for {families} families",
        (setup_bytes - empty_bytes) as f64 / families as f64 / 1024.0,
        per_family_day / 1024.0,
        per_family_day * 365.0 / 1024.0 / 1024.0,
        claims_bytes as f64 / (families as f64 * 27.0),
        total_bytes as f64 / 1024.0 / 1024.0,
    );
}

fn relay_pid(relay: &Relay) -> u32 {
    relay.pid().expect("the relay runs")
}
