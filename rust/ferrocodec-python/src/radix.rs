//! The Base16, Base32, Ascii85, Base85 and Z85 functions behind
//! `ferrocodec.base64`. Data objects and `wrapcol` are converted here as
//! CPython 3.15's `binascii` converters do, in its order (data first). Errors are
//! `binascii.Error`, as in CPython 3.15.

use crate::base64::Error;
use crate::buffer::{ascii_data, maybe_detach, new_bytes_with, size_t, Buffer};
use ferrocodec::radix::{self as core, ByteSet, RadixError};
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::LazyLock;

static BASE32_TABLE: LazyLock<[u8; 256]> =
    LazyLock::new(|| core::base32_table(core::BASE32_ALPHABET));
static BASE32HEX_TABLE: LazyLock<[u8; 256]> =
    LazyLock::new(|| core::base32_table(core::BASE32HEX_ALPHABET));
static BASE85_TABLE: LazyLock<[u8; 256]> =
    LazyLock::new(|| core::base85_table(core::BASE85_ALPHABET));
static Z85_TABLE: LazyLock<[u8; 256]> = LazyLock::new(|| core::base85_table(core::Z85_ALPHABET));

/// `ignorechars` as a set: any bytes-like object (`Py_buffer` converter).
fn byte_set(ignorechars: &Bound<'_, PyAny>) -> PyResult<ByteSet> {
    let buf = Buffer::get(ignorechars)?;
    Ok(ByteSet::new(buf.as_slice()))
}

/// A bytes object of `len` bytes written by `fill` (detached when large),
/// then wrapped at `wrapcol` if that is not 0.
fn encoded<'py>(
    py: Python<'py>,
    len: Option<usize>,
    wrapcol: usize,
    fill: impl FnOnce(&mut [u8]) + Send,
) -> PyResult<Bound<'py, PyBytes>> {
    let len = len.ok_or_else(|| PyMemoryError::new_err(()))?;
    let out = if wrapcol == 0 || len <= wrapcol {
        new_bytes_with(py, len, |buf| {
            maybe_detach(py, len, || fill(buf));
            true
        })?
    } else {
        let body = maybe_detach(py, len, || {
            let mut body = vec![0u8; len];
            fill(&mut body);
            body
        });
        new_bytes_with(py, core::wrapped_len(len, wrapcol), |buf| {
            core::wrap_into(&body, wrapcol, buf);
            true
        })?
    };
    Ok(out.expect("fill returned true"))
}

fn decoded<'py>(
    py: Python<'py>,
    result: Result<Vec<u8>, RadixError>,
) -> PyResult<Bound<'py, PyBytes>> {
    match result {
        Ok(v) => Ok(PyBytes::new(py, &v)),
        Err(e) => Err(Error::new_err(e.to_string())),
    }
}

/// `b16encode(s)`; `wrapcol` is the line length in digits (even, or 0).
#[pyfunction]
pub fn _b16encode<'py>(s: &Bound<'py, PyAny>, wrapcol: usize) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(s)?;
    let data = input.as_slice();
    let wrap = core::base16_wrapcol(wrapcol);
    encoded(
        s.py(),
        core::base16_encoded_len(data.len(), 0),
        wrap,
        |out| core::base16_encode_into(data, out),
    )
}

/// `b16decode(s, casefold, ignorechars=...)` (`s` an ASCII str or bytes-like).
#[pyfunction]
pub fn _b16decode<'py>(
    s: &Bound<'py, PyAny>,
    casefold: bool,
    ignorechars: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(s)?;
    let ignore = byte_set(ignorechars)?;
    let data = input.as_slice();
    let r = maybe_detach(s.py(), data.len(), || {
        core::base16_decode(data, casefold, &ignore)
    });
    decoded(s.py(), r)
}

/// `b32encode(s)`, or `b32hexencode(s)` when `hex`.
#[pyfunction]
pub fn _b32encode<'py>(
    s: &Bound<'py, PyAny>,
    hex: bool,
    wrapcol: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(s)?;
    let wrapcol = size_t(wrapcol)?;
    let data = input.as_slice();
    let alphabet = if hex {
        core::BASE32HEX_ALPHABET
    } else {
        core::BASE32_ALPHABET
    };
    encoded(
        s.py(),
        core::base32_encoded_len(data.len(), true),
        core::base32_wrapcol(wrapcol),
        |out| core::base32_encode_into(data, alphabet, true, out),
    )
}

/// `b32decode` / `b32hexdecode` of bytes the wrapper already case-folded and
/// 0/1-mapped.
#[pyfunction]
pub fn _b32decode<'py>(
    s: &Bound<'py, PyAny>,
    hex: bool,
    ignorechars: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(s)?;
    let ignore = byte_set(ignorechars)?;
    let data = input.as_slice();
    let table: &[u8; 256] = if hex { &BASE32HEX_TABLE } else { &BASE32_TABLE };
    let r = maybe_detach(s.py(), data.len(), || {
        core::base32_decode(data, table, &ignore)
    });
    decoded(s.py(), r)
}

/// `b85encode(s, pad)`, or `z85encode(s, pad)` when `z85`.
#[pyfunction]
pub fn _b85encode<'py>(
    s: &Bound<'py, PyAny>,
    z85: bool,
    pad: bool,
    wrapcol: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(s)?;
    let wrapcol = size_t(wrapcol)?;
    let data = input.as_slice();
    let alphabet = if z85 {
        core::Z85_ALPHABET
    } else {
        core::BASE85_ALPHABET
    };
    encoded(
        s.py(),
        core::base85_encoded_len(data.len(), pad),
        wrapcol,
        |out| core::base85_encode_into(data, alphabet, pad, out),
    )
}

/// `b85decode(s)`, or `z85decode(s)` when `z85`.
#[pyfunction]
pub fn _b85decode<'py>(
    s: &Bound<'py, PyAny>,
    z85: bool,
    ignorechars: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(s)?;
    let ignore = byte_set(ignorechars)?;
    let data = input.as_slice();
    let (table, name): (&[u8; 256], _) = if z85 {
        (&Z85_TABLE, "Z85")
    } else {
        (&BASE85_TABLE, "Base85")
    };
    let r = maybe_detach(s.py(), data.len(), || {
        core::base85_decode(data, table, name, &ignore)
    });
    decoded(s.py(), r)
}

/// `a85encode(b, foldspaces=..., wrapcol=..., pad=..., adobe=...)`.
#[pyfunction]
pub fn _a85encode<'py>(
    b: &Bound<'py, PyAny>,
    foldspaces: bool,
    wrapcol: &Bound<'py, PyAny>,
    pad: bool,
    adobe: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(b)?;
    let wrapcol = size_t(wrapcol)?;
    let data = input.as_slice();
    let out = maybe_detach(b.py(), data.len(), || {
        core::ascii85_encode(data, foldspaces, wrapcol, pad, adobe)
    });
    Ok(PyBytes::new(b.py(), &out))
}

/// `a85decode(b, foldspaces=..., adobe=..., ignorechars=...)`.
#[pyfunction]
pub fn _a85decode<'py>(
    b: &Bound<'py, PyAny>,
    foldspaces: bool,
    adobe: bool,
    ignorechars: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(b)?;
    let ignore = byte_set(ignorechars)?;
    let data = input.as_slice();
    let r = maybe_detach(b.py(), data.len(), || {
        core::ascii85_decode(data, foldspaces, adobe, &ignore)
    });
    decoded(b.py(), r)
}
