//! A batch of shared-care changes as another device (or anyone with access to the shared
//! folder or the relay) could send it: random bytes as a sealed batch, and as the plaintext of
//! one. Each is refused or decoded into changes that pass the hard bounds, never a panic; the
//! decoded changes merge in any order to the same diary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_core::share::batch::{decode_changes, encode_changes, open_changes};
use nephro_core::share::crypto::FamilyKey;
use nephro_core::share::merge::merge;

fuzz_target!(|data: &[u8]| {
    let key = FamilyKey::from_bytes(1, [42; 32]);
    let _ = open_changes(&[7; 16], std::slice::from_ref(&key), data);
    if let Ok(changes) = decode_changes(data) {
        // What decodes encodes and decodes back the same.
        let again = decode_changes(&encode_changes(&changes).expect("encode")).expect("decode");
        assert_eq!(again, changes);
        if let Ok(merged) = merge(changes.clone()) {
            let mut reversed = changes;
            reversed.reverse();
            let other = merge(reversed).expect("the same changes merge again");
            assert_eq!(merged.digest(), other.digest());
        }
    }
});
