//! The relay on loopback against a real PostgreSQL (scripts/test-relay.sh): three devices,
//! the claim race, claims' ends, security, limits, and a SIGKILL of the relay during pushes.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use nephro_core::share::claims::{ClaimHolder, SlotIdentity};
use nephro_core::share::codes::FamilySecret;
use nephro_core::share::merge::{merge, Change};
use nephro_core::share::sync::{hex, Membership, Transport};
use nephro_relay::client::{ClaimStatus, Credential, RelayClient};
use nephro_relay::protocol::{self, Caller, ClaimOutcome};

mod common;
use common::{dose_change, Relay, OPEN_LIMITS};

/// A phone: membership, relay credential, every change it holds and the batches it has seen.
struct Phone {
    membership: Membership,
    credential: Credential,
    changes: Vec<Change>,
    seen: BTreeSet<(String, u32, u64)>,
}

impl Phone {
    fn new((membership, credential): (Membership, Credential)) -> Phone {
        Phone {
            membership,
            credential,
            changes: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    fn log(&mut self, relay: &RelayClient, slot_time: &str) {
        let change = dose_change(&self.membership, self.changes.len(), slot_time);
        self.changes.push(change.clone());
        self.membership
            .push(&relay.transport(&self.credential), &[change])
            .expect("push");
    }

    fn sync(&mut self, relay: &RelayClient) {
        let transport = relay.transport(&self.credential);
        self.membership.refresh_keys(&transport).expect("keys");
        let pulled = self.membership.pull(&transport, &self.seen).expect("pull");
        assert!(pulled.refused.is_empty(), "refused: {:?}", pulled.refused);
        for (header, changes) in pulled.batches {
            self.seen
                .insert((hex(&header.device), header.epoch, header.sequence));
            self.changes.extend(changes);
        }
    }

    /// The distinct changes it holds (its own come back in its pulls too).
    fn distinct(&self) -> usize {
        self.changes
            .iter()
            .map(|c| &c.id)
            .collect::<BTreeSet<_>>()
            .len()
    }

    fn digest(&self) -> [u8; 32] {
        merge(self.changes.clone()).expect("merge").digest()
    }
}

fn holder(caregiver: &str, phone: &Phone) -> ClaimHolder {
    ClaimHolder {
        caregiver: caregiver.into(),
        device: hex(&phone.membership.device),
        at_ms: 1_796_000_000_000,
    }
}

fn slot(n: u32) -> SlotIdentity {
    SlotIdentity {
        patient: "patient-gid".into(),
        medication: "tacrolimus-gid".into(),
        slot_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
            + chrono::Days::new(u64::from(n / 24)),
        slot_time: chrono::NaiveTime::from_hms_opt(n % 24, 0, 0).unwrap(),
    }
}

/// A family of three phones on `relay`, and its recovery code.
fn family(client: &RelayClient) -> (Phone, Phone, Phone, FamilySecret) {
    let (mum, mum_credential, recovery) = client.create_family("Mum").unwrap();
    let mum = Phone::new((mum, mum_credential));
    let invitation = client
        .invite(&mum.credential, &mum.membership)
        .unwrap()
        .invitation_text();
    let dad = Phone::new(client.join(&invitation, "Dad").unwrap());
    let invitation = client
        .invite(&mum.credential, &mum.membership)
        .unwrap()
        .invitation_text();
    let gran = Phone::new(client.join(&invitation, "Granny").unwrap());
    (mum, dad, gran, recovery)
}

#[test]
fn three_devices_join_push_and_pull_and_converge_through_the_relay() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mut mum, mut dad, mut gran, _) = family(&client);
    let members = mum
        .membership
        .members(&client.transport(&mum.credential))
        .unwrap();
    assert_eq!(members.len(), 3);
    assert!(members.iter().any(|m| m.caregiver == "Granny"));

