//! Export benchmarks (issue 7); being written.
fn main() {}
