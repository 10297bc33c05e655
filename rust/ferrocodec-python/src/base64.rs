//! `binascii.a2b_base64` / `b2a_base64` and the helpers `ferrocodec.base64` builds on.

use crate::buffer::{ascii_data, maybe_detach, new_bytes_with, size_t, Buffer};
use ferrocodec::base64::{self as core, DecodeTable, EncodeAlphabet};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

pyo3::import_exception!(binascii, Error);

fn encode<'py>(
    py: Python<'py>,
    data: &[u8],
    alphabet: EncodeAlphabet,
    wrapcol: usize,
    newline: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let len = core::encoded_len(data.len(), wrapcol, newline)
        .ok_or_else(|| pyo3::exceptions::PyMemoryError::new_err(()))?;
    // Encoding cannot fail once the length is known: the fill always succeeds.
    let out = new_bytes_with(py, len, |buf| {
        maybe_detach(py, data.len(), || {
            core::encode_into(data, alphabet, wrapcol, newline, buf)
        });
        true
    })?;
    Ok(out.expect("fill returned true"))
}

fn decode<'py>(
    py: Python<'py>,
    data: &[u8],
    table: &DecodeTable,
    strict: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let fast_len = maybe_detach(py, data.len(), || {
        core::simd_decoded_len(data, table, strict)
    });
    if let Some(len) = fast_len {
        let decoded = new_bytes_with(py, len, |buf| {
            maybe_detach(py, data.len(), || core::decode_simd(data, table, buf))
        })?;
        if let Some(bytes) = decoded {
            return Ok(bytes);
        }
    }
    match maybe_detach(py, data.len(), || core::decode_scalar(data, table, strict)) {
        Ok(v) => Ok(PyBytes::new(py, &v)),
        Err(e) => Err(Error::new_err(e.to_string())),
    }
}

/// Decode a line of base64 data.
///
/// `strict_mode` defaults to true when `ignorechars` is given (3.15); both
/// flags take any object, by truth value, as Argument Clinic's `bool` does.
#[pyfunction]
#[pyo3(signature = (data, /, *, strict_mode = Given::Unset, ignorechars = None))]
pub fn a2b_base64<'py>(
    data: &Bound<'py, PyAny>,
    strict_mode: Given<'py>,
    ignorechars: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(data)?;
    let strict = match strict_mode {
        Given::Obj(flag) => flag.is_truthy()?,
        Given::Unset => ignorechars.is_some(),
    };
    let ignore = ignorechars.map(Buffer::get).transpose()?;
    decode_ignoring(
        data.py(),
        input.as_slice(),
        DecodeTable::standard(),
        strict,
        ignore.as_ref().map(|b| b.as_slice()),
    )
}

/// [`decode`] with 3.15's `ignorechars`, which only strict mode uses.
fn decode_ignoring<'py>(
    py: Python<'py>,
    data: &[u8],
    table: &DecodeTable,
    strict: bool,
    ignorechars: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    match ignorechars {
        Some(chars) if strict && !chars.is_empty() => {
            decode(py, data, &table.ignoring(chars), strict)
        }
        _ => decode(py, data, table, strict),
    }
}

/// Base64-code line of data.
#[pyfunction]
#[pyo3(signature = (data, /, *, wrapcol = None, newline = None))]
pub fn b2a_base64<'py>(
    data: &Bound<'py, PyAny>,
    wrapcol: Option<&Bound<'py, PyAny>>,
    newline: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(data)?;
    let wrapcol = match wrapcol {
        None => 0,
        Some(w) => size_t(w)?,
    };
    let newline = match newline {
        None => true,
        Some(flag) => flag.is_truthy()?,
    };
    encode(
        data.py(),
        input.as_slice(),
        EncodeAlphabet::STANDARD,
        wrapcol,
        newline,
    )
}

/// `base64.b64encode` / `urlsafe_b64encode` core: `altchars` is None, or 2 bytes
/// (length checked by the caller); `wrapcol` any object, converted as C's
/// `size_t` converter does, after the data (3.15's order).
#[pyfunction]
#[pyo3(signature = (s, altchars, wrapcol))]
pub fn _b64encode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    wrapcol: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(s)?;
    let wrapcol = size_t(wrapcol)?;
    let alphabet = match altchars {
        None => EncodeAlphabet::STANDARD,
        Some(&[a, b]) => EncodeAlphabet::with_altchars([a, b]),
        Some(_) => return Err(PyValueError::new_err("altchars must be 2 bytes")),
    };
    encode(s.py(), input.as_slice(), alphabet, wrapcol, false)
}

