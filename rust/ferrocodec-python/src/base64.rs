//! `binascii.a2b_base64` / `b2a_base64` and the helpers `ferrocodec.base64` builds on.

use crate::buffer::{ascii_data, maybe_detach, new_bytes_with, size_t, Buffer};
use ferrocodec::base64::{self as core, DecodeTable, EncodeAlphabet};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes};

pyo3::import_exception!(binascii, Error);

fn encode<'py>(
    py: Python<'py>,
    data: &[u8],
    alphabet: EncodeAlphabet,
    wrapcol: usize,
    newline: bool,
    padded: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let len = core::encoded_len(data.len(), wrapcol, newline, padded)
        .ok_or_else(|| pyo3::exceptions::PyMemoryError::new_err(()))?;
    // Encoding cannot fail once the length is known: the fill always succeeds.
    let out = new_bytes_with(py, len, |buf| {
        maybe_detach(py, data.len(), || {
            core::encode_into(data, alphabet, wrapcol, newline, padded, buf)
        });
        true
    })?;
    Ok(out.expect("fill returned true"))
}

/// `a2b_base64`: the SIMD path when it can take the input, else the state
/// machine; 3.15's `padded=False` and `canonical=True` only the state
/// machine implements.
fn decode<'py>(
    py: Python<'py>,
    data: &[u8],
    table: &DecodeTable,
    strict: bool,
    padded: bool,
    canonical: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let fast_len = if padded && !canonical {
        maybe_detach(py, data.len(), || {
            core::simd_decoded_len(data, table, strict)
        })
    } else {
        None
    };
    if let Some(len) = fast_len {
        let decoded = new_bytes_with(py, len, |buf| {
            maybe_detach(py, data.len(), || core::decode_simd(data, table, buf))
        })?;
        if let Some(bytes) = decoded {
            return Ok(bytes);
        }
    }
    match maybe_detach(py, data.len(), || {
        core::decode_scalar_with(data, table, strict, padded, canonical)
    }) {
        Ok(v) => Ok(PyBytes::new(py, &v)),
        Err(e) => Err(Error::new_err(e.to_string())),
    }
}

/// Decode a line of base64 data.
///
/// CPython 3.15's signature. Arguments are converted in Argument Clinic's
/// order: `strict_mode`, `padded` and `canonical` by truth value,
/// `alphabet` must be bytes (its length is checked after every conversion),
/// `ignorechars` any bytes-like object; `strict_mode` defaults to true when
/// `ignorechars` is given.
#[pyfunction]
#[pyo3(signature = (data, /, *, strict_mode = Given::Unset, padded = Given::Unset,
                    alphabet = Given::Unset, ignorechars = Given::Unset, canonical = Given::Unset))]
pub fn a2b_base64<'py>(
    data: &Bound<'py, PyAny>,
    strict_mode: Given<'py>,
    padded: Given<'py>,
    alphabet: Given<'py>,
    ignorechars: Given<'py>,
    canonical: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = data.py();
    let input = ascii_data(data)?;
    let strict = strict_mode.flag_or_unset()?;
    let padded = padded.flag(true)?;
    let alphabet = alphabet.bytes_arg("a2b_base64")?;
    let ignore = ignorechars.buffer()?;
    let canonical = canonical.flag(false)?;
    let strict = strict.unwrap_or(ignore.is_some());
    let owned;
    let table = match alphabet {
        None => DecodeTable::standard(),
        Some(a) => {
            owned = DecodeTable::with_alphabet(&fixed_alphabet::<64>(a.as_bytes())?);
            &owned
        }
    };
    let ignore = ignore.as_ref().map(|b| b.as_slice());
    decode_with(
        py,
        input.as_slice(),
        table,
        strict,
        ignore,
        padded,
        canonical,
    )
}

/// [`decode`] with 3.15's `ignorechars`, which only strict mode uses.
fn decode_with<'py>(
    py: Python<'py>,
    data: &[u8],
    table: &DecodeTable,
    strict: bool,
    ignorechars: Option<&[u8]>,
    padded: bool,
    canonical: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let ignoring;
    let table = match ignorechars {
        Some(chars) if strict && !chars.is_empty() => {
            ignoring = table.ignoring(chars);
            &ignoring
        }
        _ => table,
    };
    decode(py, data, table, strict, padded, canonical)
}

