//! Prints how synthetic strip photos with known grades fare through sampling and reading
//! (clinical-rules §13), per photographing condition: exact agreement, wrong grades, `unsure`
//! and refusals.
//!
//! `cargo run --release -p nephro-core --example dipstick_photos [PHOTOS_PER_CONDITION] [SEED]`

use nephro_core::dipstick::synthetic::{evaluate, CONDITIONS};

fn main() {
    let mut args = std::env::args().skip(1);
    let photos: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20250601);
    println!("{photos} synthetic photos per condition (seed {seed}); grades in turn, pads up to 35 % towards a neighbouring grade");
    println!(
        "| condition | read correctly | wrong grade | unsure | refused |\n|---|---|---|---|---|"
    );
    for condition in &CONDITIONS {
        let r = evaluate(condition, photos, seed);
        let pct = |n: usize| 100.0 * n as f64 / r.photos as f64;
        let refused = if r.refused.is_empty() {
            "0".to_string()
        } else {
            r.refused
                .iter()
                .map(|(code, n)| format!("{n} {code}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "| {} | {} ({:.1} %) | {} | {} ({:.1} %) | {} |",
            r.name,
            r.correct,
            pct(r.correct),
            r.wrong,
            r.unsure,
            pct(r.unsure),
            refused
        );
    }
}
