//! `json.dumps`, `json.dumpb` and `json.loads` as native functions.
//!
//! A call with only the object (the common call) goes straight to the
//! default encoder or decoder. A call with the object and keywords whose
//! values are plain (bools, ints, strs, None, two strs for `separators`,
//! hooks whose truth needs no Python code) gets an encoder or scanner made
//! here for the call, as `JSONEncoder(**kw)` / `JSONDecoder(**kw)` would
//! make it. Any other call goes to the Python function of the same name in
//! `ferrocodec.json`. That function has the stdlib's signature, argument
//! handling and error messages, and runs what the stdlib runs (`__bool__`,
//! `' ' * indent`, unpacking `separators`, `cls`).
//!
//! The keyword route: `dumps(obj, indent=2)` of a small dict took 2.6 µs
//! through the Python function (a `JSONEncoder` made, then its native
//! encoder) and takes 0.25 µs; `loads(s, object_hook=f)` 3.1 µs, more than
//! the stdlib's 2.9, and now 0.45 µs.
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
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::json_decode::Scanner;
use crate::json_encode::{CallOptions, Encoder, Indent};

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

/// What an entry does with a call of the object and keywords (their names,
/// a tuple of str, and their values): None when they are not all ones it
/// takes natively, and the Python function takes the call.
type WithKeywords = for<'py> fn(
    &'static Entries,
    Python<'py>,
    &Bound<'py, PyAny>,
    Keywords<'_>,
) -> Option<PyResult<Py<PyAny>>>;

/// The keywords of a call.
#[derive(Clone, Copy)]
struct Keywords<'a> {
    /// The call's `kwnames`: a tuple of str, one per value.
    names: *mut ffi::PyObject,
    values: &'a [*mut ffi::PyObject],
}

