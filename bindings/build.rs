//! Linker options for the shared library (`cdylib`) of the bindings only: the compiled code is
//! unchanged, the linker stores it more compactly (README, "Library size and the phone's time-zone
//! database").

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = env::var("TARGET").unwrap_or_default();
    if target == "x86_64-unknown-linux-gnu" {
        // Packed relative relocations (RELR): the pointers inside the library's tables (chrono-tz's
        // zones above all) are rebased at load time from a bitmap of a few KiB instead of one
        // 24-byte `.rela.dyn` record each (0.87 MiB less). Safe: the relocations applied are the
        // same; rustc links this target with its own LLD (the default since Rust 1.90; the
        // bindings need 1.91), which writes them, and glibc 2.36 or later applies them — the
        // linker marks the library as needing `GLIBC_ABI_DT_RELR`, so an older glibc refuses to
        // load it with that name instead of misreading it.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs");
    }
}
