//! Runs UniFFI's binding generator (library mode) for the `nephro` namespace.
fn main() {
    uniffi::uniffi_bindgen_main()
}