/// `base64.b64decode` core on bytes the caller already converted
/// (`_bytes_from_decode_data`): `altchars` None or 2 bytes; `urlsafe` selects
/// the table of `urlsafe_b64decode` (both `-_` and `+/`). With `ignorechars`
/// (3.15) the altchars replace `+/` in the alphabet instead of being
/// translated to them, as 3.15's `b64decode` passes `alphabet=`.
#[pyfunction]
#[pyo3(signature = (s, altchars, validate, urlsafe = false, ignorechars = None))]
pub fn _b64decode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    validate: bool,
    urlsafe: bool,
    ignorechars: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = ascii_data(s)?;
    let ignore = ignorechars.map(Buffer::get).transpose()?;
    let owned;
    let table = match (altchars, urlsafe) {
        (_, true) => DecodeTable::urlsafe_or_standard(),
        (None, false) => DecodeTable::standard(),
        (Some(&[a, b]), false) => {
            owned = if ignore.is_some() {
                DecodeTable::with_alphabet_altchars([a, b])
            } else {
                DecodeTable::with_altchars([a, b])
            };
            &owned
        }
        (Some(_), false) => return Err(PyValueError::new_err("altchars must be 2 bytes")),
    };
    decode_ignoring(
        s.py(),
        input.as_slice(),
        table,
        validate,
        ignore.as_ref().map(|b| b.as_slice()),
    )
}

/// An argument that may be absent, told apart from an explicit None (the
/// stdlib's `_NOT_SPECIFIED` defaults).
pub enum Given<'py> {
    Unset,
    Obj(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Given::Obj(obj.to_owned()))
    }
}

/// Decode the Base64 encoded bytes-like object or ASCII string s.
///
/// Optional altchars must be a bytes-like object or ASCII string of length 2
/// which specifies the alternative alphabet used instead of the '+' and '/'
/// characters.
///
/// The result is returned as a bytes object.  A binascii.Error is raised if
/// s is incorrectly padded.
///
/// If ignorechars is specified, it should be a byte string containing
/// characters to ignore from the input.  The default value of validate is
/// True if ignorechars is specified, False otherwise.
///
/// If validate is false, characters that are neither in the normal base-64
/// alphabet nor the alternative alphabet are discarded prior to the
/// padding check.  If validate is true, these non-alphabet characters in
/// the input result in a binascii.Error if they are not in ignorechars.
//
// The common call (bytes, bytearray or str data, no altchars, no
// ignorechars) is decoded here: a Python function with a keyword-only
// argument costs more than the whole decode of a short input. Every other
// call goes to the Python `_b64decode_general`, which is 3.15's function.
#[pyfunction]
#[pyo3(signature = (s, altchars = None, validate = Given::Unset, *, ignorechars = Given::Unset))]
pub fn b64decode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&Bound<'py, PyAny>>,
    validate: Given<'py>,
    ignorechars: Given<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    let direct = s.is_exact_instance_of::<PyBytes>()
        || s.is_exact_instance_of::<pyo3::types::PyString>()
        || s.is_exact_instance_of::<pyo3::types::PyByteArray>();
    if altchars.is_none() && matches!(ignorechars, Given::Unset) && direct {
        let strict = match &validate {
            Given::Unset => false,
            Given::Obj(v) => v.is_truthy()?,
        };
        let input = ascii_data(s)?;
        return Ok(decode(py, input.as_slice(), DecodeTable::standard(), strict)?.into_any());
    }
    let module = py.import("ferrocodec.base64")?;
    let unset = module.getattr("_NOT_SPECIFIED")?;
    let or_unset = |g: Given<'py>| match g {
        Given::Unset => unset.clone(),
        Given::Obj(o) => o,
    };
    module.getattr("_b64decode_general")?.call1((
        s,
        altchars,
        or_unset(validate),
        or_unset(ignorechars),
    ))
}