    mum.log(&client, "08:00");
    dad.log(&client, "08:00");
    dad.log(&client, "20:00");
    gran.log(&client, "12:00");
    for phone in [&mut mum, &mut dad, &mut gran] {
        phone.sync(&client);
    }
    assert_eq!(mum.distinct(), 4);
    assert_eq!(mum.digest(), dad.digest());
    assert_eq!(dad.digest(), gran.digest());
    // Both parents gave the morning dose: every phone shows the double dose.
    let merged = merge(gran.changes.clone()).unwrap();
    assert_eq!(merged.slot_alerts.len(), 1);

    // A pull by cursor returns every batch once, in server order, and nothing after the end.
    let page = client.pull_page(&gran.credential, 0).unwrap();
    assert_eq!(page.batches.len(), 4);
    let sequences: Vec<i64> = page.batches.iter().map(|b| b.server_sequence).collect();
    assert_eq!(sequences, vec![1, 2, 3, 4]);
    assert!(client
        .pull_page(&gran.credential, page.next)
        .unwrap()
        .batches
        .is_empty());

    // A replayed push (same device, same sequence, same bytes) stores nothing new.
    let transport = client.transport(&dad.credential);
    let name = format!(
        "{}/batches/{}/00000001-0000000000000001",
        hex(&dad.membership.family),
        hex(&dad.membership.device)
    );
    let bytes = transport.get(&name).unwrap().unwrap();
    transport.put(&name, &bytes).unwrap();
    assert!(transport.put(&name, b"other bytes").is_err());
    assert_eq!(
        client.pull_page(&gran.credential, 0).unwrap().batches.len(),
        4
    );

    // The relay holds no caregiver's name anywhere.
    let names = common::query_i64(
        &relay.database_url,
        "SELECT count(*) FROM blobs WHERE position('Granny'::bytea in body) > 0 \
         OR position('Mum'::bytea in body) > 0",
    );
    assert_eq!(names, 0);
}