impl Keywords<'_> {
    /// Each keyword as its name's UTF-8 and its (live, borrowed) value;
    /// false as soon as `f` returns false or a name has no UTF-8.
    fn all(self, mut f: impl FnMut(&[u8], *mut ffi::PyObject) -> bool) -> bool {
        self.values.iter().enumerate().all(|(i, &v)| {
            // SAFETY: `names` is the call's tuple of str, one per value.
            unsafe {
                let name = ffi::PyTuple_GetItem(self.names, i as ffi::Py_ssize_t);
                let mut len: ffi::Py_ssize_t = 0;
                let p = ffi::PyUnicode_AsUTF8AndSize(name, &mut len);
                if p.is_null() {
                    // (A name with a lone surrogate: the Python function's error.)
                    ffi::PyErr_Clear();
                    return false;
                }
                f(std::slice::from_raw_parts(p.cast::<u8>(), len as usize), v)
            }
        })
    }
}

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
    with_keywords: WithKeywords,
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
        if nargs == 1 {
            let keywords = Keywords {
                names: kwnames,
                values: std::slice::from_raw_parts(args.add(1), nkw as usize),
            };
            let obj = Bound::from_borrowed_ptr(py, *args);
            if let Some(r) = with_keywords(e, py, &obj, keywords) {
                return Ok(r?.into_ptr());
            }
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

/// The keywords of a `dumps` / `dumpb` call as [`CallOptions`], when every
/// one is one the native path takes: the stdlib's names except `cls`
/// (unless None), flags that are bools, ints or None (their truth is
/// plain), an `indent` that is an int or a str, `separators` a tuple or
/// list of two strs, any `default`. None otherwise: the Python function
/// takes the call and does what the stdlib does with it (an error,
/// `__bool__`, a subclass, `**kw`).
fn encoder_options<'py>(py: Python<'py>, keywords: Keywords<'_>) -> Option<CallOptions<'py>> {
    let mut o = CallOptions {
        skipkeys: false,
        ensure_ascii: true,
        check_circular: true,
        allow_nan: true,
        sort_keys: false,
        indent: None,
        separators: None,
        default: None,
    };
    let taken = keywords.all(|name, v| {
        // SAFETY: `v` is a live object.
        let none = v == unsafe { ffi::Py_None() };
        let flag = |f: &mut bool| truth(v).map(|t| *f = t).is_some();
        match name {
            b"skipkeys" => flag(&mut o.skipkeys),
            b"ensure_ascii" => flag(&mut o.ensure_ascii),
            b"check_circular" => flag(&mut o.check_circular),
            b"allow_nan" => flag(&mut o.allow_nan),
            b"sort_keys" => flag(&mut o.sort_keys),
            b"cls" => none,
            b"default" => {
                // SAFETY: attached; a live object, held by the call.
                o.default = (!none).then(|| unsafe { Bound::from_borrowed_ptr(py, v) });
                true
            }
            b"indent" if none => true,
            b"indent" => {
                o.indent = indent(py, v);
                o.indent.is_some()
            }
            b"separators" if none => true,
            b"separators" => {
                o.separators = separators(py, v);
                o.separators.is_some()
            }
            _ => false,
        }
    });
    taken.then_some(o)
}

/// The keywords of a `loads` call as the scanner `JSONDecoder(**kw)` would
/// make, when every one is one the native path takes: the stdlib's names
/// except `cls` (unless None), `strict` a bool, int or None, and hooks
/// whose truth `JSONDecoder.__init__` can read without running Python code
/// (`parse_float or float`). None otherwise, as [`encoder_options`].
fn scanner_options(py: Python<'_>, keywords: Keywords<'_>) -> Option<Scanner> {
    let mut strict = true;
    let mut object_hook = None;
    let mut object_pairs_hook = None;
    let mut parse_float = None;
    let mut parse_int = None;
    let mut parse_constant = None;
    let taken = keywords.all(|name, v| {
        // SAFETY (the borrowed values below): attached; `v` is a live
        // object, held by the call.
        let none = v == unsafe { ffi::Py_None() };
        let hook = |h: &mut Option<Py<PyAny>>| {
            *h = (!none).then(|| unsafe { Bound::from_borrowed_ptr(py, v) }.unbind());
            true
        };
        // A parse hook: None (or the type it stands for) means the default.
        let parser = |h: &mut Option<Py<PyAny>>, default: *mut ffi::PyTypeObject| {
            if none || v == default.cast() {
                return true;
            }
            plainly_true(v) && hook(h)
        };
        match name {
            b"strict" => truth(v).map(|t| strict = t).is_some(),
            b"cls" => none,
            b"object_hook" => hook(&mut object_hook),
            b"object_pairs_hook" => hook(&mut object_pairs_hook),
            b"parse_float" => parser(&mut parse_float, &raw mut ffi::PyFloat_Type),
            b"parse_int" => parser(&mut parse_int, &raw mut ffi::PyLong_Type),
            b"parse_constant" => parser(&mut parse_constant, std::ptr::null_mut()),
            _ => false,
        }
    });
    taken.then(|| {
        Scanner::new(
            strict,
            object_hook,
            object_pairs_hook,
            parse_float,
            parse_int,
            parse_constant,
        )
    })
}

/// Whether `v`'s truth is True without running code: its type has no
/// `__bool__` and no `__len__` (functions, types, methods, ...).
fn plainly_true(v: *mut ffi::PyObject) -> bool {
    // SAFETY: `v` is a live object; PyType_GetSlot reads static types too
    // (3.10+).
    unsafe {
        let tp = ffi::Py_TYPE(v);
        [ffi::Py_nb_bool, ffi::Py_mp_length, ffi::Py_sq_length]
            .iter()
            .all(|&slot| ffi::PyType_GetSlot(tp, slot).is_null())
    }
}

/// The truth of a bool, an exact int or None (no Python code runs).
fn truth(v: *mut ffi::PyObject) -> Option<bool> {
    // SAFETY: `v` is a live object.
    unsafe {
        if v == ffi::Py_True() {
            Some(true)
        } else if v == ffi::Py_False() || v == ffi::Py_None() {
            Some(false)
        } else if ffi::Py_TYPE(v) == &raw mut ffi::PyLong_Type {
            Some(ffi::PyObject_IsTrue(v) != 0)
        } else {
            None
        }
    }
}

/// Indents longer than this are left to the Python function (`' ' * n`
/// with its errors for sizes no memory holds).
const MAX_INDENT: isize = 1 << 20;

/// `indent` when an exact int (`' ' * n`) or an exact str.
fn indent<'py>(py: Python<'py>, v: *mut ffi::PyObject) -> Option<Indent<'py>> {
    // SAFETY: `v` is a live object; attached.
    unsafe {
        if ffi::PyUnicode_CheckExact(v) != 0 {
            return Some(Indent::Text(
                Bound::from_borrowed_ptr(py, v).cast_into_unchecked(),
            ));
        }
        if ffi::Py_TYPE(v) != &raw mut ffi::PyLong_Type {
            return None;
        }
        let n = ffi::PyLong_AsSsize_t(v);
        if n == -1 && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        (n <= MAX_INDENT).then_some(Indent::Spaces(n.max(0) as usize))
    }
}