/// Base64-code line of data.
///
/// CPython 3.15's signature; `alphabet` is any bytes-like object of 64 bytes.
#[pyfunction]
#[pyo3(signature = (data, /, *, padded = Given::Unset, wrapcol = Given::Unset,
                    newline = Given::Unset, alphabet = Given::Unset))]
pub fn b2a_base64<'py>(
    data: &Bound<'py, PyAny>,
    padded: Given<'py>,
    wrapcol: Given<'py>,
    newline: Given<'py>,
    alphabet: Given<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let input = Buffer::get(data)?;
    let padded = padded.flag(true)?;
    let wrapcol = wrapcol.size_t()?;
    let newline = newline.flag(true)?;
    let alphabet = alphabet.buffer()?;
    let alphabet = match &alphabet {
        None => EncodeAlphabet::STANDARD,
        Some(a) => EncodeAlphabet::from_chars(&fixed_alphabet::<64>(a.as_slice())?),
    };
    encode(
        data.py(),
        input.as_slice(),
        alphabet,
        wrapcol,
        newline,
        padded,
    )
}

/// An `alphabet` argument's bytes, which must be exactly `N` (ValueError
/// "alphabet must have length N", as 3.15's binascii).
pub fn fixed_alphabet<const N: usize>(bytes: &[u8]) -> PyResult<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| PyValueError::new_err(format!("alphabet must have length {N}")))
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
    encode(s.py(), input.as_slice(), alphabet, wrapcol, false, true)
}

/// Encode the bytes-like object s using Base64 and return a bytes object.
///
/// Optional altchars should be a byte string of length 2 which specifies an
/// alternative alphabet for the '+' and '/' characters.  This allows an
/// application to e.g. generate url or filesystem safe Base64 strings.
///
/// If padded is false, omit the padding ('=' characters).
///
/// If wrapcol is non-zero, insert a newline (b'\n') character after at most
/// every wrapcol characters.
//
// The common call (no altchars, no padded) is encoded here: a Python
// function with keyword-only arguments costs a tenth of a 16-byte encode.
// Every other call goes to the Python `_b64encode_general`, 3.15's code.
#[pyfunction]
#[pyo3(signature = (s, altchars = None, *, padded = Given::Unset, wrapcol = Given::Unset))]
pub fn b64encode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&Bound<'py, PyAny>>,
    padded: Given<'py>,
    wrapcol: Given<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    if altchars.is_none() && matches!(padded, Given::Unset) {
        let input = Buffer::get(s)?;
        let wrapcol = wrapcol.size_t()?;
        return Ok(encode(
            py,
            input.as_slice(),
            EncodeAlphabet::STANDARD,
            wrapcol,
            false,
            true,
        )?
        .into_any());
    }
    let padded = padded.or(PyBool::new(py, true).to_owned().into_any());
    let wrapcol = wrapcol.or(0i32.into_pyobject(py)?.into_any());
    py.import("ferrocodec.base64")?
        .getattr("_b64encode_general")?
        .call1((s, altchars, padded, wrapcol))
}

/// `base64.b64decode` core on bytes the caller already converted
/// (`_bytes_from_decode_data`): `altchars` None or 2 bytes; `urlsafe` selects
/// the table of `urlsafe_b64decode` (both `-_` and `+/`). With `ignorechars`
/// (3.15) the altchars replace `+/` in the alphabet instead of being
/// translated to them, as 3.15's `b64decode` passes `alphabet=`. `padded`
/// and `canonical` are `a2b_base64`'s (3.15).
#[pyfunction]
#[pyo3(signature = (s, altchars, validate, urlsafe = false, ignorechars = None,
                    padded = true, canonical = false))]
#[allow(clippy::too_many_arguments)]
pub fn _b64decode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&[u8]>,
    validate: bool,
    urlsafe: bool,
    ignorechars: Option<&Bound<'py, PyAny>>,
    padded: bool,
    canonical: bool,
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
    decode_with(
        s.py(),
        input.as_slice(),
        table,
        validate,
        ignore.as_ref().map(|b| b.as_slice()),
        padded,
        canonical,
    )
}