#[test]
fn two_devices_claiming_one_slot_at_the_same_moment_exactly_one_wins_every_time() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, dad, _gran, _) = family(&client);
    let rounds: u32 = if std::env::var("NEPHRO_LONG_TESTS").is_ok() {
        1000
    } else {
        100
    };
    let phones = Arc::new([mum, dad]);
    let barrier = Arc::new(Barrier::new(2));
    let wins = Arc::new(Mutex::new(vec![[false; 2]; rounds as usize]));
    let threads: Vec<_> = (0..2)
        .map(|who| {
            let (phones, barrier, wins) = (phones.clone(), barrier.clone(), wins.clone());
            let client = nephro_relay::client::connect(&relay.url()).unwrap();
            std::thread::spawn(move || {
                let phone = &phones[who];
                let other = &phones[1 - who];
                let me = ["Mum", "Dad"][who];
                for round in 0..rounds {
                    barrier.wait();
                    let status = client
                        .claim(
                            &phone.credential,
                            &phone.membership,
                            &slot(round),
                            &holder(me, phone),
                        )
                        .unwrap();
                    match status {
                        ClaimStatus::Granted { .. } => {
                            wins.lock().unwrap()[round as usize][who] = true
                        }
                        ClaimStatus::BeingGiven { holder, .. } => {
                            // The loser is told who, opened from the sealed holder.
                            assert_eq!(holder.caregiver, ["Mum", "Dad"][1 - who]);
                            assert_eq!(holder.device, hex(&other.membership.device));
                        }
                        ClaimStatus::Given { .. } => panic!("nobody logged round {round}"),
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let wins = wins.lock().unwrap();
    for (round, winners) in wins.iter().enumerate() {
        assert_eq!(
            winners.iter().filter(|w| **w).count(),
            1,
            "round {round}: {winners:?}"
        );
    }
    let granted = common::query_i64(&relay.database_url, "SELECT count(*) FROM claims");
    assert_eq!(granted, i64::from(rounds));
    // The relay holds the holders sealed: no caregiver's name in them.
    let named = common::query_i64(
        &relay.database_url,
        "SELECT count(*) FROM claims WHERE position('Mum'::bytea in holder) > 0 \
         OR position('Dad'::bytea in holder) > 0",
    );
    assert_eq!(named, 0);
}

#[test]
fn a_claim_ends_when_logged_taken_skipped_released_or_expired() {
    let relay = Relay::start(&[OPEN_LIMITS, &["--claim-ttl-seconds", "2"]].concat());
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, dad, _gran, _) = family(&client);
    let claim = |phone: &Phone, who: &str, n| {
        client
            .claim(
                &phone.credential,
                &phone.membership,
                &slot(n),
                &holder(who, phone),
            )
            .unwrap()
    };
    // Released (the child refused): Dad may give it.
    assert!(matches!(claim(&mum, "Mum", 1), ClaimStatus::Granted { .. }));
    assert!(matches!(
        claim(&dad, "Dad", 1),
        ClaimStatus::BeingGiven { .. }
    ));
    // Only the holder ends its claim.
    assert!(client
        .end_claim(
            &dad.credential,
            &dad.membership,
            &slot(1),
            ClaimOutcome::Released
        )
        .is_err());
    client
        .end_claim(
            &mum.credential,
            &mum.membership,
            &slot(1),
            ClaimOutcome::Released,
        )
        .unwrap();
    assert!(matches!(claim(&dad, "Dad", 1), ClaimStatus::Granted { .. }));

    // Skipped: the slot is free again.
    assert!(matches!(claim(&mum, "Mum", 2), ClaimStatus::Granted { .. }));
    client
        .end_claim(
            &mum.credential,
            &mum.membership,
            &slot(2),
            ClaimOutcome::Skipped,
        )
        .unwrap();
    assert!(matches!(claim(&dad, "Dad", 2), ClaimStatus::Granted { .. }));

    // Taken: later claims are told "given by Mum", even after the claim's time.
    assert!(matches!(claim(&mum, "Mum", 3), ClaimStatus::Granted { .. }));
    client
        .end_claim(
            &mum.credential,
            &mum.membership,
            &slot(3),
            ClaimOutcome::Taken,
        )
        .unwrap();
    // Expired: after the claim's time (2 s here, 30 min by default) the slot is free.
    assert!(matches!(claim(&mum, "Mum", 4), ClaimStatus::Granted { .. }));
    assert!(matches!(
        claim(&dad, "Dad", 4),
        ClaimStatus::BeingGiven { .. }
    ));
    std::thread::sleep(Duration::from_millis(2500));
    match claim(&dad, "Dad", 3) {
        ClaimStatus::Given { holder, .. } => assert_eq!(holder.caregiver, "Mum"),
        other => panic!("expected given by Mum, got {other:?}"),
    }
    assert!(matches!(claim(&dad, "Dad", 4), ClaimStatus::Granted { .. }));
    // An expired claim cannot be logged by its old holder: Dad holds it now.
    assert!(client
        .end_claim(
            &mum.credential,
            &mum.membership,
            &slot(4),
            ClaimOutcome::Taken
        )
        .is_err());
}

#[test]
fn after_a_removal_new_claims_use_the_new_key_and_the_removed_device_is_refused() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mut mum, mut dad, gran, first_recovery) = family(&client);
    assert!(matches!(
        client
            .claim(
                &gran.credential,
                &gran.membership,
                &slot(7),
                &holder("Granny", &gran)
            )
            .unwrap(),
        ClaimStatus::Granted { .. }
    ));
    let gran_device = hex(&gran.membership.device);
    let recovery = client
        .remove(&mum.credential, &mut mum.membership, &gran_device)
        .unwrap();
    // Gran's credential is refused for everything, and her claim ended.
    let transport = client.transport(&gran.credential);
    assert!(transport
        .list(&format!("{}/batches", hex(&gran.membership.family)))
        .is_err());
    assert!(client
        .claim(
            &gran.credential,
            &gran.membership,
            &slot(8),
            &holder("Granny", &gran)
        )
        .is_err());
    dad.sync(&client);
    assert_eq!(dad.membership.current_key().unwrap().epoch, 2);
    assert!(matches!(
        client
            .claim(
                &dad.credential,
                &dad.membership,
                &slot(7),
                &holder("Dad", &dad)
            )
            .unwrap(),
        ClaimStatus::Granted { .. }
    ));
    // Mum, on the new key, names slot 7 as Dad does: she is told Dad is giving it.
    match client
        .claim(
            &mum.credential,
            &mum.membership,
            &slot(7),
            &holder("Mum", &mum),
        )
        .unwrap()
    {
        ClaimStatus::BeingGiven { holder, .. } => assert_eq!(holder.caregiver, "Dad"),
        other => panic!("expected Dad, got {other:?}"),
    }
    // The recovery code printed at the start (Granny may know it) admits nobody any more.
    assert!(client
        .recover(&first_recovery.recovery_text(), "Granny again")
        .is_err());
    // The new recovery code restores the family on a new phone; it pulls everything.
    dad.log(&client, "20:00");
    let mut restored = Phone::new(
        client
            .recover(&recovery.recovery_text(), "Mum's new phone")
            .unwrap(),
    );
    restored.sync(&client);
    dad.sync(&client);
    assert_eq!(restored.digest(), dad.digest());
}

#[test]
fn invitations_admit_one_device_once_and_admissions_cannot_write() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
    let invitation = client.invite(&mum_credential, &mum).unwrap();
    let text = invitation.invitation_text();
    client.join(&text, "Dad").unwrap();
    let again = client.join(&text, "Mallory").unwrap_err().to_string();
    assert!(
        again.contains("401") || again.contains("invitation"),
        "{again}"
    );

    // An invitation never registered with the relay admits nobody.
    let unregistered = mum
        .invite(&client.transport(&mum_credential))
        .unwrap()
        .invitation_text();
    assert!(client.join(&unregistered, "Eve").is_err());

    // An admission reads but never writes.
    let fresh = client.invite(&mum_credential, &mum).unwrap();
    let admission = Caller::Admission {
        family: mum.family,
        token: protocol::admission_token(&mum.family, &fresh.code.to_bytes()),
    };
    let url = format!(
        "{}/v1/families/{}/blobs/members/00000001/{}",
        relay.url(),
        hex(&mum.family),
        "ab".repeat(16)
    );
    let (status, _) = raw("PUT", &url, Some(&admission.header()), b"x");
    assert_eq!(status, 403);
}

/// A hostile request: method, URL, authorization, body, and the status it must get.
type HostileCase<'a> = (&'a str, String, Option<&'a str>, Vec<u8>, u16);

/// A request with `ureq`, its status and body.
fn raw(method: &str, url: &str, authorization: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = agent.run(request.body(body.to_vec()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().read_to_vec().unwrap();
    (status, body)
}

#[test]
fn a_device_of_one_family_can_neither_read_nor_write_another_family() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mut a, _, _, _) = family(&client);
    let (mut b, _, _, _) = family(&client);
    b.log(&client, "08:00");
    a.log(&client, "08:00");
    let b_family = hex(&b.membership.family);
    // A's credential presented for B's family (the header names A's family): refused.
    let a_header = Caller::Device {
        family: a.credential.family,
        device: a.credential.device,
        secret: a.credential.secret,
    }
    .header();
    let base = format!("{}/v1/families/{b_family}", relay.url());
    for (method, path, body) in [
        ("GET", "/list?prefix=batches", &b""[..]),
        ("GET", "/batches?after=0", b""),
        (
            "GET",
            &format!("/blobs/members/00000001/{}", hex(&b.membership.device)),
            b"",
        ),
        (
            "PUT",
            "/blobs/members/00000001/00000000000000000000000000000000",
            b"sealed",
        ),
        ("POST", &format!("/claims/{}", "00".repeat(32)), b"holder"),
        (
            "DELETE",
            &format!("/devices/{}", hex(&b.membership.device)),
            b"",
        ),
    ] {
        let (status, _) = raw(method, &format!("{base}{path}"), Some(&a_header), body);
        assert_eq!(status, 403, "{method} {path}");
    }
    // A's device id with A's secret under B's family id: unknown credential.
    let forged = Caller::Device {
        family: b.membership.family,
        device: a.credential.device,
        secret: a.credential.secret,
    }
    .header();
    let (status, _) = raw(
        "GET",
        &format!("{base}/batches?after=0"),
        Some(&forged),
        b"",
    );
    assert_eq!(status, 401);
    // B's device with a wrong secret: refused.
    let wrong = Caller::Device {
        family: b.membership.family,
        device: b.membership.device,
        secret: [0; 32],
    }
    .header();
    let (status, _) = raw("GET", &format!("{base}/batches?after=0"), Some(&wrong), b"");
    assert_eq!(status, 401);
    // A device writes only its own batches, even in its own family.
    let own = format!(
        "{}/v1/families/{}/blobs/batches/{}/00000001-0000000000000009",
        relay.url(),
        hex(&a.membership.family),
        "cd".repeat(16)
    );
    let (status, _) = raw("PUT", &own, Some(&a_header), b"sealed");
    assert_eq!(status, 403);
    // B still has exactly its own batch, A its own.
    b.sync(&client);
    a.sync(&client);
    assert_eq!(b.distinct(), 1);
    assert_eq!(b.seen.len(), 1);
    assert_eq!(a.distinct(), 1);
    assert_eq!(a.seen.len(), 1);
}

#[test]
fn garbage_oversized_and_truncated_requests_are_refused_and_change_nothing() {
    let relay =
        Relay::start(&[OPEN_LIMITS, &["--max-body-bytes", "65536", "--access-log"]].concat());
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mut mum, _, _, _) = family(&client);
    mum.log(&client, "08:00");
    let family = hex(&mum.membership.family);
    let header = Caller::Device {
        family: mum.credential.family,
        device: mum.credential.device,
        secret: mum.credential.secret,
    }
    .header();
    let base = format!("{}/v1/families/{family}", relay.url());
    let before = common::query_i64(
        &relay.database_url,
        "SELECT (SELECT count(*) FROM blobs) + (SELECT count(*) FROM batches) \
         + (SELECT count(*) FROM devices) + (SELECT count(*) FROM admissions) \
         + (SELECT count(*) FROM claims)",
    );
    let cases: Vec<HostileCase> = vec![
        (
            "POST",
            format!("{}/v1/families/zz", relay.url()),
            None,
            b"{}".to_vec(),
            400,
        ),
        (
            "POST",
            base.clone(),
            None,
            b"\xff\xfe garbage".to_vec(),
            400,
        ),
        (
            "POST",
            format!("{base}/admissions"),
            Some(&header),
            b"{\"kind\":\"x\"}".to_vec(),
            400,
        ),
        (
            "POST",
            format!("{base}/admissions"),
            Some(&header),
            b"{\"kind\":\"invitation\",\"verifier\":\"00\"}".to_vec(),
            400,
        ),
        (
            "PUT",
            format!("{base}/blobs/..%2Fescape"),
            Some(&header),
            b"x".to_vec(),
            400,
        ),
        (
            "PUT",
            format!("{base}/blobs/members/00000001/x"),
            Some(&header),
            Vec::new(),
            400,
        ),
        (
            "PUT",
            format!("{base}/blobs/members/00000001/y"),
            Some(&header),
            vec![7; 70_000],
            413,
        ),
        (
            "POST",
            format!("{base}/claims/{}", "00".repeat(32)),
            Some(&header),
            vec![1; 2000],
            400,
        ),
        (
            "POST",
            format!("{base}/claims/nothex"),
            Some(&header),
            b"h".to_vec(),
            400,
        ),
        (
            "GET",
            format!("{base}/batches?after=x"),
            Some(&header),
            Vec::new(),
            400,
        ),
        (
            "GET",
            format!("{base}/list?prefix=a//b"),
            Some(&header),
            Vec::new(),
            400,
        ),
        (
            "GET",
            format!("{base}/batches?after=0"),
            Some("Nephro garbage"),
            Vec::new(),
            400,
        ),
        (
            "GET",
            format!("{base}/batches?after=0"),
            None,
            Vec::new(),
            401,
        ),
        (
            "DELETE",
            format!("{base}/claims/{}?outcome=maybe", "00".repeat(32)),
            Some(&header),
            Vec::new(),
            400,
        ),
    ];
    for (method, url, authorization, body, expected) in cases {
        let (status, answer) = raw(method, &url, authorization, &body);
        assert_eq!(status, expected, "{method} {url}");
        // Errors are JSON naming the field; they never echo a secret.
        let text = String::from_utf8_lossy(&answer);
        assert!(!text.contains(&hex(&mum.credential.secret)), "{text}");
    }
    // Truncated: a body shorter than its Content-Length, then the connection closes.
    let mut stream = TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
    write!(
        stream,
        "PUT /v1/families/{family}/blobs/members/00000001/{} HTTP/1.1\r\nHost: x\r\n\
         Authorization: {header}\r\nContent-Length: 1000\r\n\r\npartial",
        "ef".repeat(16)
    )
    .unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    // Bytes that are not HTTP at all.
    let mut stream = TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
    stream
        .write_all(&[0u8, 159, 146, 150, 13, 10, 13, 10])
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);

    let after = common::query_i64(
        &relay.database_url,
        "SELECT (SELECT count(*) FROM blobs) + (SELECT count(*) FROM batches) \
         + (SELECT count(*) FROM devices) + (SELECT count(*) FROM admissions) \
         + (SELECT count(*) FROM claims)",
    );
    assert_eq!(before, after);
    // Still serving; the log names routes, never an id or a secret.
    let (status, _) = raw("GET", &format!("{}/health", relay.url()), None, b"");
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(200));
    let log = relay.drain_log();
    assert!(log
        .iter()
        .any(|l| l.contains("/v1/families/{family}/blobs/{*name}")));
    for line in &log {
        assert!(!line.contains(&family), "{line}");
        assert!(!line.contains(&hex(&mum.credential.secret)), "{line}");
        assert!(!line.contains(&hex(&mum.membership.device)), "{line}");
    }
}

