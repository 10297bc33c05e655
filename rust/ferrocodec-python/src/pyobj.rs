//! Raw-pointer helpers for the JSON hot paths: an owning pointer and the
//! str conversions (UTF-8 in both directions, surrogates included).

use pyo3::ffi;
use pyo3::prelude::*;
use std::os::raw::c_char;
use std::ptr::NonNull;

/// A strong reference, released on drop. Only created and dropped while
/// attached to the interpreter.
pub struct Owned(pub(crate) NonNull<ffi::PyObject>);

impl Owned {
    /// Takes ownership of a new reference; NULL means a Python error is set.
    #[inline]
    pub fn from_new(py: Python<'_>, p: *mut ffi::PyObject) -> PyResult<Owned> {
        match NonNull::new(p) {
            Some(p) => Ok(Owned(p)),
            None => Err(PyErr::fetch(py)),
        }
    }

    /// A new strong reference to a borrowed pointer.
    #[inline]
    pub unsafe fn from_borrowed(p: *mut ffi::PyObject) -> Owned {
        ffi::Py_IncRef(p);
        Owned(NonNull::new_unchecked(p))
    }

    #[inline]
    pub fn as_ptr(&self) -> *mut ffi::PyObject {
        self.0.as_ptr()
    }

    /// Gives the reference away (for APIs that steal it).
    #[inline]
    pub fn into_ptr(self) -> *mut ffi::PyObject {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    #[inline]
    pub fn into_py(self, py: Python<'_>) -> Py<PyAny> {
        // SAFETY: we own one strong reference and hand it over.
        unsafe { Bound::from_owned_ptr(py, self.into_ptr()) }.unbind()
    }
}

impl Drop for Owned {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: a strong reference we own; the JSON code only drops these
        // while attached.
        unsafe { ffi::Py_DecRef(self.0.as_ptr()) }
    }
}

/// A new str from UTF-8 (generalised UTF-8 with `surrogates`).
#[inline]
pub fn str_from_utf8(
    py: Python<'_>,
    bytes: &[u8],
    ascii: bool,
    surrogates: bool,
) -> PyResult<Owned> {
    // SAFETY: pointer and length describe `bytes`; the error handler name is NUL-terminated.
    let p = unsafe {
        if surrogates {
            ffi::PyUnicode_DecodeUTF8(
                bytes.as_ptr() as *const c_char,
                bytes.len() as ffi::Py_ssize_t,
                c"surrogatepass".as_ptr(),
            )
        } else if ascii {
            new_ascii(bytes)
        } else {
            ffi::PyUnicode_FromStringAndSize(
                bytes.as_ptr() as *const c_char,
                bytes.len() as ffi::Py_ssize_t,
            )
        }
    };
    Owned::from_new(py, p)
}

/// A new str from ASCII bytes.
#[inline]
unsafe fn new_ascii(bytes: &[u8]) -> *mut ffi::PyObject {
    #[cfg(not(Py_LIMITED_API))]
    {
        // Straight into the compact ASCII representation, no decoding pass.
        let s = ffi::PyUnicode_New(bytes.len() as ffi::Py_ssize_t, 127);
        if !s.is_null() {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                ffi::PyUnicode_DATA(s) as *mut u8,
                bytes.len(),
            );
        }
        s
    }
    #[cfg(Py_LIMITED_API)]
    {
        ffi::PyUnicode_FromStringAndSize(
            bytes.as_ptr() as *const c_char,
            bytes.len() as ffi::Py_ssize_t,
        )
    }
}

/// The UTF-8 text of a str. `Utf8::Borrowed` points into the str object
/// (its cached UTF-8 form; for ASCII strings, its own data), valid while the
/// str lives. A str holding lone surrogates has no UTF-8 form: then its
/// `surrogatepass` encoding is returned, owned.
pub enum Utf8 {
    Borrowed(*const u8, usize),
    Surrogates(Owned),
}

impl Utf8 {
    /// # Safety
    /// `s` must be a str.
    #[inline]
    pub unsafe fn of(py: Python<'_>, s: *mut ffi::PyObject) -> PyResult<Utf8> {
        let mut len: ffi::Py_ssize_t = 0;
        let p = ffi::PyUnicode_AsUTF8AndSize(s, &mut len);
        if !p.is_null() {
            return Ok(Utf8::Borrowed(p as *const u8, len as usize));
        }
        Self::after_failure(py, s)
    }

    /// The rest of [`Utf8::of`] once `PyUnicode_AsUTF8AndSize(s)` has failed
    /// (its error is set): a str holding lone surrogates gets its
    /// `surrogatepass` encoding, any other error is returned.
    ///
    /// # Safety
    /// `s` must be a str.
    #[cold]
    pub unsafe fn after_failure(py: Python<'_>, s: *mut ffi::PyObject) -> PyResult<Utf8> {
        let err = PyErr::fetch(py);
        if !err.is_instance_of::<pyo3::exceptions::PyUnicodeEncodeError>(py) {
            return Err(err);
        }
        let b = ffi::PyUnicode_AsEncodedString(s, c"utf-8".as_ptr(), c"surrogatepass".as_ptr());
        Ok(Utf8::Surrogates(Owned::from_new(py, b)?))
    }

    #[inline]
    pub fn has_surrogates(&self) -> bool {
        matches!(self, Utf8::Surrogates(_))
    }

    /// # Safety
    /// The str this came from must still be alive.
    #[inline]
    pub unsafe fn as_slice(&self) -> &[u8] {
        match self {
            Utf8::Borrowed(p, len) => std::slice::from_raw_parts(*p, *len),
            Utf8::Surrogates(b) => {
                let p = ffi::PyBytes_AsString(b.as_ptr()) as *const u8;
                std::slice::from_raw_parts(p, ffi::PyBytes_Size(b.as_ptr()) as usize)
            }
        }
    }
}

/// `f(arg)`.
#[inline]
pub fn call1(py: Python<'_>, f: *mut ffi::PyObject, arg: Owned) -> PyResult<Owned> {
    // SAFETY: `f` is a live object; the calls return a new reference or NULL.
    unsafe {
        #[cfg(not(Py_LIMITED_API))]
        let r = ffi::PyObject_CallOneArg(f, arg.as_ptr());
        #[cfg(Py_LIMITED_API)]
        let r = {
            let args = Owned::from_new(py, ffi::PyTuple_New(1))?;
            ffi::PyTuple_SetItem(args.as_ptr(), 0, arg.into_ptr());
            ffi::PyObject_Call(f, args.as_ptr(), std::ptr::null_mut())
        };
        Owned::from_new(py, r)
    }
}