/// An argument that may be absent, told apart from an explicit None (the
/// stdlib's `_NOT_SPECIFIED` defaults).
pub enum Given<'py> {
    Unset,
    Obj(Bound<'py, PyAny>),
}

impl<'py> Given<'py> {
    /// A flag converted as Argument Clinic's `bool` does (truth value, errors
    /// of `__bool__` propagate); `default` when absent.
    pub fn flag(&self, default: bool) -> PyResult<bool> {
        Ok(self.flag_or_unset()?.unwrap_or(default))
    }

    /// [`Given::flag`], None when absent (`strict_mode`, whose default
    /// depends on another argument).
    pub fn flag_or_unset(&self) -> PyResult<Option<bool>> {
        match self {
            Given::Unset => Ok(None),
            Given::Obj(o) => o.is_truthy().map(Some),
        }
    }

    /// The object given, else `default` (for a call handed to Python code).
    pub fn or(self, default: Bound<'py, PyAny>) -> Bound<'py, PyAny> {
        match self {
            Given::Unset => default,
            Given::Obj(o) => o,
        }
    }

    /// A `size_t` argument (`wrapcol`), 0 when absent.
    pub fn size_t(&self) -> PyResult<usize> {
        match self {
            Given::Unset => Ok(0),
            Given::Obj(o) => size_t(o),
        }
    }

    /// A `Py_buffer` argument, None when absent (an explicit None is a
    /// TypeError, as `PyObject_GetBuffer(None)` is).
    pub fn buffer(&self) -> PyResult<Option<Buffer<'_>>> {
        match self {
            Given::Unset => Ok(None),
            Given::Obj(o) => Buffer::get(o).map(Some),
        }
    }

    /// A `PyBytesObject` argument (`alphabet` of the decoders): a bytes (or
    /// subclass) instance, else Argument Clinic's TypeError.
    pub fn bytes_arg(&self, fname: &str) -> PyResult<Option<&Bound<'py, PyBytes>>> {
        match self {
            Given::Unset => Ok(None),
            Given::Obj(o) => match o.cast::<PyBytes>() {
                Ok(b) => Ok(Some(b)),
                Err(_) => {
                    let got = if o.is_none() {
                        "None".to_owned()
                    } else {
                        o.get_type().name()?.to_string()
                    };
                    Err(PyTypeError::new_err(format!(
                        "{fname}() argument 'alphabet' must be bytes, not {got}"
                    )))
                }
            },
        }
    }
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
#[pyo3(signature = (s, altchars = None, validate = Given::Unset, *, padded = Given::Unset,
                    ignorechars = Given::Unset, canonical = Given::Unset))]
pub fn b64decode<'py>(
    s: &Bound<'py, PyAny>,
    altchars: Option<&Bound<'py, PyAny>>,
    validate: Given<'py>,
    padded: Given<'py>,
    ignorechars: Given<'py>,
    canonical: Given<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = s.py();
    let direct = s.is_exact_instance_of::<PyBytes>()
        || s.is_exact_instance_of::<pyo3::types::PyString>()
        || s.is_exact_instance_of::<pyo3::types::PyByteArray>();
    let defaults = [&padded, &ignorechars, &canonical]
        .iter()
        .all(|g| matches!(g, Given::Unset));
    if altchars.is_none() && defaults && direct {
        let strict = match &validate {
            Given::Unset => false,
            Given::Obj(v) => v.is_truthy()?,
        };
        let input = ascii_data(s)?;
        let table = DecodeTable::standard();
        return Ok(decode(py, input.as_slice(), table, strict, true, false)?.into_any());
    }
    let module = py.import("ferrocodec.base64")?;
    let unset = module.getattr("_NOT_SPECIFIED")?;
    let flag = |b: bool| PyBool::new(py, b).to_owned().into_any();
    module.getattr("_b64decode_general")?.call1((
        s,
        altchars,
        validate.or(unset.clone()),
        padded.or(flag(true)),
        ignorechars.or(unset),
        canonical.or(flag(false)),
    ))
}
