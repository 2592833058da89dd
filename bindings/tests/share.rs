//! Shared care through the FFI exactly as the shells call it (issue 15, clinical-rules §11):
//! whatever a caregiver types or scans (an invitation, a recovery code, their name, a device id,
//! dates) and whatever a transport or a secure storage hands back never makes a call panic
//! (a panic would reach the app as an internal error); every refusal is a typed `NephroError`
//! naming the field, and a refused call changes nothing.
//!
//! `PROPTEST_CASES=<n>` changes the number of cases.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use nephro_ffi::*;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text as a person types it, and every way of getting it wrong.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z][a-zA-Z .'-]{0,29}",
        2 => "NEPHRO-(JOIN|RECOVER):[A-Z2-7 -]{0,120}",
        1 => any::<String>(),
        2 => select(vec![
            "", " ", "\u{0}", "NEPHRO-JOIN:", "NEPHRO-RECOVER:", "\u{202E}evil", "👩‍👩‍👧‍👦",
            "'; DROP TABLE dose_log; --", "../../etc/passwd", "%s%n",
        ])
        .prop_map(str::to_string),
        1 => (1usize..3000).prop_map(|n| "Y".repeat(n)),
    ]
    .boxed()
}

/// Names to bytes in memory, each written once: a well-behaved shell's transport.
#[derive(Default)]
struct MemoryTransport(Mutex<BTreeMap<String, Vec<u8>>>);

impl ShareTransport for MemoryTransport {
    fn put(&self, name: String, bytes: Vec<u8>) -> Result<(), ShareCallbackError> {
        let mut files = self.0.lock().unwrap();
        match files.get(&name) {
            Some(held) if *held != bytes => Err(ShareCallbackError::Failed {
                reason: "a name is written once".into(),
            }),
            _ => {
                files.insert(name, bytes);
                Ok(())
            }
        }
    }

    fn get(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError> {
        Ok(self.0.lock().unwrap().get(&name).cloned())
    }

    fn list(&self, prefix: String) -> Result<Vec<String>, ShareCallbackError> {
        let start = format!("{prefix}/");
        let mut names: Vec<String> = self
            .0
            .lock()
            .unwrap()
            .keys()
            .filter_map(|n| n.strip_prefix(&start))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.dedup();
        Ok(names)
    }
}

/// Secrets in memory: a well-behaved shell's secure storage.
#[derive(Default)]
struct MemorySecrets(Mutex<BTreeMap<String, Vec<u8>>>);

impl SecretStorage for MemorySecrets {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError> {
        Ok(self.0.lock().unwrap().get(&name).cloned())
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), ShareCallbackError> {
        self.0.lock().unwrap().insert(name, secret);
        Ok(())
    }
}

/// A transport that lists names of every shape the protocol reads and answers every read with
/// the same bytes: what a damaged or malicious shared folder could hold.
struct GarbageTransport(Vec<u8>);

impl ShareTransport for GarbageTransport {
    fn put(&self, _name: String, _bytes: Vec<u8>) -> Result<(), ShareCallbackError> {
        Ok(())
    }

    fn get(&self, _name: String) -> Result<Option<Vec<u8>>, ShareCallbackError> {
        Ok(Some(self.0.clone()))
    }

