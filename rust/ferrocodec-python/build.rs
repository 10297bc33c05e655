//! Emits PyO3's cfgs (`Py_LIMITED_API`, `Py_GIL_DISABLED`, `Py_3_x`) for this
//! crate, records the interpreter tag for `build_info()`, and gives the
//! `free-threaded` feature its meaning: it only builds against a
//! free-threaded interpreter, without the limited API (`abi3t`: with the
//! free-threaded limited API of CPython >= 3.15).
use pyo3_build_config::PythonImplementation;

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    let config = pyo3_build_config::get();
    let free_threaded_interp = config.is_free_threaded();
    let want_free_threaded = std::env::var_os("CARGO_FEATURE_FREE_THREADED").is_some();
    let want_abi3 = std::env::var_os("CARGO_FEATURE_ABI3").is_some();
    let want_abi3t = std::env::var_os("CARGO_FEATURE_ABI3T").is_some();

    if want_abi3t && (want_abi3 || want_free_threaded) {
        panic!(
            "ferrocodec: the `abi3t` feature excludes `abi3` and `free-threaded`. Build the \
             abi3t wheel with `--no-default-features --features abi3t` against python3.15t."
        );
    }
    if want_abi3t && !free_threaded_interp {
        panic!(
            "ferrocodec: the `abi3t` feature (a cp315-abi3t wheel) needs a free-threaded \
             CPython >= 3.15 (python3.15t) to build against."
        );
    }
    if want_free_threaded && want_abi3 {
        panic!(
            "ferrocodec: the `free-threaded` and `abi3` features exclude each other. \
             Build the free-threaded wheel with `--no-default-features --features free-threaded` \
             against a free-threaded interpreter (python3.14t)."
        );
    }
    if want_free_threaded && !free_threaded_interp {
        let version = config.version();
        panic!(
            "ferrocodec: the `free-threaded` feature needs a free-threaded CPython (built with \
             --disable-gil, e.g. python3.14t), but PyO3 found Python {}.{} with the GIL \
             (target ABI: {}). Point maturin at the free-threaded interpreter \
             (`maturin build -i python3.14t --no-default-features --features free-threaded`) \
             or drop the feature to build the abi3 wheel.",
            version.major,
            version.minor,
            config.target_abi().kind(),
        );
    }

    let version = config.version();
    let implementation = match config.implementation() {
        PythonImplementation::CPython => "cp",
        PythonImplementation::PyPy => "pp",
        _ => "py",
    };
    let tag = format!(
        "{implementation}{}{}{}",
        version.major,
        version.minor,
        if free_threaded_interp { "t" } else { "" }
    );
    println!("cargo:rustc-env=FERROCODEC_INTERPRETER_TAG={tag}");
    println!(
        "cargo:rustc-env=FERROCODEC_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
