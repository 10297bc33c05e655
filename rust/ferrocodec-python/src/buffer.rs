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

/// A buffer export (`PyObject_GetBuffer`), released on drop.
pub struct Export(Box<ffi::Py_buffer>);

impl Export {
    /// Exports `obj` with `flags` (`PyBUF_SIMPLE`, `PyBUF_WRITABLE`): the
    /// errors are the ones `PyObject_GetBuffer` raises.
    pub fn new(obj: &Bound<'_, PyAny>, flags: std::os::raw::c_int) -> PyResult<Export> {
        let mut view: Box<MaybeUninit<ffi::Py_buffer>> = Box::new(MaybeUninit::uninit());
        // SAFETY: view points to writable memory for a Py_buffer; on success it
        // is initialised and must be released exactly once (Drop).
        let rc = unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), flags) };
        if rc != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        // SAFETY: initialised by the successful call above.
        Ok(Export(unsafe {
            Box::from_raw(Box::into_raw(view).cast::<ffi::Py_buffer>())
        }))
    }

    /// The export's description (shape, strides, format when requested).
    pub fn view(&self) -> &ffi::Py_buffer {
        &self.0
    }

    pub fn as_slice(&self) -> &[u8] {
        if self.0.len == 0 {
            return &[];
        }
        // SAFETY: the exports made here (PyBUF_SIMPLE, optionally writable)
        // are `len` contiguous readable bytes, valid until released (Drop).
        unsafe { std::slice::from_raw_parts(self.0.buf.cast::<u8>(), self.0.len as usize) }
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        // SAFETY: the export was made by PyObject_GetBuffer and is released
        // once. Export is !Send (it holds raw pointers) and lives only inside
        // the attached call that created it, so the thread is attached here.
        unsafe { ffi::PyBuffer_Release(&mut *self.0) };
    }
}

/// A writable, contiguous export (`PyBUF_WRITABLE`): output written in place.
pub struct WritableBuffer(Export);

impl WritableBuffer {
    pub fn get(obj: &Bound<'_, PyAny>) -> PyResult<WritableBuffer> {
        Export::new(obj, ffi::PyBUF_WRITABLE).map(WritableBuffer)
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let view = &mut *self.0 .0;
        if view.len == 0 {
            return &mut [];
        }
        // SAFETY: a PyBUF_WRITABLE export is `len` contiguous writable bytes,
        // valid until released, and `&mut self` makes this the only slice.
        unsafe { std::slice::from_raw_parts_mut(view.buf.cast::<u8>(), view.len as usize) }
    }
}

/// The bytes of an input object: borrowed straight from a `bytes`, or a
/// contiguous buffer export (`PyBUF_SIMPLE`) that is released on drop.
/// Holding an export keeps e.g. a bytearray from resizing.
pub enum Buffer<'a> {
    Bytes(&'a [u8]),
    Export(Export),
}

impl<'a> Buffer<'a> {
    /// Like CPython's `Py_buffer` argument converter: errors are the ones
    /// `PyObject_GetBuffer` raises ("a bytes-like object is required, not
    /// 'str'", BufferError for non-contiguous memoryviews, ...).
    pub fn get(obj: &'a Bound<'_, PyAny>) -> PyResult<Buffer<'a>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Buffer::Bytes(b.as_bytes()));
        }
        Export::new(obj, ffi::PyBUF_SIMPLE).map(Buffer::Export)
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            Buffer::Bytes(b) => b,
            Buffer::Export(export) => export.as_slice(),
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
    let (bytes, out) = new_bytes_uninit(py, len)?;
    // SAFETY: `bytes` is new and not yet shared; `out` is its whole buffer.
    let buf = unsafe { out.as_mut_slice() };
    Ok(fill(buf).then_some(bytes))
}

/// The data of a bytes object that nobody else sees yet, to be filled
/// (possibly on another thread, detached) before the object is handed out.
#[derive(Clone, Copy)]
pub struct OutPtr(*mut u8, usize);

// SAFETY: an OutPtr is only made by `new_bytes_uninit` (or from a slice the
// caller owns) and each one is written by one thread at a time, while the
// caller keeps the object alive and unshared.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

impl OutPtr {
    pub fn from_slice(buf: &mut [u8]) -> OutPtr {
        OutPtr(buf.as_mut_ptr(), buf.len())
    }

    /// # Safety
    /// The memory must still be alive and no other slice of it in use.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice<'a>(self) -> &'a mut [u8] {
        if self.1 == 0 {
            return &mut [];
        }
        // SAFETY: per the contract above, `len` writable bytes at ptr.
        unsafe { std::slice::from_raw_parts_mut(self.0, self.1) }
    }
}

/// A new, uninitialised bytes object of exactly `len` bytes and where to
/// write its data. It must be filled completely before it is shared.
pub fn new_bytes_uninit(py: Python<'_>, len: usize) -> PyResult<(Bound<'_, PyBytes>, OutPtr)> {
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
        Ok((bytes, OutPtr(data, len)))
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
