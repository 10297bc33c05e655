//! Input buffers and output bytes, with CPython's conventions and errors.

use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::mem::MaybeUninit;
use std::os::raw::c_char;

/// Inputs at least this large are coded with the thread detached (the GIL
/// released on GIL builds), so other Python threads run meanwhile. Below it,
/// detaching and re-attaching costs more than it frees.
pub const DETACH_THRESHOLD: usize = 32 * 1024;

/// Runs `f` detached from the interpreter when `size` is large enough.
#[inline]
pub fn maybe_detach<T: Send, F: FnOnce() -> T + Send>(py: Python<'_>, size: usize, f: F) -> T {
    if size >= DETACH_THRESHOLD {
        py.detach(f)
    } else {
        f()
    }
}

/// The bytes of an input object: borrowed straight from a `bytes`, or a
/// contiguous buffer export (`PyObject_GetBuffer(obj, PyBUF_SIMPLE)`) that is
/// released on drop. Holding an export keeps e.g. a bytearray from resizing.
pub enum Buffer<'a> {
    Bytes(&'a [u8]),
    Export(Box<ffi::Py_buffer>),
}

impl<'a> Buffer<'a> {
    /// Like CPython's `Py_buffer` argument converter: errors are the ones
    /// `PyObject_GetBuffer` raises ("a bytes-like object is required, not
    /// 'str'", BufferError for non-contiguous memoryviews, ...).
    pub fn get(obj: &'a Bound<'_, PyAny>) -> PyResult<Buffer<'a>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Buffer::Bytes(b.as_bytes()));
        }
        let mut view: Box<MaybeUninit<ffi::Py_buffer>> = Box::new(MaybeUninit::uninit());
        // SAFETY: view points to writable memory for a Py_buffer; on success it
        // is initialised and must be released exactly once (Drop).
        let rc =
            unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), ffi::PyBUF_SIMPLE) };
        if rc != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        // SAFETY: initialised by the successful call above.
        let view = unsafe { Box::from_raw(Box::into_raw(view).cast::<ffi::Py_buffer>()) };
        Ok(Buffer::Export(view))
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            Buffer::Bytes(b) => b,
            Buffer::Export(view) if view.len == 0 => &[],
            // SAFETY: a PyBUF_SIMPLE export is `len` contiguous readable bytes
            // that stay valid until the export is released (in Drop).
            Buffer::Export(view) => unsafe {
                std::slice::from_raw_parts(view.buf.cast::<u8>(), view.len as usize)
            },
        }
    }
}

impl Drop for Buffer<'_> {
    fn drop(&mut self) {
        if let Buffer::Export(view) = self {
            // SAFETY: the export was made by PyObject_GetBuffer and is released
            // once. Buffer is !Send (it holds a raw-pointer struct) and lives
            // only inside the attached call that created it, so the thread is
            // attached here.
            unsafe { ffi::PyBuffer_Release(&mut **view) };
        }
    }
}

/// Bytes viewed from either an ASCII str (borrowed from it) or a buffer.
pub enum AsciiData<'a> {
    Str(&'a [u8]),
    Buffer(Buffer<'a>),
}

impl AsciiData<'_> {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            AsciiData::Str(s) => s,
            AsciiData::Buffer(b) => b.as_slice(),
        }
    }
}

/// CPython binascii's `ascii_buffer` converter: an ASCII str, or any object
/// with a contiguous buffer.
pub fn ascii_data<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<AsciiData<'a>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return match str_ascii_bytes(s) {
            Some(bytes) => Ok(AsciiData::Str(bytes)),
            None => Err(PyValueError::new_err(
                "string argument should contain only ASCII characters",
            )),
        };
    }
    // Any failure to export a contiguous buffer becomes this TypeError, as
    // in CPython (even a BufferError for a non-contiguous memoryview).
    Buffer::get(obj).map(AsciiData::Buffer).map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!(
            "argument should be bytes, buffer or ASCII string, not '{type_name}'"
        ))
    })
}

/// The bytes of an ASCII str without copying, or None if it is not ASCII.
fn str_ascii_bytes<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a [u8]> {
    let mut size: ffi::Py_ssize_t = 0;
    // SAFETY: s is a valid str; the returned buffer lives as long as s. For an
    // ASCII str, CPython returns its own data (no copy).
    let ptr = unsafe { ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
    if ptr.is_null() {
        // Lone surrogates cannot be encoded: certainly not ASCII.
        drop(PyErr::take(s.py()));
        return None;
    }
    // SAFETY: size bytes at ptr, valid (immutable) as long as the str `s` borrows.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), size as usize) };
    bytes.is_ascii().then_some(bytes)
}

/// A new bytes object of exactly `len` bytes, filled by `fill` without
/// zeroing first. If `fill` returns false the object is discarded and `None`
/// returned.
pub fn new_bytes_with<'py>(
    py: Python<'py>,
    len: usize,
    fill: impl FnOnce(&mut [u8]) -> bool,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let Ok(ssize) = ffi::Py_ssize_t::try_from(len) else {
        return Err(PyMemoryError::new_err(()));
    };
    // SAFETY: a NULL source makes CPython allocate an uninitialised bytes of
    // `len` bytes that nobody else can see until we return it.
    unsafe {
        let obj = ffi::PyBytes_FromStringAndSize(std::ptr::null::<c_char>(), ssize);
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        let bytes = Bound::from_owned_ptr(py, obj).cast_into_unchecked::<PyBytes>();
        let data = ffi::PyBytes_AsString(obj).cast::<u8>();
        let buf = std::slice::from_raw_parts_mut(data, len);
        Ok(fill(buf).then_some(bytes))
    }
}

/// CPython's `size_t` argument converter (`_PyLong_Size_t_Converter`): any
/// object with `__index__`, the same errors for negative and huge values.
pub fn size_t(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    if obj.is_exact_instance_of::<pyo3::types::PyInt>() {
        if let Ok(v) = obj.extract::<usize>() {
            return Ok(v);
        }
    }
    let index = obj
        .py()
        .import("operator")?
        .getattr("index")?
        .call1((obj,))?;
    if index.lt(0)? {
        return Err(PyValueError::new_err("Cannot convert negative int"));
    }
    index.extract::<usize>().map_err(|_| {
        pyo3::exceptions::PyOverflowError::new_err("Python int too large for C size_t")
    })
}
