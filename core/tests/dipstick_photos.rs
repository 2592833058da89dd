//! Synthetic strip photos with known grades through sampling and reading (clinical-rules §13):
//! no photo is ever read as a wrong grade (a doubtful one is `unsure` or refused), and in good
//! light nearly every photo is read. The full table: `cargo run --release -p nephro-core
//! --example dipstick_photos`.

use nephro_core::dipstick::synthetic::{evaluate, CONDITIONS};

/// Photos per condition here (the example draws more).
const PHOTOS: usize = 30;
/// A fixed seed, so that a failure reproduces.
const SEED: u64 = 20250601;

#[test]
fn no_wrong_grade_outside_unsure_and_good_light_reads() {
    let (mut good_light, mut good_light_read) = (0, 0);
    for condition in &CONDITIONS {
        let r = evaluate(condition, PHOTOS, SEED);
        eprintln!(
            "{:<16} read {:>3}/{} correct, {} wrong, {} unsure, refused {:?}",
            r.name, r.correct, r.photos, r.wrong, r.unsure, r.refused
        );
        assert_eq!(r.wrong, 0, "{}: a wrong grade was suggested", r.name);
        if ["daylight", "warm", "cool"].contains(&condition.name) {
            good_light += r.photos;
            good_light_read += r.correct;
        }
    }
    assert!(
        good_light_read * 100 >= good_light * 95,
        "only {good_light_read} of {good_light} photos read in good light"
    );
}