#[test]
fn a_device_beyond_its_rate_is_refused_and_others_are_not() {
    let relay = Relay::start(&["--rate-per-minute", "60", "--rate-burst", "40"]);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
    let transport = client.transport(&mum_credential);
    let root = format!("{}/batches", hex(&mum.family));
    let mut limited = 0;
    for _ in 0..60 {
        match transport.list(&root) {
            Ok(_) => {}
            Err(e) => {
                assert!(e.to_string().contains("429"), "{e}");
                limited += 1;
            }
        }
    }
    assert!(limited >= 15, "{limited} refused");
    // Another family's device has its own allowance.
    let (other, other_credential, _) = client.create_family("Dad").unwrap();
    client
        .transport(&other_credential)
        .list(&format!("{}/batches", hex(&other.family)))
        .unwrap();
    // The metrics count the refusals.
    let (_, metrics) = raw("GET", &format!("{}/metrics", relay.url()), None, b"");
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains(&format!("nephro_relay_rate_limited_total {limited}")),
        "{metrics}"
    );
    assert!(metrics.contains("nephro_relay_request_duration_seconds_bucket"));
}

#[test]
fn sigkill_of_the_relay_during_pushes_loses_no_acknowledged_batch() {
    let mut relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, dad, gran, _) = family(&client);
    let rounds = if std::env::var("NEPHRO_LONG_TESTS").is_ok() {
        10
    } else {
        3
    };
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let phones: Vec<Phone> = vec![mum, dad, gran];
    let url = relay.url();
    let pushers: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            let (acknowledged, stop, url) = (acknowledged.clone(), stop.clone(), url.clone());
            std::thread::spawn(move || {
                let client = nephro_relay::client::connect(&url).unwrap();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let change = dose_change(&phone.membership, n, "08:00");
                    // A push that fails is retried with the same change (the device's outbox).
                    match phone
                        .membership
                        .push(&client.transport(&phone.credential), &[change])
                    {
                        Ok(Some(header)) => {
                            acknowledged.lock().unwrap().insert((
                                hex(&header.device),
                                header.epoch,
                                header.sequence,
                            ));
                            n += 1;
                        }
                        Ok(None) => unreachable!(),
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
                phone
            })
        })
        .collect();
    for _ in 0..rounds {
        std::thread::sleep(Duration::from_millis(700));
        relay.kill();
        std::thread::sleep(Duration::from_millis(300));
        relay.restart();
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut phones: Vec<Phone> = pushers.into_iter().map(|t| t.join().unwrap()).collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 10,
        "only {} pushes",
        acknowledged.len()
    );
    let reader = &mut phones[0];
    reader.sync(&client);
    for key in &acknowledged {
        assert!(reader.seen.contains(key), "lost {key:?}");
    }
    // Nothing stored twice: the server sequences are exactly 1..=count.
    let page_count = common::query_i64(&relay.database_url, "SELECT count(*) FROM batches");
    let max = common::query_i64(
        &relay.database_url,
        "SELECT max(server_sequence) FROM batches",
    );
    assert_eq!(page_count, max);
    assert!(page_count as usize >= acknowledged.len());
}

