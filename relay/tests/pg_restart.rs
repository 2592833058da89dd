//! PostgreSQL stopped hard (`pg_ctl -m immediate`, as a crash) and started again while three
//! devices push: the relay answers 503 meanwhile, then serves again on new connections, and no
//! acknowledged batch is lost. A test binary of its own: it stops the cluster the other tests
//! use.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nephro_core::share::sync::hex;

mod common;
use common::{dose_change, Relay, OPEN_LIMITS};

/// Runs `pg_ctl` with `args` on the test cluster (as its unprivileged user when root).
fn pg_ctl(args: &[&str]) {
    let pg_ctl = std::env::var("NEPHRO_RELAY_TEST_PG_CTL").expect("run with scripts/test-relay.sh");
    let data = std::env::var("NEPHRO_RELAY_TEST_PG_DATA").unwrap();
    let mut command = match std::env::var("NEPHRO_RELAY_TEST_PG_AS") {
        Ok(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", &user, "--", &pg_ctl]);
            c
        }
        Err(_) => Command::new(&pg_ctl),
    };
    let status = command
        .arg("-D")
        .arg(&data)
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("pg_ctl");
    assert!(status.success(), "pg_ctl {args:?}");
}

#[test]
fn postgresql_stopped_hard_and_restarted_under_pushes_loses_no_acknowledged_batch() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
    let mut devices = vec![(mum.clone(), mum_credential.clone())];
    for caregiver in ["Dad", "Granny"] {
        let invitation = client.invite(&mum_credential, &mum).unwrap();
        devices.push(
            client
                .join(&invitation.invitation_text(), caregiver)
                .unwrap(),
        );
    }
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let refused = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(AtomicBool::new(false));
    let pushers: Vec<_> = devices
        .into_iter()
        .map(|(mut membership, credential)| {
            let (acknowledged, refused, stop, url) = (
                acknowledged.clone(),
                refused.clone(),
                stop.clone(),
                relay.url(),
            );
            std::thread::spawn(move || {
                let client = nephro_relay::client::connect(&url).unwrap();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let change = dose_change(&membership, n, "08:00");
                    match membership.push(&client.transport(&credential), &[change]) {
                        Ok(Some(header)) => {
                            acknowledged.lock().unwrap().insert((
                                hex(&header.device),
                                header.epoch,
                                header.sequence,
                            ));
                            n += 1;
                        }
                        _ => {
                            *refused.lock().unwrap() += 1;
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            })
        })
        .collect();
    let options = std::env::var("NEPHRO_RELAY_TEST_PG_OPTIONS").unwrap();
    let rounds = if std::env::var("NEPHRO_LONG_TESTS").is_ok() {
        5
    } else {
        2
    };
    for _ in 0..rounds {
        std::thread::sleep(Duration::from_millis(800));
        pg_ctl(&["-m", "immediate", "-w", "stop"]);
        std::thread::sleep(Duration::from_millis(500));
        let log = format!(
            "{}/../postgres.log",
            std::env::var("NEPHRO_RELAY_TEST_PG_DATA").unwrap()
        );
        pg_ctl(&["-o", &options, "-l", &log, "-w", "start"]);
    }
    std::thread::sleep(Duration::from_millis(800));
    stop.store(true, Ordering::Relaxed);
    for pusher in pushers {
        pusher.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(*refused.lock().unwrap() > 0, "PostgreSQL was never missed");
    assert!(
        acknowledged.len() > 10,
        "only {} pushes",
        acknowledged.len()
    );
    let mut batches = Vec::new();
    loop {
        let after = batches
            .last()
            .map_or(0, |b: &nephro_relay::protocol::PulledBatch| {
                b.server_sequence
            });
        let page = client.pull_page(&mum_credential, after).unwrap();
        if page.batches.is_empty() {
            break;
        }
        batches.extend(page.batches);
    }
    let stored: BTreeSet<(String, u32, u64)> = batches
        .iter()
        .map(|b| {
            let parts: Vec<&str> = b.name.split('/').collect();
            let (epoch, sequence) = parts[2].split_once('-').unwrap();
            (
                parts[1].to_string(),
                u32::from_str_radix(epoch, 16).unwrap(),
                u64::from_str_radix(sequence, 16).unwrap(),
            )
        })
        .collect();
    for key in &acknowledged {
        assert!(stored.contains(key), "lost {key:?}");
    }
    // The server sequence has no hole and no repeat.
    let sequences: Vec<i64> = batches.iter().map(|b| b.server_sequence).collect();
    assert_eq!(sequences, (1..=sequences.len() as i64).collect::<Vec<_>>());
}
