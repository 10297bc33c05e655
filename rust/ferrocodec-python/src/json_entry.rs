//! `json.dumps`, `json.dumpb` and `json.loads` as native functions.
//!
//! A call with only the object (the common call) goes straight to the
//! default encoder or decoder. Any other call, keywords included, goes to
//! the Python function of the same name in `ferrocodec.json`. That function
//! has the stdlib's signature, argument handling and error messages.
//!
//! Why: on 3.11 a Python function with ten keyword-only defaults and `**kw`
//! costs about 100 ns a call before its body runs, and `dumps` did ~200 ns
//! of work around a 70 ns encode of a small dict.
//!
//! They are `METH_FASTCALL | METH_KEYWORDS` functions made here, not
//! `#[pyfunction]`s: PyO3 gives a function with `**kwargs` the older
//! tuple-and-dict convention, which cost another ~35 ns a call. They go
//! through PyO3's own trampoline (`get_trampoline_function!`, hidden in its
//! docs but what every `#[pyfunction]` expands to): it marks the thread as
//! attached for PyO3 and turns a panic into an exception. `Python::attach`
//! would instead call `PyGILState_Ensure` on each call and panic during
//! interpreter finalization (a `__del__` that calls `dumps`).

use std::ffi::CStr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

use crate::json_decode::Scanner;
use crate::json_encode::Encoder;

struct Entries {
    /// The encoder of `dumps()` with default arguments.
    encoder: Py<Encoder>,
    /// The scanner of `loads()` with default arguments.
    scanner: Py<Scanner>,
    /// The Python functions that handle every other call.
    dumps: Py<PyAny>,
    dumpb: Py<PyAny>,
    loads: Py<PyAny>,
}

static ENTRIES: PyOnceLock<Entries> = PyOnceLock::new();

/// Registers what `dumps`, `dumpb` and `loads` need (once, from
/// `ferrocodec.json`; later calls, as on a module reload, keep the first).
#[pyfunction]
pub fn _json_entries(
    py: Python<'_>,
    encoder: Py<Encoder>,
    scanner: Py<Scanner>,
    dumps: Py<PyAny>,
    dumpb: Py<PyAny>,
    loads: Py<PyAny>,
) {
    let _ = ENTRIES.set(
        py,
        Entries {
            encoder,
            scanner,
            dumps,
            dumpb,
            loads,
        },
    );
}

fn entries(py: Python<'_>) -> PyResult<&'static Entries> {
    ENTRIES.get(py).ok_or_else(|| {
        PyErr::new::<pyo3::exceptions::PyRuntimeError, _>("ferrocodec.json is not initialised")
    })
}

/// What an entry does with a call of just the object.
type Fast = for<'py> fn(&'static Entries, Python<'py>, &Bound<'py, PyAny>) -> PyResult<Py<PyAny>>;
/// The Python function that takes every other call.
type Slow = fn(&'static Entries) -> &'static Py<PyAny>;

/// The body of the three functions.
///
/// # Safety
/// Called by CPython as a `METH_FASTCALL | METH_KEYWORDS` function (through
/// PyO3's trampoline, which catches panics): `nargs` positional arguments
/// then one per name in `kwnames` (NULL or a tuple of str) at `args`.
unsafe fn call(
    py: Python<'_>,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    fast: Fast,
    slow: Slow,
) -> PyResult<*mut ffi::PyObject> {
    let e = entries(py)?;
    // SAFETY: as the function's contract.
    unsafe {
        let nkw = if kwnames.is_null() {
            0
        } else {
            ffi::PyTuple_Size(kwnames)
        };
        if nargs == 1 && nkw == 0 {
            return Ok(fast(e, py, &Bound::from_borrowed_ptr(py, *args))?.into_ptr());
        }
        let positional = PyTuple::new(
            py,
            (0..nargs).map(|i| Bound::from_borrowed_ptr(py, *args.offset(i))),
        )?;
        let kwargs = PyDict::new(py);
        for i in 0..nkw {
            let name = Bound::from_borrowed_ptr_or_err(py, ffi::PyTuple_GetItem(kwnames, i))?;
            kwargs.set_item(name, Bound::from_borrowed_ptr(py, *args.offset(nargs + i)))?;
        }
        Ok(slow(e).call(py, positional, Some(&kwargs))?.into_ptr())
    }
}

/// PyO3's own signature for a fastcall function body.
macro_rules! entry {
    ($name:ident, $fast:expr, $slow:expr) => {
        /// # Safety
        /// As `call`.
        unsafe fn $name(
            py: Python<'_>,
            _module: *mut ffi::PyObject,
            args: *const *mut ffi::PyObject,
            nargs: ffi::Py_ssize_t,
            kwnames: *mut ffi::PyObject,
        ) -> PyResult<*mut ffi::PyObject> {
            // SAFETY: as this function's contract.
            unsafe { call(py, args, nargs, kwnames, $fast, $slow) }
        }
    };
}

entry!(
    dumps_impl,
    |e, py, obj| e.encoder.get().encode(py, obj),
    |e| &e.dumps
);
entry!(
    dumpb_impl,
    |e, py, obj| e.encoder.get().encode_bytes(py, obj),
    |e| &e.dumpb
);
entry!(loads_impl, |e, py, s| e.scanner.get().loads(py, s), |e| &e
    .loads);

/// A method table entry CPython only reads.
struct Def(ffi::PyMethodDef);
// SAFETY: never written after construction; CPython reads it from any thread.
unsafe impl Sync for Def {}

const fn def(
    name: &'static CStr,
    meth: ffi::PyCFunctionFastWithKeywords,
    doc: &'static CStr,
) -> Def {
    Def(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: meth,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    })
}