    fn list(&self, _prefix: String) -> Result<Vec<String>, ShareCallbackError> {
        Ok(vec![
            "00000002".into(),
            "00000001-0000000000000001".into(),
            "00112233445566778899aabbccddeeff".into(),
            "not-hex".into(),
        ])
    }
}

/// A diary holding one child, shared through `transport` with `secrets`.
fn shared_diary(
    dir: &std::path::Path,
    transport: &Arc<MemoryTransport>,
    secrets: &Arc<MemorySecrets>,
) -> Arc<Diary> {
    let diary = Diary::open(dir.join("mum.db").display().to_string()).expect("open");
    diary
        .create_patient(PatientProfile {
            display_name: "Test Child".into(),
            birth_date: "2019-04-02".into(),
            sex: Sex::Female,
            time_zone: "Europe/Berlin".into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    diary
        .start_sharing("Mum".into(), transport.clone(), secrets.clone())
        .expect("start sharing");
    diary
}

fn field_of(error: &NephroError) -> Option<&str> {
    match error {
        NephroError::Validation { field, .. } => Some(field),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn hostile_codes_names_and_dates_are_refused_cleanly(
        code in text(),
        caregiver in text(),
        device in text(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let transport = Arc::new(MemoryTransport::default());
        let secrets = Arc::new(MemorySecrets::default());
        let mum = shared_diary(dir.path(), &transport, &secrets);
        let held = transport.0.lock().unwrap().clone();
        let joiner = Diary::open(dir.path().join("new.db").display().to_string()).unwrap();
        let joiner_secrets = Arc::new(MemorySecrets::default());

        let joined = catch_unwind(AssertUnwindSafe(|| {
            joiner.join_family(code.clone(), caregiver.clone(), transport.clone(), joiner_secrets.clone())
        }));
        let joined = joined.map_err(|_| TestCaseError::fail("join_family panicked"))?;
        let error = joined.expect_err("no typed text is a valid invitation");
        prop_assert_eq!(field_of(&error), Some("invitation"), "{}", error);

        let recovered = catch_unwind(AssertUnwindSafe(|| {
            joiner.recover_family(code.clone(), caregiver.clone(), transport.clone(), joiner_secrets.clone())
        }));
        let recovered = recovered.map_err(|_| TestCaseError::fail("recover_family panicked"))?;
        let error = recovered.expect_err("no typed text is a valid recovery code");
        prop_assert_eq!(field_of(&error), Some("recovery_code"), "{}", error);
        prop_assert!(joiner_secrets.0.lock().unwrap().is_empty(), "a refused join keeps no secret");
        prop_assert!(joiner.patients().unwrap().is_empty(), "and writes nothing to the diary");
        prop_assert_eq!(&*transport.0.lock().unwrap(), &held, "nor to the transport");

        let removed = catch_unwind(AssertUnwindSafe(|| {
            mum.remove_family_member(device.clone(), transport.clone(), secrets.clone())
        }));
        let removed = removed.map_err(|_| TestCaseError::fail("remove_family_member panicked"))?;
        let error = removed.expect_err("no typed text is a member's device id");
        prop_assert_eq!(field_of(&error), Some("device"), "{}", error);

        let alerts = catch_unwind(AssertUnwindSafe(|| mum.double_dose_alerts(code.clone(), device.clone())))
            .map_err(|_| TestCaseError::fail("double_dose_alerts panicked"))?;
        if let Err(error) = alerts {
            prop_assert!(matches!(field_of(&error), Some("from" | "to")), "{}", error);
        }

        // A caregiver's name is either accepted or refused naming `caregiver`.
        let other = Diary::open(dir.path().join("other.db").display().to_string()).unwrap();
        let other_secrets = Arc::new(MemorySecrets::default());
        let started = catch_unwind(AssertUnwindSafe(|| {
            other.start_sharing(caregiver.clone(), Arc::new(MemoryTransport::default()), other_secrets.clone())
        }))
        .map_err(|_| TestCaseError::fail("start_sharing panicked"))?;
        match started {
            Ok(code) => prop_assert!(code.starts_with("NEPHRO-RECOVER:")),
            Err(error) => {
                prop_assert_eq!(field_of(&error), Some("caregiver"), "{}", error);
                prop_assert!(other_secrets.0.lock().unwrap().is_empty(), "a refused start keeps nothing");
            }
        }
    }
}

#[test]
fn a_hostile_transport_or_secure_storage_never_panics_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let transport = Arc::new(MemoryTransport::default());
    let secrets = Arc::new(MemorySecrets::default());
    let mum = shared_diary(dir.path(), &transport, &secrets);
    let patients = mum.patients().unwrap();
    let stored = secrets.0.lock().unwrap().clone();

    for bytes in [
        vec![],
        vec![0u8; 24],
        vec![0xffu8; 300],
        (0..=255u8).cycle().take(5_000).collect::<Vec<u8>>(),
        b"{\"family\":[1,2,3]}".to_vec(),
    ] {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            mum.sync_family(Arc::new(GarbageTransport(bytes.clone())), secrets.clone())
        }))
        .expect("sync_family never panics");
        match outcome {
            Ok(summary) => {
                assert_eq!(summary.new_changes, 0, "{summary:?}");
                assert!(!summary.refused_batches.is_empty(), "{summary:?}");
            }
            Err(error) => assert!(
                !matches!(error, NephroError::CorruptDatabase { .. }),
                "{error}"
            ),
        }
        assert_eq!(mum.patients().unwrap(), patients, "the diary is unchanged");
        let members = mum.family_members(Arc::new(GarbageTransport(bytes)), secrets.clone());
        assert!(matches!(members, Ok(ref m) if m.is_empty()), "{members:?}");
    }
    assert_eq!(
        secrets.0.lock().unwrap().keys().collect::<Vec<_>>(),
        stored.keys().collect::<Vec<_>>(),
        "the secure storage keeps the same secrets"
    );

    // A secure storage handing back something that is not a membership is refused, naming it.
    let damaged = Arc::new(MemorySecrets::default());
    for name in stored.keys() {
        damaged
            .save(name.clone(), b"not a membership".to_vec())
            .unwrap();
    }
    let error = mum
        .sync_family(transport.clone(), damaged)
        .expect_err("a damaged membership is refused");
    assert_eq!(field_of(&error), Some("membership"), "{error}");
    assert_eq!(mum.patients().unwrap(), patients, "the diary is unchanged");
}
