//! `ferrocodec._ferrocodec`: the CPython extension module.
//!
//! This crate only converts between Python objects and the `ferrocodec` core
//! and maps core errors to the exceptions the standard library raises. The
//! module is declared free-threading safe (`gil_used = false`, PyO3's default).

use pyo3::prelude::*;

mod base64;
mod base64_batch;
mod batch;
mod buffer;
mod json_decode;
mod json_encode;
mod json_entry;
mod layout;
mod out;
mod pyobj;
mod radix;
mod shapes;

// build.rs already refuses this configuration with a longer explanation; this
// keeps the promise even if the cfgs come from somewhere else (PYO3_CONFIG_FILE).
#[cfg(all(feature = "free-threaded", not(Py_GIL_DISABLED)))]
compile_error!("the `free-threaded` feature needs a free-threaded (Py_GIL_DISABLED) CPython");
#[cfg(all(feature = "abi3t", not(all(Py_GIL_DISABLED, Py_LIMITED_API))))]
compile_error!("the `abi3t` feature needs a free-threaded CPython >= 3.15 (abi3t)");

#[pymodule]
mod _ferrocodec {
    use pyo3::prelude::*;
    use pyo3::types::PyDict;

    #[pymodule_export]
    use super::base64::{_b64decode, _b64encode, a2b_base64, b2a_base64, b64decode, b64encode};
    #[pymodule_export]
    use super::base64_batch::{_b64decode_many, _b64decode_rows, _b64encode_many};
    #[pymodule_export]
    use super::json_decode::{_json_decoder_setup, Scanner};
    #[pymodule_export]
    use super::json_encode::Encoder;
    #[pymodule_export]
    use super::json_entry::_json_entries;
    #[pymodule_export]
    use super::radix::{
        _b16decode, _b16encode, a2b_ascii85, a2b_base32, a2b_base85, a2b_hex, b2a_ascii85,
        b2a_base32, b2a_base85, unhexlify,
    };

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
        super::pyobj::str_state::init(m.py());
        super::pyobj::str_new::init(m.py());
        super::pyobj::dict_from_items::init(m.py());
        super::pyobj::bytes_resize::init(m.py());
        super::layout::init(m.py());
        super::json_entry::add_to(m)?;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }

    /// Describe how this extension was built and what the running CPU gets.
    #[pyfunction]
    fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("version", env!("CARGO_PKG_VERSION"))?;
        d.set_item("abi", super::abi())?;
        d.set_item("limited_api", cfg!(Py_LIMITED_API))?;
        d.set_item("free_threaded_build", cfg!(Py_GIL_DISABLED))?;
        d.set_item("interpreter_tag", env!("FERROCODEC_INTERPRETER_TAG"))?;
        d.set_item("simd", ferrocodec::cpu::detect().name())?;
        d.set_item("target", env!("FERROCODEC_TARGET"))?;
        d.set_item("str_state_layout_known", super::str_state_layout_known())?;
        d.set_item("str_new", super::pyobj::str_new::available())?;
        d.set_item("dict_presized", super::pyobj::dict_from_items::available())?;
        d.set_item("layout_in_place", super::layout::known())?;
        d.set_item("bytes_resize", super::pyobj::bytes_resize::available())?;
        d.set_item("release", !cfg!(debug_assertions))?;
        Ok(d)
    }
}

/// `"abi3"` for the stable-ABI wheel, `"abi3t"` for the free-threaded
/// stable-ABI wheel, the interpreter tag (`"cp314t"`, ...) otherwise.
fn abi() -> &'static str {
    if cfg!(all(Py_LIMITED_API, Py_GIL_DISABLED)) {
        "abi3t"
    } else if cfg!(Py_LIMITED_API) {
        "abi3"
    } else {
        env!("FERROCODEC_INTERPRETER_TAG")
    }
}

/// Free-threaded builds: whether the encoder reads the str state bits
/// (`pyobj::str_state`); false where it holds every str instead.
fn str_state_layout_known() -> bool {
    #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
    {
        pyobj::str_state::layout_known()
    }
    #[cfg(not(all(Py_GIL_DISABLED, not(Py_LIMITED_API))))]
    {
        false
    }
}
