//! `cfg(simd_x86)`: this crate's own x86-64 vector code. On for x86-64
//! unless `FERROCODEC_PORTABLE` is set, which builds the portable code that
//! other CPUs (arm64) run instead, so that x86-64 machines test it too
//! (`scripts/test.sh` runs the core's tests both ways). Dependencies'
//! vector code (simdutf, itoap, faster-hex) is not affected.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(simd_x86)");
    println!("cargo::rerun-if-env-changed=FERROCODEC_PORTABLE");
    println!("cargo::rerun-if-changed=build.rs");
    let x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64");
    if x86_64 && std::env::var_os("FERROCODEC_PORTABLE").is_none() {
        println!("cargo::rustc-cfg=simd_x86");
    }
}