static DUMPS: Def = def(c"dumps", pyo3::get_trampoline_function!(fastcall_cfunction_with_keywords, dumps_impl), c"dumps(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True, cls=None, indent=None, separators=None, default=None, sort_keys=False, **kw)
--

Serialize ``obj`` to a JSON formatted ``str``, as ``json.dumps``:
the same text for the same arguments.

``skipkeys``: skip dict keys that are not str, int, float, bool or None
(else TypeError). ``ensure_ascii``: escape every non-ASCII character.
``check_circular``: detect reference cycles (ValueError). ``allow_nan``:
write NaN/Infinity/-Infinity (else ValueError). ``indent``: an int or
str to pretty-print with. ``separators``: ``(item_separator,
key_separator)``. ``default``: called for objects that cannot be
serialized otherwise. ``sort_keys``: sort dicts by key. ``cls``: a
``JSONEncoder`` subclass to use.

Not in the stdlib: ``numpy=True`` writes NumPy arrays (any shape,
strides and byte order) and NumPy scalars as ``json.dumps`` writes their
``tolist()`` / ``item()``, before ``default`` is consulted.");

static DUMPB: Def = def(c"dumpb", pyo3::get_trampoline_function!(fastcall_cfunction_with_keywords, dumpb_impl), c"dumpb(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True, cls=None, indent=None, separators=None, default=None, sort_keys=False, **kw)
--

``dumps(obj, ...)`` as UTF-8 ``bytes``, written directly (no str in
between). Not in the stdlib. A ``cls`` that overrides ``encode`` or
``iterencode`` is honoured (its text, encoded). Lone surrogates in the
output raise the UnicodeEncodeError that ``str.encode`` raises.");

static LOADS: Def = def(c"loads", pyo3::get_trampoline_function!(fastcall_cfunction_with_keywords, loads_impl), c"loads(s, *, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw)
--

Deserialize ``s`` (a ``str``, ``bytes`` or ``bytearray`` instance
containing a JSON document) to a Python object, as ``json.loads``.

``object_hook``, ``object_pairs_hook``, ``parse_float``, ``parse_int``
and ``parse_constant`` are the decoder's hooks; ``cls`` a
``JSONDecoder`` subclass to use instead. Bytes are decoded as
``json.detect_encoding`` says (UTF-8, -16 or -32).");

/// Adds `dumps`, `dumpb` and `loads` to the extension module.
pub fn add_to(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let module_name = m.name()?;
    for d in [&DUMPS, &DUMPB, &LOADS] {
        // SAFETY: the definition is 'static and CPython only reads it.
        let f = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyCFunction_NewEx(
                    &d.0 as *const ffi::PyMethodDef as *mut ffi::PyMethodDef,
                    std::ptr::null_mut(),
                    module_name.as_ptr(),
                ),
            )?
        };
        m.add(
            f.getattr("__name__")?
                .cast_into::<pyo3::types::PyString>()?,
            f,
        )?;
    }
    Ok(())
}
