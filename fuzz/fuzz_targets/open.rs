//! The store's open path with random bytes as the database file: never a panic, and never a
//! write to a file that is not a diary. A file refused as not a diary (or of an unknown
//! version) keeps its bytes and gains no companion file; a damaged diary moved aside keeps its
//! bytes; a file that opens is a diary, and reading it answers values or typed errors.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_core::error::Error;
use nephro_core::store::Store;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("diary.db");
    std::fs::write(&path, data).expect("write the input");
    match Store::open(&path) {
        Ok(store) => {
            // Reads on a file that opened: damage met now must be a typed error.
            if let Ok(patients) = store.patients().map_err(|e| store.note(e)) {
                for patient in patients.iter().take(3) {
                    let _ = store.measurements(patient.id).map_err(|e| store.note(e));
                    let _ = store.regimens(patient.id).map_err(|e| store.note(e));
                }
            }
        }
        Err(Error::CorruptDatabase { kept_at }) => {
            // Kept whole: at most the header's bookkeeping of a recognised diary changed (the
            // journal mode, bytes 18-19; the change counter, 24-27; version-valid-for and the
            // SQLite version, 92-99), never a page of data.
            let kept = std::fs::read(&kept_at).expect("kept");
            assert!(!path.exists(), "moved aside");
            assert_eq!(kept.len(), data.len(), "kept whole");
            let bookkeeping = |i: usize| matches!(i, 18..=19 | 24..=27 | 92..=99);
            for (i, (a, b)) in kept.iter().zip(data).enumerate() {
                assert!(a == b || bookkeeping(i), "byte {i} of the kept file changed");
            }
        }
        Err(_) => {
            // Refused: the file is as it was, and nothing was made beside it.
            assert_eq!(std::fs::read(&path).expect("still there"), data);
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .expect("list")
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert_eq!(names.len(), 1, "companion files made: {names:?}");
        }
    }
});