#[test]
fn an_expired_invitation_admits_nobody() {
    // Invitations expire at once here (72 hours by default).
    let relay = Relay::start(&[OPEN_LIMITS, &["--invitation-ttl-hours", "0"]].concat());
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
    let invitation = client.invite(&mum_credential, &mum).unwrap();
    let refused = client
        .join(&invitation.invitation_text(), "Dad")
        .unwrap_err()
        .to_string();
    assert!(refused.contains("401"), "{refused}");
    assert_eq!(
        common::query_i64(&relay.database_url, "SELECT count(*) FROM devices"),
        1
    );
}

#[test]
fn replayed_registrations_are_answered_as_done_and_change_nothing() {
    let relay = Relay::start(OPEN_LIMITS);
    let client = nephro_relay::client::connect(&relay.url()).unwrap();
    let (mum, mum_credential, _) = client.create_family("Mum").unwrap();
    // The first device's registration again: accepted, nothing new.
    client.register_family(&mum_credential).unwrap();
    // Another device claiming the family: refused.
    let mut intruder = mum_credential.clone();
    intruder.device = [9; 16];
    assert!(client.register_family(&intruder).is_err());

    let invitation = client.invite(&mum_credential, &mum).unwrap();
    let (dad, dad_credential) = client.join(&invitation.invitation_text(), "Dad").unwrap();
    let admission = Caller::Admission {
        family: mum.family,
        token: protocol::admission_token(&mum.family, &invitation.code.to_bytes()),
    };
    // Dad's registration sent again (its answer lost): done, the invitation still used up.
    client.register_device(&admission, &dad_credential).unwrap();
    let mut other = dad_credential.clone();
    other.device = [8; 16];
    assert!(client.register_device(&admission, &other).is_err());
    // Dad's device with another secret under the same invitation: refused.
    let mut resecret = dad_credential.clone();
    resecret.secret = [7; 32];
    assert!(client.register_device(&admission, &resecret).is_err());
    assert_eq!(
        common::query_i64(&relay.database_url, "SELECT count(*) FROM devices"),
        2
    );
    assert_eq!(dad.family, mum.family);
}
