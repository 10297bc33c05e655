//! CPython 3.15's `binascii.a2b_base32` / `b2a_base32`, `a2b_base85` /
//! `b2a_base85` and `a2b_ascii85` / `b2a_ascii85`, which `ferrocodec.base64`
//! calls as 3.15's `base64` calls them, and its Base16 helpers. Arguments are
//! converted as Argument Clinic converts them, in its order (data first).
//! Errors are `binascii.Error`, with 3.15's messages.

use crate::base64::{fixed_alphabet, Error, Given};
use crate::buffer::{ascii_data, maybe_detach, new_bytes_with, Buffer};
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
    hex_decoded(s.py(), input.as_slice(), casefold, &byte_set(ignorechars)?)
}

/// `base16_decode`, into the bytes object itself when the input is all
/// digits (the common case), detached when large.
fn hex_decoded<'py>(
    py: Python<'py>,
    data: &[u8],
    any_case: bool,
    ignore: &ByteSet,
) -> PyResult<Bound<'py, PyBytes>> {
    if data.len().is_multiple_of(2) && ignore.is_empty() {
        let fast = new_bytes_with(py, data.len() / 2, |out| {
            maybe_detach(py, data.len(), || {
                core::hex_decode_digits(data, any_case, out)
            })
        })?;
        if let Some(bytes) = fast {
            return Ok(bytes);
        }
    }
    let r = maybe_detach(py, data.len(), || {
        core::base16_decode(data, any_case, ignore)
    });
    decoded(py, r)
}

/// Binary data of hexadecimal representation (CPython 3.15's
/// `binascii.a2b_hex`, with `ignorechars`).
#[pyfunction]
#[pyo3(signature = (hexstr, /, *, ignorechars = Given::Unset))]
pub fn a2b_hex<'py>(
    hexstr: &Bound<'py, PyAny>,
    ignorechars: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(hexstr)?;
    let ignore = ignore_set(&ignorechars)?;
    // a2b_hex is b16decode with casefold.
    hex_decoded(hexstr.py(), input.as_slice(), true, &ignore)
}

/// Binary data of hexadecimal representation (CPython 3.15's
/// `binascii.unhexlify`: `a2b_hex` under its other name).
#[pyfunction]
#[pyo3(signature = (hexstr, /, *, ignorechars = Given::Unset))]
pub fn unhexlify<'py>(
    hexstr: &Bound<'py, PyAny>,
    ignorechars: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    a2b_hex(hexstr, ignorechars)
}

/// The decoding table for a decoder's `alphabet`: the first of `known`
/// (the default) when absent, a prebuilt one when it is one of `known`, else
/// built (after the length check).
fn table_for<'a, const N: usize>(
    alphabet: Option<&Bound<'_, PyBytes>>,
    known: [(&[u8; N], &'a [u8; 256]); 2],
    build: fn(&[u8; N]) -> [u8; 256],
    owned: &'a mut [u8; 256],
) -> PyResult<&'a [u8; 256]> {
    let Some(a) = alphabet else {
        return Ok(known[0].1);
    };
    let chars = fixed_alphabet::<N>(a.as_bytes())?;
    if let Some((_, table)) = known.iter().find(|(k, _)| **k == chars) {
        return Ok(table);
    }
    *owned = build(&chars);
    Ok(owned)
}

/// `ignorechars` of the radix decoders (`Py_buffer`, default `b''`).
fn ignore_set(ignorechars: &Given<'_>) -> PyResult<ByteSet> {
    Ok(match ignorechars.buffer()? {
        None => ByteSet::EMPTY,
        Some(b) => ByteSet::new(b.as_slice()),
    })
}

/// Decode a line of base32 data (CPython 3.15's `binascii.a2b_base32`).
#[pyfunction]
#[pyo3(signature = (data, /, *, padded = Given::Unset, alphabet = Given::Unset,
                    ignorechars = Given::Unset, canonical = Given::Unset))]
pub fn a2b_base32<'py>(
    data: &Bound<'py, PyAny>,
    padded: Given<'py>,
    alphabet: Given<'py>,
    ignorechars: Given<'py>,
    canonical: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(data)?;
    let padded = padded.flag(true)?;
    let alphabet = alphabet.bytes_arg("a2b_base32")?;
    let ignore = ignore_set(&ignorechars)?;
    let canonical = canonical.flag(false)?;
    let mut owned = [0u8; 256];
    let table = table_for(
        alphabet,
        [
            (core::BASE32_ALPHABET, &BASE32_TABLE),
            (core::BASE32HEX_ALPHABET, &BASE32HEX_TABLE),
        ],
        core::base32_table,
        &mut owned,
    )?;
    let bytes = input.as_slice();
    let r = maybe_detach(data.py(), bytes.len(), || {
        core::base32_decode(bytes, table, &ignore, padded, canonical)
    });
    decoded(data.py(), r)
}

