//! Shared-care benchmarks (issue 15). Figures are printed, not asserted.
//!
//! - join a device to a 10-year diary: the first phone sends the whole diary (once, when the
//!   family starts), then a new phone joins and receives and applies it all. Aim: under 2 s.
//! - sync one day's entries: a day of a family's entries (four doses and a dipstick) sent by one
//!   phone, then received and applied by the other. Aim: under 10 ms.
//! - the size of that day's batch on the shared folder.
//! - the cost the change log adds to `log_dose`: `cargo bench -p nephro-core --bench store`
//!   (`log_dose/store_*`), compared with the figures before shared care in BENCHMARKS.md.
//!
//!     cargo bench -p nephro-core --bench share

#[path = "../tests/common/mod.rs"]
mod common;
use common::time;
#[path = "support/diaries.rs"]
mod diaries;

use std::time::{Duration, Instant};

use chrono::{Days, TimeDelta};
use nephro_core::model::{DoseOutcome, MedicationId, NewDoseLog};
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::schedule::slot_instant;
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::secrets::FileSecretStore;
use nephro_core::share::sync::Membership;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::Store;

const TEN_YEARS_DAYS: u64 = 3653;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less arguments: build only.
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mum_db = dir.path().join("mum.db");
    let patient_id = diaries::diary_of_days(&mum_db, TEN_YEARS_DAYS);
    let folder = FolderTransport::new(dir.path().join("folder")).expect("folder");
    let mum_secrets = FileSecretStore::new(dir.path().join("mum.secrets")).expect("secrets");
    let mut mum = Store::open(&mum_db).expect("open");
    let (mut mum_membership, _) = Membership::create("Mum", &folder).expect("family");

    let started = Instant::now();
    let sent = mum
        .sync_family(&mut mum_membership, &folder, &mum_secrets)
        .expect("send");
    let send_all = started.elapsed();
    let folder_bytes: u64 = walk_bytes(folder.root());

    let mut joins = Vec::new();
    let mut last = None;
    for n in 0..3 {
        let invitation = mum_membership.invite(&folder).expect("invite");
        let db = dir.path().join(format!("dad-{n}.db"));
        let secrets = FileSecretStore::new(dir.path().join(format!("dad-{n}.secrets"))).unwrap();
        let started = Instant::now();
        let mut store = Store::open(&db).expect("open");
        let mut membership =
            Membership::join(&invitation.invitation_text(), "Dad", &folder).expect("join");
        let received = store
            .sync_family(&mut membership, &folder, &secrets)
            .expect("receive");
        joins.push(started.elapsed());
        assert_eq!(received.applied.new_changes, sent.sent_changes);
        last = Some((store, membership, secrets));
    }
    let (mut dad, mut dad_membership, dad_secrets) = last.expect("a joined phone");
    assert_eq!(mum.rows_digest().unwrap(), dad.rows_digest().unwrap());

    // One day's entries, ten days in a row: Mum logs, sends; Dad receives.
    let regimens = mum.regimens(patient_id.into()).expect("regimens");
    let tz = chrono_tz::Asia::Shanghai;
    let mut day_syncs = Vec::new();
    let mut day_sends = Vec::new();
    let mut batch_sizes = Vec::new();
    for d in 0..10u64 {
        let day = diaries::first_day() + Days::new(TEN_YEARS_DAYS + d);
        for regimen in &regimens {
            for slot in &regimen.prescription.times {
                let at = slot_instant(day, *slot, tz) + TimeDelta::minutes(4);
                mum.log_dose(
                    &NewDoseLog::new(
                        format!("day-{d}-{}-{slot}", regimen.id),
                        MedicationId::Regimen(regimen.id),
                        day,
                        *slot,
                        DoseOutcome::Taken,
                        at.timestamp_millis(),
                        "Mum".into(),
                    ),
                    at.timestamp_millis(),
                    None,
                )
                .expect("dose");
            }
        }
        mum.log_urine_reading(&NewUrineReading {
            client_id: format!("day-urine-{d}"),
            patient_id: patient_id.into(),
            measurement: UrineMeasurement::Dipstick(DipstickGrade::Negative),
            taken_at_ms: slot_instant(day, time("07:00"), tz).timestamp_millis(),
            taken_on: Some(day),
            first_morning: true,
            note: None,
            logged_by: "Mum".into(),
            photo: None,
        })
        .expect("urine");
        let before = walk_bytes(folder.root());
        let started = Instant::now();
        mum.sync_family(&mut mum_membership, &folder, &mum_secrets)
            .expect("send a day");
        day_sends.push(started.elapsed());
        batch_sizes.push(walk_bytes(folder.root()) - before);
        let started = Instant::now();
        let got = dad
            .sync_family(&mut dad_membership, &folder, &dad_secrets)
            .expect("receive a day");
        day_syncs.push(started.elapsed());
        assert_eq!(got.applied.new_changes, 5);
    }
    assert_eq!(mum.rows_digest().unwrap(), dad.rows_digest().unwrap());
    batch_sizes.sort_unstable();

    println!(
        "figure: start sharing a 10-year diary ({} changes): send it all in {} ({} batches, {:.1} MB on the folder)",
        sent.sent_changes,
        ms(send_all),
        sent.sent_batches,
        folder_bytes as f64 / 1e6
    );
    println!(
        "figure: join a device to a 10-year diary (join, receive, apply): median {} of {} joins",
        ms(median(joins.clone())),
        joins.len()
    );
    println!(
        "figure: sync one day's entries (4 doses and a dipstick): send median {}, receive and apply median {}",
        ms(median(day_sends)),
        ms(median(day_syncs))
    );
    println!(
        "figure: one day's batch on the shared folder: median {} bytes",
        batch_sizes[batch_sizes.len() / 2]
    );
}

/// Bytes of every file under `dir`.
fn walk_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += walk_bytes(&path);
        } else {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}