/// `separators` when an exact tuple or list of two exact strs.
fn separators<'py>(
    py: Python<'py>,
    v: *mut ffi::PyObject,
) -> Option<(Bound<'py, PyString>, Bound<'py, PyString>)> {
    // SAFETY: `v` is a live object; attached.
    let v = unsafe { Bound::from_borrowed_ptr(py, v) };
    let pair = if let Ok(t) = v.cast_exact::<PyTuple>() {
        (t.len() == 2).then(|| (t.get_item(0), t.get_item(1)))?
    } else if let Ok(l) = v.cast_exact::<PyList>() {
        // (Both items read under the list's lock on free-threaded builds.)
        pyo3::sync::critical_section::with_critical_section(l, || {
            (l.len() == 2).then(|| (l.get_item(0), l.get_item(1)))
        })?
    } else {
        return None;
    };
    let (Ok(item), Ok(key)) = pair else {
        return None;
    };
    Some((
        item.cast_into_exact::<PyString>().ok()?,
        key.cast_into_exact::<PyString>().ok()?,
    ))
}

/// PyO3's own signature for a fastcall function body.
macro_rules! entry {
    ($name:ident, $fast:expr, $with_keywords:expr, $slow:expr) => {
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
            unsafe { call(py, args, nargs, kwnames, $fast, $with_keywords, $slow) }
        }
    };
}

/// `encode` with the encoder of a keyword call, if it is one the native
/// path takes ([`encoder_options`]).
fn with_encoder<'py>(
    e: &'static Entries,
    py: Python<'py>,
    keywords: Keywords<'_>,
    encode: impl FnOnce(&Encoder) -> PyResult<Py<PyAny>>,
) -> Option<PyResult<Py<PyAny>>> {
    let options = encoder_options(py, keywords)?;
    Some(
        e.encoder
            .get()
            .with_options(py, options)
            .and_then(|encoder| encode(&encoder)),
    )
}

entry!(
    dumps_impl,
    |e, py, obj| e.encoder.get().encode(py, obj),
    |e, py, obj, keywords| with_encoder(e, py, keywords, |enc| enc.encode(py, obj)),
    |e| &e.dumps
);
entry!(
    dumpb_impl,
    |e, py, obj| e.encoder.get().encode_bytes(py, obj),
    |e, py, obj, keywords| with_encoder(e, py, keywords, |enc| enc.encode_bytes(py, obj)),
    |e| &e.dumpb
);
entry!(
    loads_impl,
    |e, py, s| e.scanner.get().loads(py, s),
    |_, py, s, keywords| Some(scanner_options(py, keywords)?.loads(py, s)),
    |e| &e.loads
);

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