/// Base32-code line of data (CPython 3.15's `binascii.b2a_base32`).
#[pyfunction]
#[pyo3(signature = (data, /, *, padded = Given::Unset, wrapcol = Given::Unset,
                    alphabet = Given::Unset))]
pub fn b2a_base32<'py>(
    data: &Bound<'py, PyAny>,
    padded: Given<'py>,
    wrapcol: Given<'py>,
    alphabet: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(data)?;
    let padded = padded.flag(true)?;
    let wrapcol = wrapcol.size_t()?;
    let alphabet = alphabet.buffer()?;
    let alphabet = match &alphabet {
        None => *core::BASE32_ALPHABET,
        Some(a) => fixed_alphabet::<32>(a.as_slice())?,
    };
    let bytes = input.as_slice();
    encoded(
        data.py(),
        core::base32_encoded_len(bytes.len(), padded),
        core::base32_wrapcol(wrapcol),
        |out| core::base32_encode_into(bytes, &alphabet, padded, out),
    )
}

/// Decode a line of Base85 data (CPython 3.15's `binascii.a2b_base85`;
/// `z85decode` passes the Z85 alphabet).
#[pyfunction]
#[pyo3(signature = (data, /, *, alphabet = Given::Unset, ignorechars = Given::Unset,
                    canonical = Given::Unset))]
pub fn a2b_base85<'py>(
    data: &Bound<'py, PyAny>,
    alphabet: Given<'py>,
    ignorechars: Given<'py>,
    canonical: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(data)?;
    let alphabet = alphabet.bytes_arg("a2b_base85")?;
    let ignore = ignore_set(&ignorechars)?;
    let canonical = canonical.flag(false)?;
    let mut owned = [0u8; 256];
    let table = table_for(
        alphabet,
        [
            (core::BASE85_ALPHABET, &BASE85_TABLE),
            (core::Z85_ALPHABET, &Z85_TABLE),
        ],
        core::base85_table,
        &mut owned,
    )?;
    let bytes = input.as_slice();
    let r = maybe_detach(data.py(), bytes.len(), || {
        core::base85_decode(bytes, table, &ignore, canonical)
    });
    decoded(data.py(), r)
}

/// Base85-code line of data (CPython 3.15's `binascii.b2a_base85`).
#[pyfunction]
#[pyo3(signature = (data, /, *, pad = Given::Unset, wrapcol = Given::Unset,
                    alphabet = Given::Unset))]
pub fn b2a_base85<'py>(
    data: &Bound<'py, PyAny>,
    pad: Given<'py>,
    wrapcol: Given<'py>,
    alphabet: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(data)?;
    let pad = pad.flag(false)?;
    let wrapcol = wrapcol.size_t()?;
    let alphabet = alphabet.buffer()?;
    let alphabet = match &alphabet {
        None => *core::BASE85_ALPHABET,
        Some(a) => fixed_alphabet::<85>(a.as_slice())?,
    };
    let bytes = input.as_slice();
    encoded(
        data.py(),
        core::base85_encoded_len(bytes.len(), pad),
        core::base85_wrapcol(wrapcol),
        |out| core::base85_encode_into(bytes, &alphabet, pad, out),
    )
}

/// Decode Ascii85 data (CPython 3.15's `binascii.a2b_ascii85`).
#[pyfunction]
#[pyo3(signature = (data, /, *, foldspaces = Given::Unset, adobe = Given::Unset,
                    ignorechars = Given::Unset, canonical = Given::Unset))]
pub fn a2b_ascii85<'py>(
    data: &Bound<'py, PyAny>,
    foldspaces: Given<'py>,
    adobe: Given<'py>,
    ignorechars: Given<'py>,
    canonical: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(data)?;
    let foldspaces = foldspaces.flag(false)?;
    let adobe = adobe.flag(false)?;
    let ignore = ignore_set(&ignorechars)?;
    let canonical = canonical.flag(false)?;
    let bytes = input.as_slice();
    let r = maybe_detach(data.py(), bytes.len(), || {
        core::ascii85_decode(bytes, foldspaces, adobe, &ignore, canonical)
    });
    decoded(data.py(), r)
}

/// Ascii85-encode data (CPython 3.15's `binascii.b2a_ascii85`).
#[pyfunction]
#[pyo3(signature = (data, /, *, foldspaces = Given::Unset, wrapcol = Given::Unset,
                    pad = Given::Unset, adobe = Given::Unset))]
pub fn b2a_ascii85<'py>(
    data: &Bound<'py, PyAny>,
    foldspaces: Given<'py>,
    wrapcol: Given<'py>,
    pad: Given<'py>,
    adobe: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(data)?;
    let foldspaces = foldspaces.flag(false)?;
    let wrapcol = wrapcol.size_t()?;
    let pad = pad.flag(false)?;
    let adobe = adobe.flag(false)?;
    let bytes = input.as_slice();
    let out = maybe_detach(data.py(), bytes.len(), || {
        core::ascii85_encode(bytes, foldspaces, wrapcol, pad, adobe)
    });
    Ok(PyBytes::new(data.py(), &out))
}
