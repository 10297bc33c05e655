//! JSON decoding: the core scanner driving a visitor that builds Python
//! objects as it reads (no intermediate tree), with the stdlib's hooks,
//! errors and recursion guard.

use crate::batch;
use crate::layout::Layout;
use crate::pyobj::{str_from_utf8, GcPause, Owned, Utf8};
use crate::shapes::Shapes;
use ferrocodec::json::scan::{
    Constant, Container, Number, NumberValue, Scanner as Core, Str, Visitor,
};
use ferrocodec::json::tape::Tape;
use ferrocodec::json::{self, SyntaxError, SyntaxErrorKind};
use pyo3::exceptions::{PyStopIteration, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyType};
use std::cell::RefCell;
use std::os::raw::c_char;

/// Set once by `ferrocodec.json.decoder` (`_json_decoder_setup`): the
/// exception class and the objects the stdlib returns for NaN and the infinities.
struct Setup {
    decode_error: Py<PyType>,
    nan: Py<PyAny>,
    inf: Py<PyAny>,
    neg_inf: Py<PyAny>,
}

static SETUP: PyOnceLock<Setup> = PyOnceLock::new();

/// Registers `JSONDecodeError` and the constants (`json.decoder.NaN`,
/// `PosInf`, `NegInf`: the stdlib returns these very objects).
#[pyfunction]
pub fn _json_decoder_setup(
    py: Python<'_>,
    decode_error: Py<PyType>,
    nan: Py<PyAny>,
    inf: Py<PyAny>,
    neg_inf: Py<PyAny>,
) -> PyResult<()> {
    let _ = SETUP.set(
        py,
        Setup {
            decode_error,
            nan,
            inf,
            neg_inf,
        },
    );
    Ok(())
}

fn setup(py: Python<'_>) -> PyResult<&'static Setup> {
    SETUP.get(py).ok_or_else(|| {
        PyErr::new::<pyo3::exceptions::PyRuntimeError, _>("ferrocodec.json is not initialised")
    })
}

/// A JSONDecodeError(msg, doc, pos) ready to raise.
pub fn decode_error(py: Python<'_>, msg: &str, doc: &Bound<'_, PyAny>, pos: usize) -> PyErr {
    match setup(py) {
        Ok(s) => match s.decode_error.bind(py).call1((msg, doc, pos)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The scanner object of a `JSONDecoder` (the C `make_scanner`): the
/// decoding options, fixed at construction as in the stdlib.
#[pyclass(frozen, module = "ferrocodec._ferrocodec", name = "Scanner")]
pub struct Scanner {
    strict: bool,
    object_hook: Option<Py<PyAny>>,
    object_pairs_hook: Option<Py<PyAny>>,
    /// None: `float` (the fast path).
    parse_float: Option<Py<PyAny>>,
    /// None: `int`.
    parse_int: Option<Py<PyAny>>,
    /// None: the stdlib's constants.
    parse_constant: Option<Py<PyAny>>,
}

impl Scanner {
    /// [`GcPause`] for a scan of `len` bytes, when no hook is set (no Python
    /// code runs during the scan).
    fn pauses_gc(&self, py: Python<'_>, len: usize) -> GcPause {
        let no_hooks = self.object_hook.is_none()
            && self.object_pairs_hook.is_none()
            && self.parse_float.is_none()
            && self.parse_int.is_none()
            && self.parse_constant.is_none();
        GcPause::new(py, if no_hooks { len } else { 0 })
    }
}

enum Error {
    Syntax(SyntaxError),
    Py(PyErr),
}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Self {
        Error::Syntax(e)
    }
}

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error::Py(e)
    }
}

/// [`Error`] boxed, as the visitor returns it: `Result<(Owned, usize), Fail>`
/// is two words, returned in registers. With the error inline the result
/// went through memory, and the copy of each array's result stalled on
/// store forwarding (10% of the scanner's time on canada.json).
struct Fail(Box<Error>);

impl Fail {
    #[cold]
    fn py(e: PyErr) -> Self {
        Fail(Box::new(Error::Py(e)))
    }
}

impl From<SyntaxError> for Fail {
    #[cold]
    fn from(e: SyntaxError) -> Self {
        Fail(Box::new(Error::Syntax(e)))
    }
}

impl From<PyErr> for Fail {
    #[cold]
    fn from(e: PyErr) -> Self {
        Fail::py(e)
    }
}

/// Where the document text came from, for JSONDecodeError's `doc`.
enum Doc<'a, 'py> {
    /// The str that was scanned.
    Str(&'a Bound<'py, PyAny>),
    /// Bytes that were valid UTF-8: `doc` is their decoding.
    Utf8,
}

#[pymethods]
impl Scanner {
    #[new]
    #[pyo3(signature = (strict=true, object_hook=None, object_pairs_hook=None, parse_float=None, parse_int=None, parse_constant=None))]
    pub(crate) fn new(
        strict: bool,
        object_hook: Option<Py<PyAny>>,
        object_pairs_hook: Option<Py<PyAny>>,
        parse_float: Option<Py<PyAny>>,
        parse_int: Option<Py<PyAny>>,
        parse_constant: Option<Py<PyAny>>,
    ) -> Self {
        Scanner {
            strict,
            object_hook,
            object_pairs_hook,
            parse_float,
            parse_int,
            parse_constant,
        }
    }

    /// `json.loads(s)` with this scanner's options: str, bytes or bytearray
    /// (bytes in any encoding `json.detect_encoding` recognises).
    pub(crate) fn loads(&self, py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(text) = s.cast::<PyString>() {
            return str_text(py, text, |data, surrogates| {
                self.document(py, data, surrogates, Doc::Str(s))
            });
        }
        if let Ok(b) = s.cast::<PyBytes>() {
            return self.loads_bytes(py, b.as_bytes(), s);
        }
        if let Ok(ba) = s.cast::<PyByteArray>() {
            // A copy: hooks may mutate the bytearray while we read it (the
            // stdlib decodes it to a str first, so it never sees that).
            let copy = ba.to_vec();
            return self.loads_bytes(py, &copy, s);
        }
        Err(PyTypeError::new_err(format!(
            "the JSON object must be str, bytes or bytearray, not {}",
            s.get_type().name()?
        )))
    }

    /// `JSONDecoder.decode(s)` for a str.
    fn decode(&self, py: Python<'_>, s: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        // SAFETY: `s` is a str and stays alive for the whole call.
        let utf8 = unsafe { Utf8::of(py, s.as_ptr())? };
        let data = unsafe { utf8.as_slice() };
        self.document(py, data, utf8.has_surrogates(), Doc::Str(s.as_any()))
    }

    /// `scan_once(string, idx) -> (value, end)`: raises StopIteration(idx)
    /// when no value starts at `idx`, as the C scanner does.
    #[pyo3(signature = (string, idx))]
    fn __call__(
        &self,
        py: Python<'_>,
        string: &Bound<'_, PyAny>,
        idx: isize,
    ) -> PyResult<(Py<PyAny>, usize)> {
        let Ok(text) = string.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "first argument must be a string, not {}",
                string.get_type().name()?
            )));
        };
        if idx < 0 {
            return Err(PyValueError::new_err("idx cannot be negative"));
        }
        // SAFETY: `text` is a str and stays alive for the whole call.
        let utf8 = unsafe { Utf8::of(py, text.as_ptr())? };
        let data = unsafe { utf8.as_slice() };
        let start = json::byte_offset(data, idx as usize);
        let mut core = Core::new(data, self.strict, utf8.has_surrogates());
        let result = with_visitor(py, self, |v| core.value(v, start));
        match result {
            Ok((value, end)) => Ok((value.into_py(py), json::char_offset(data, end))),
            Err(Error::Py(e)) => Err(e),
            Err(Error::Syntax(e)) if e.kind == SyntaxErrorKind::ExpectingValue => {
                Err(PyStopIteration::new_err(json::char_offset(data, e.pos)))
            }
            Err(Error::Syntax(e)) => Err(decode_error(
                py,
                &e.kind.to_string(),
                string,
                json::char_offset(data, e.pos),
            )),
        }
    }

    /// `[loads(t) for t in texts]` with this scanner: the same values, or
    /// the error of the first text (in order) that fails. Over 64 KiB of
    /// text, a pool thread scans the texts while this thread builds the
    /// values (hooks are called on this thread, in order).
    fn loads_many(&self, py: Python<'_>, texts: Vec<Py<PyAny>>) -> PyResult<Vec<Py<PyAny>>> {
        // The texts' size, without reading them (a str's length in
        // characters); no Python code (`__len__`) runs for other items.
        let size = |t: &Bound<'_, PyAny>| match (t.cast::<PyString>(), t.cast::<PyBytes>()) {
            (Ok(s), _) => s.len().unwrap_or(0),
            (_, Ok(b)) => b.len().unwrap_or(0),
            _ => 0,
        };
        let work: usize = texts.iter().map(|t| size(t.bind(py))).sum();
        if !batch::pipelines(work, texts.len()) {
            return texts.iter().map(|t| self.loads(py, t.bind(py))).collect();
        }
        // Texts are scanned to tapes on a pool thread while this thread
        // builds the values; an item without a tape (not str or bytes, not
        // UTF-8, a syntax error, ...) is read by `loads`, which gives its
        // error. `keep` holds the UTF-8 of each str while the pool reads it.
        let mut keep = Vec::new();
        let items: Vec<(usize, Option<Source>)> = texts
            .iter()
            .map(|t| Source::of(py, t.bind(py), &mut keep))
            .enumerate()
            .collect();
        scan_ahead(
            py,
            &items,
            work,
            |(_, source), tape| match source {
                // SAFETY: the objects `Source::of` read stay alive (in
                // `texts` and `keep`) until `scan_ahead` returns.
                Some(s) if !s.validate || simdutf::validate_utf8(unsafe { s.bytes() }) => {
                    let data = unsafe { s.bytes() };
                    let _ = tape.push(data, self.strict, s.surrogates, TAPE_MAX_DEPTH);
                }
                _ => tape.skip(),
            },
            |py, (i, source), scanned| match (source, scanned) {
                (Some(s), Some((tape, j))) => {
                    // SAFETY: as above.
                    let data = unsafe { s.bytes() };
                    match with_visitor(py, self, |v| tape.replay_document(j, data, v)) {
                        Ok(value) => Ok(value.into_py(py)),
                        Err(Error::Py(e)) => Err(e),
                        // A tape only holds documents that scanned.
                        Err(Error::Syntax(_)) => self.loads(py, texts[*i].bind(py)),
                    }
                }
                _ => self.loads(py, texts[*i].bind(py)),
            },
        )
    }

    /// JSON Lines: one document per line of `s` (str, or UTF-8 bytes /
    /// bytearray); lines that are empty or only whitespace are skipped. A
    /// malformed line raises JSONDecodeError for the whole text, so its
    /// `lineno` is the line's number.
    fn loads_lines(&self, py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Vec<Py<PyAny>>> {
        if let Ok(text) = s.cast::<PyString>() {
            return str_text(py, text, |data, surrogates| {
                self.lines(py, data, surrogates, Doc::Str(s))
            });
        }
        let copy;
        let data = if let Ok(b) = s.cast::<PyBytes>() {
            b.as_bytes()
        } else if let Ok(ba) = s.cast::<PyByteArray>() {
            copy = ba.to_vec();
            &copy[..]
        } else {
            return Err(PyTypeError::new_err(format!(
                "the JSON object must be str, bytes or bytearray, not {}",
                s.get_type().name()?
            )));
        };
        let body = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
        if simdutf::validate_utf8(body) {
            return self.lines(py, body, false, Doc::Utf8);
        }
        // Not strict UTF-8: surrogates pass, anything else raises the
        // UnicodeDecodeError of bytes.decode.
        let text = s.call_method1("decode", ("utf-8-sig", "surrogatepass"))?;
        self.loads_lines(py, &text)
    }
}

/// The text of one `loads_many` item, for reading on another thread: the
/// UTF-8 of a str, or bytes that `json.detect_encoding` calls UTF-8 (to be
/// validated first).
struct Source {
    ptr: *const u8,
    len: usize,
    surrogates: bool,
    validate: bool,
}

// SAFETY: a Source points into an immutable str or bytes object (or the
// surrogatepass encoding of one) that its creator keeps alive while other
// threads read it.
unsafe impl Send for Source {}
unsafe impl Sync for Source {}

impl Source {
    /// The text of `t` if it is a str or bytes that `loads` would scan as it
    /// is (None for a bytearray, another encoding, a str with a BOM, ...).
    /// The UTF-8 of a str is pushed onto `keep` (it owns the encoding of a
    /// str with lone surrogates).
    fn of(py: Python<'_>, t: &Bound<'_, PyAny>, keep: &mut Vec<Utf8>) -> Option<Source> {
        if let Ok(b) = t.cast::<PyBytes>() {
            let data = b.as_bytes();
            let body = match json::detect_encoding(data) {
                "utf-8" => data,
                "utf-8-sig" => &data[3..],
                _ => return None,
            };
            return Some(Source {
                ptr: body.as_ptr(),
                len: body.len(),
                surrogates: false,
                validate: true,
            });
        }
        let s = t.cast::<PyString>().ok()?;
        // SAFETY: `s` is a str, alive as long as the caller's list.
        let utf8 = unsafe { Utf8::of(py, s.as_ptr()) }.ok()?;
        let data = unsafe { utf8.as_slice() };
        if data.starts_with("\u{feff}".as_bytes()) {
            return None; // loads() raises its BOM error
        }
        let source = Source {
            ptr: data.as_ptr(),
            len: data.len(),
            surrogates: utf8.has_surrogates(),
            validate: false,
        };
        keep.push(utf8);
        Some(source)
    }

    /// # Safety
    /// The object the text came from must still be alive.
    unsafe fn bytes(&self) -> &[u8] {
        std::slice::from_raw_parts(self.ptr, self.len)
    }
}

/// How much input (in bytes, as a number of documents) the two threads of
/// `loads_lines` and `loads_many` pass at a time.
const LINES_CHUNK_BYTES: usize = 16 * 1024;

/// How far (in input bytes) the scanning thread may run ahead of the thread
/// that builds the values: this bounds the memory held by tapes.
const LINES_WINDOW_BYTES: usize = 256 * 1024;

/// Tapes kept between calls, so that the scanning thread
/// does not allocate them again; only those up to `SPARE_TAPE_BYTES`.
static SPARE_TAPES: std::sync::Mutex<Vec<Tape>> = std::sync::Mutex::new(Vec::new());
const SPARE_TAPE_BYTES: usize = 16 * LINES_CHUNK_BYTES;

/// Lines nested deeper than this are read directly, not from a tape: the
/// worker's stack stays small, and the recursion limit is the interpreter's.
const TAPE_MAX_DEPTH: usize = 256;

/// [`batch::pipeline`] for documents: `scan` pushes one item's document (or
/// [`Tape::skip`]) onto its chunk's tape, and `build` gets an item with its
/// tape and document number if it scanned. `work` estimates the input bytes.
fn scan_ahead<I, T, E>(
    py: Python<'_>,
    items: &[I],
    work: usize,
    scan: impl Fn(&I, &mut Tape) + Sync,
    mut build: impl FnMut(Python<'_>, &I, Option<(&Tape, usize)>) -> Result<T, E> + Send,
) -> Result<Vec<T>, E>
where
    I: Sync,
    T: Send,
    E: Send,
{
    let per_item = work / items.len().max(1) + 1;
    let values = batch::pipeline(
        py,
        items,
        (LINES_CHUNK_BYTES / per_item).max(1),
        LINES_WINDOW_BYTES / LINES_CHUNK_BYTES,
        &SPARE_TAPES,
        |group: &[I], tape: &mut Tape| {
            tape.clear();
            for item in group {
                scan(item, tape);
            }
        },
        |py, _, item, scanned| build(py, item, scanned.filter(|(t, j)| t.scanned(*j))),
    );
    // A tape of a few huge documents is not kept for later calls.
    if let Ok(mut spare) = SPARE_TAPES.lock() {
        spare.retain(|t| t.heap_bytes() <= SPARE_TAPE_BYTES);
    }
    values
}

impl Scanner {
    fn lines(
        &self,
        py: Python<'_>,
        data: &[u8],
        surrogates: bool,
        doc: Doc<'_, '_>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let mut spans = Vec::new();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
            let line = &data[start..end];
            if !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                spans.push((start, end));
            }
            start = end + 1;
        }
        // One line read directly: its value, or its error at its offset in `data`.
        let direct = |py: Python<'_>, a: usize, b: usize| {
            let mut core = Core::new(&data[a..b], self.strict, surrogates);
            match with_visitor(py, self, |v| core.document(v)) {
                Ok(value) => Ok(value.into_py(py)),
                Err(Error::Syntax(e)) => Err(Error::Syntax(SyntaxError {
                    kind: e.kind,
                    pos: a + e.pos,
                })),
                Err(e) => Err(e),
            }
        };
        let values = if batch::pipelines(data.len(), spans.len()) {
            // Lines are scanned to tapes on a pool thread while this thread
            // builds the values of the lines already scanned. A line without
            // a tape (a syntax error, deep nesting, or reached first by this
            // thread) is read directly, so its error is a direct read's.
            scan_ahead(
                py,
                &spans,
                data.len(),
                |&(a, b), tape| {
                    // A line that fails is kept with no events.
                    let _ = tape.push(&data[a..b], self.strict, surrogates, TAPE_MAX_DEPTH);
                },
                |py, &(a, b), scanned| match scanned {
                    Some((tape, j)) => {
                        with_visitor(py, self, |v| tape.replay_document(j, &data[a..b], v))
                            .map(|value| value.into_py(py))
                    }
                    None => direct(py, a, b),
                },
            )
        } else {
            // Never across the pipeline: it detaches while it waits, and
            // other threads would run with the collector paused.
            let _pause = self.pauses_gc(py, data.len());
            spans.iter().map(|&(a, b)| direct(py, a, b)).collect()
        };
        match values {
            Ok(values) => Ok(values),
            Err(Error::Py(e)) => Err(e),
            Err(Error::Syntax(e)) => Err(self.syntax_error(py, data, e, doc)),
        }
    }

    /// JSONDecodeError for a syntax error at byte `e.pos` of `data`.
    fn syntax_error(&self, py: Python<'_>, data: &[u8], e: SyntaxError, doc: Doc<'_, '_>) -> PyErr {
        let pos = json::char_offset(data, e.pos);
        let doc = match doc {
            Doc::Str(s) => s.clone(),
            Doc::Utf8 => match str_from_utf8(py, data, false, false) {
                Ok(s) => s.into_py(py).into_bound(py),
                Err(err) => return err,
            },
        };
        decode_error(py, &e.kind.to_string(), &doc, pos)
    }

    fn loads_bytes(
        &self,
        py: Python<'_>,
        data: &[u8],
        original: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let encoding = json::detect_encoding(data);
        let body = match encoding {
            "utf-8" => Some(data),
            "utf-8-sig" => Some(&data[3..]),
            _ => None,
        };
        if let Some(body) = body {
            if simdutf::validate_utf8(body) {
                return self.document(py, body, false, Doc::Utf8);
            }
        }
        // Another encoding, or bytes that are not strict UTF-8 (surrogates
        // pass, anything else raises the stdlib's UnicodeDecodeError).
        let text = original.call_method1("decode", (encoding, "surrogatepass"))?;
        self.loads(py, &text)
    }

    fn document(
        &self,
        py: Python<'_>,
        data: &[u8],
        surrogates: bool,
        doc: Doc<'_, '_>,
    ) -> PyResult<Py<PyAny>> {
        let mut core = Core::new(data, self.strict, surrogates);
        let pause = self.pauses_gc(py, data.len());
        let result = with_visitor(py, self, |v| core.document(v));
        drop(pause);
        match result {
            Ok(value) => Ok(value.into_py(py)),
            Err(Error::Py(e)) => Err(e),
            Err(Error::Syntax(e)) => Err(self.syntax_error(py, data, e, doc)),
        }
    }
}

/// The UTF-8 text of a str document (and whether it has lone surrogates),
/// or the stdlib's error for a leading BOM.
fn str_text<T>(
    py: Python<'_>,
    text: &Bound<'_, PyString>,
    f: impl FnOnce(&[u8], bool) -> PyResult<T>,
) -> PyResult<T> {
    // SAFETY: `text` is a str and stays alive for the whole call.
    let utf8 = unsafe { Utf8::of(py, text.as_ptr())? };
    let data = unsafe { utf8.as_slice() };
    if data.starts_with("\u{feff}".as_bytes()) {
        return Err(decode_error(
            py,
            "Unexpected UTF-8 BOM (decode using utf-8-sig)",
            text.as_any(),
            0,
        ));
    }
    f(data, utf8.has_surrogates())
}

fn with_visitor<T>(
    py: Python<'_>,
    cfg: &Scanner,
    f: impl FnOnce(&mut PyVisitor<'_, '_>) -> Result<T, Fail>,
) -> Result<T, Error> {
    REUSE.with(|reuse| {
        // A hook that calls loads() again finds these in use: that inner
        // call runs without the key cache and with a stack of its own.
        let mut guard = reuse.try_borrow_mut().ok();
        let stack = guard
            .as_deref_mut()
            .map(|r| std::mem::take(&mut r.stack))
            .unwrap_or_default();
        let (cache, shapes) = match guard.as_deref_mut() {
            Some(Reuse { keys, shapes, .. }) => (
                Some(keys).filter(|_| Layout::get().reads_ascii()),
                Some(shapes).filter(|_| Shapes::usable()),
            ),
            None => (None, None),
        };
        let mut v = PyVisitor {
            py,
            cfg,
            number_hooks: cfg.parse_float.is_some() || cfg.parse_int.is_some(),
            stack,
            cache,
            shapes,
        };
        let result = f(&mut v);
        let mut stack = std::mem::take(&mut v.stack);
        drop(v);
        // What a failed scan left: the references are the stack's.
        for p in stack.drain(..) {
            // SAFETY: each is a strong reference the stack owned.
            unsafe { ffi::Py_DecRef(p) }
        }
        if let Some(r) = guard.as_deref_mut() {
            if stack.capacity() <= Reuse::MAX_STACK {
                r.stack = stack;
            }
        }
        result.map_err(|e| *e.0)
    })
}

struct PyVisitor<'a, 'py> {
    py: Python<'py>,
    cfg: &'a Scanner,
    /// `parse_float` or `parse_int` is set.
    number_hooks: bool,
    /// Elements of the arrays being read, innermost last.
    stack: Vec<*mut ffi::PyObject>,
    cache: Option<&'a mut KeyCache>,
    /// Templates of repeated records ([`crate::shapes`]).
    shapes: Option<&'a mut Shapes>,
}

impl Drop for PyVisitor<'_, '_> {
    fn drop(&mut self) {
        for &p in &self.stack {
            // SAFETY: the stack holds strong references (left by a failed scan).
            unsafe { ffi::Py_DecRef(p) }
        }
    }
}

impl PyVisitor<'_, '_> {
    #[inline]
    fn call1(&self, f: &Py<PyAny>, arg: Owned) -> Result<Owned, Fail> {
        Ok(crate::pyobj::call1(self.py, f.as_ptr(), arg)?)
    }

    #[inline]
    fn text(&self, text: &[u8]) -> Result<Owned, Fail> {
        Ok(str_from_utf8(self.py, text, true, false)?)
    }

    /// [`Visitor::number`] with a hook, or from the text.
    #[inline(never)]
    fn number_slow(&mut self, n: Number<'_>) -> Result<Owned, Fail> {
        let py = self.py;
        let hook = if n.is_float {
            &self.cfg.parse_float
        } else {
            &self.cfg.parse_int
        };
        if let Some(f) = hook {
            let arg = self.text(n.text)?;
            return self.call1(f, arg);
        }
        // SAFETY (both): attached; a new reference or NULL with an exception.
        let p = match n.value {
            NumberValue::Int(v) => unsafe { ffi::PyLong_FromLongLong(v) },
            // Correctly rounded, like float(): the same double.
            _ if n.is_float => unsafe { ffi::PyFloat_FromDouble(n.to_f64()) },
            // Big integers go through int(str), as in the stdlib: same value,
            // same ValueError past sys.get_int_max_str_digits().
            _ => {
                let mut buf = Vec::with_capacity(n.text.len() + 1);
                buf.extend_from_slice(n.text);
                buf.push(0);
                // SAFETY: NUL-terminated ASCII digits.
                unsafe {
                    ffi::PyLong_FromString(buf.as_ptr() as *const c_char, std::ptr::null_mut(), 10)
                }
            }
        };
        Ok(Owned::from_new(py, p)?)
    }
}

impl Visitor for PyVisitor<'_, '_> {
    type Value = Owned;
    type Key = Owned;
    type Array = usize;
    type Object = usize;
    type Error = Fail;

    #[inline]
    fn null(&mut self) -> Result<Owned, Fail> {
        // SAFETY: Py_None is immortal/always valid.
        Ok(unsafe { Owned::from_borrowed(ffi::Py_None()) })
    }

    #[inline]
    fn boolean(&mut self, value: bool) -> Result<Owned, Fail> {
        // SAFETY: the bool singletons are always valid.
        Ok(unsafe {
            Owned::from_borrowed(if value {
                ffi::Py_True()
            } else {
                ffi::Py_False()
            })
        })
    }

    fn constant(&mut self, c: Constant) -> Result<Owned, Fail> {
        if let Some(f) = &self.cfg.parse_constant {
            let arg = self.text(c.text().as_bytes())?;
            return self.call1(f, arg);
        }
        let s = setup(self.py)?;
        let obj = match c {
            Constant::NaN => &s.nan,
            Constant::Infinity => &s.inf,
            Constant::NegInfinity => &s.neg_inf,
        };
        // SAFETY: a live object held by SETUP.
        Ok(unsafe { Owned::from_borrowed(obj.as_ptr()) })
    }

    /// A number the scanner computed, without hooks, inline; the rest in
    /// [`Self::number_slow`] (in a call, canada.json's floats cost a call
    /// each, and the number was passed through memory).
    #[inline(always)]
    fn number(&mut self, n: Number<'_>) -> Result<Owned, Fail> {
        if !self.number_hooks {
            // SAFETY (both): attached; a new reference or NULL with an exception.
            let p = match n.value {
                NumberValue::Int(v) => unsafe { ffi::PyLong_FromLongLong(v) },
                // Correctly rounded, like float(): the same double.
                NumberValue::Float(v) => unsafe { ffi::PyFloat_FromDouble(v) },
                NumberValue::Text => return self.number_slow(n),
            };
            return Ok(Owned::from_new(self.py, p)?);
        }
        self.number_slow(n)
    }
    #[inline]
    fn string(&mut self, s: Str<'_>) -> Result<Owned, Fail> {
        Ok(str_from_utf8(self.py, s.bytes, s.ascii, s.surrogates)?)
    }

    #[inline]
    fn key(&mut self, s: Str<'_>) -> Result<Owned, Fail> {
        if s.ascii && s.bytes.len() <= KeyCache::MAX_LEN {
            if let Some(cache) = self.cache.as_deref_mut() {
                return Ok(cache.get(self.py, s.bytes)?);
            }
        }
        Ok(str_from_utf8(self.py, s.bytes, s.ascii, s.surrogates)?)
    }

    #[inline]
    fn enter(&mut self, container: Container) -> Result<(), Fail> {
        let what = match container {
            Container::Object => c" while decoding a JSON object from a unicode string",
            Container::Array => c" while decoding a JSON array from a unicode string",
        };
        // SAFETY: attached; the message is NUL-terminated.
        if unsafe { ffi::Py_EnterRecursiveCall(what.as_ptr()) } != 0 {
            return Err(PyErr::fetch(self.py).into());
        }
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        // SAFETY: paired with a successful enter().
        unsafe { ffi::Py_LeaveRecursiveCall() }
    }

    #[inline]
    fn array_start(&mut self) -> Result<usize, Fail> {
        Ok(self.stack.len())
    }

    #[inline]
    fn array_push(&mut self, _array: &mut usize, value: Owned) -> Result<(), Fail> {
        self.stack.push(value.into_ptr());
        Ok(())
    }

    fn array_end(&mut self, start: usize) -> Result<Owned, Fail> {
        let n = self.stack.len() - start;
        // SAFETY: a new list of n slots, each filled once with a reference
        // the stack owned (stolen by the list).
        let list = Owned::from_new(self.py, unsafe { ffi::PyList_New(n as ffi::Py_ssize_t) })?;
        let items = &self.stack[start..];
        if n > 0 {
            // SAFETY: the new list's item array has room for n (an array is
            // made when n > 0), no other code has seen the list yet.
            match unsafe { Layout::get().new_list_items(list.as_ptr()) } {
                Some(dst) => unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), dst, n) },
                None => {
                    for (i, &item) in items.iter().enumerate() {
                        unsafe { set_list_item(list.as_ptr(), i, item) };
                    }
                }
            }
        }
        self.stack.truncate(start);
        Ok(list)
    }

    #[inline]
    fn object_start(&mut self) -> Result<usize, Fail> {
        Ok(self.stack.len())
    }

    /// Members wait on the stack, key then value, until the object ends:
    /// the dict is then made at its final size where CPython lets us
    /// ([`crate::pyobj::dict_from_items`]: no resizing as it fills).
    #[inline]
    fn object_insert(&mut self, _object: &mut usize, key: Owned, value: Owned) -> Result<(), Fail> {
        self.stack.push(key.into_ptr());
        self.stack.push(value.into_ptr());
        Ok(())
    }

    fn object_end(&mut self, start: usize) -> Result<Owned, Fail> {
        let object = if self.cfg.object_pairs_hook.is_some() {
            self.pairs_list(start)?
        } else {
            self.dict(start)?
        };
        if let Some(hook) = &self.cfg.object_pairs_hook {
            return self.call1(hook, object);
        }
        if let Some(hook) = &self.cfg.object_hook {
            return self.call1(hook, object);
        }
        Ok(object)
    }
}

impl PyVisitor<'_, '_> {
    /// The dict of the members on the stack from `start`, which it takes.
    fn dict(&mut self, start: usize) -> Result<Owned, Fail> {
        let n = (self.stack.len() - start) / 2;
        if let Some(shapes) = self.shapes.as_deref_mut() {
            // SAFETY: attached; the stack holds the 2n references from `start`.
            if let Some(made) = unsafe { shapes.dict(self.py, self.stack.as_ptr().add(start), n) }?
            {
                // Its references were taken.
                self.stack.truncate(start);
                return Ok(made);
            }
            let made = self.dict_by_items(start)?;
            // SAFETY: attached; a dict only this function has seen.
            if let Some(shapes) = self.shapes.as_deref_mut() {
                unsafe { shapes.learn(self.py, made.as_ptr()) };
            }
            return Ok(made);
        }
        self.dict_by_items(start)
    }

    /// [`Self::dict`], a member at a time.
    #[inline(always)]
    fn dict_by_items(&mut self, start: usize) -> Result<Owned, Fail> {
        let n = (self.stack.len() - start) / 2;
        // SAFETY: attached; the stack holds the 2n references from `start`.
        if let Some(made) =
            unsafe { crate::pyobj::dict_from_items(self.stack.as_ptr().add(start), n) }
        {
            // On failure the members stay for the visitor's cleanup.
            let dict = Owned::from_new(self.py, made)?;
            for &o in &self.stack[start..] {
                // SAFETY: the dict took its own references.
                unsafe { crate::pyobj::decref(o) };
            }
            self.stack.truncate(start);
            return Ok(dict);
        }
        // SAFETY: attached; a new dict or NULL with an exception.
        let dict = Owned::from_new(self.py, unsafe { ffi::PyDict_New() })?;
        let mut i = start;
        let end = self.stack.len();
        while i < end {
            let (k, v) = (self.stack[i], self.stack[i + 1]);
            // SAFETY: a dict and a str key; SetItem takes its own references,
            // then the stack's are released.
            let failed = unsafe { ffi::PyDict_SetItem(dict.as_ptr(), k, v) } != 0;
            unsafe {
                crate::pyobj::decref(k);
                crate::pyobj::decref(v);
            }
            i += 2;
            if failed {
                // The members not inserted yet stay for the visitor's cleanup.
                self.stack.drain(start..i);
                return Err(PyErr::fetch(self.py).into());
            }
        }
        self.stack.truncate(start);
        Ok(dict)
    }

    /// `object_pairs_hook`'s argument: the list of (key, value) tuples of
    /// the members on the stack from `start`, which it takes.
    fn pairs_list(&mut self, start: usize) -> Result<Owned, Fail> {
        let py = self.py;
        let n = (self.stack.len() - start) / 2;
        // SAFETY: a new list of n slots, each filled once below.
        let list = Owned::from_new(py, unsafe { ffi::PyList_New(n as ffi::Py_ssize_t) })?;
        for j in 0..n {
            // SAFETY: each stack reference moves into a new 2-tuple, and
            // the tuple into the list: the stack's slots are then dropped
            // without a decref (truncate or drain). If a tuple cannot be
            // made, the members not moved yet stay on the stack, which the
            // visitor's cleanup releases.
            unsafe {
                let pair = ffi::PyTuple_New(2);
                if pair.is_null() {
                    self.stack.drain(start..start + 2 * j);
                    return Err(PyErr::fetch(py).into());
                }
                ffi::PyTuple_SetItem(pair, 0, self.stack[start + 2 * j]);
                ffi::PyTuple_SetItem(pair, 1, self.stack[start + 2 * j + 1]);
                set_list_item(list.as_ptr(), j, pair);
            }
        }
        self.stack.truncate(start);
        Ok(list)
    }
}

#[inline]
unsafe fn set_list_item(list: *mut ffi::PyObject, i: usize, item: *mut ffi::PyObject) {
    #[cfg(not(Py_LIMITED_API))]
    ffi::PyList_SET_ITEM(list, i as ffi::Py_ssize_t, item);
    #[cfg(Py_LIMITED_API)]
    ffi::PyList_SetItem(list, i as ffi::Py_ssize_t, item);
}

thread_local! {
    /// What one decode leaves for the next on this thread. Per thread, so it
    /// needs no lock (and free-threaded builds share nothing).
    static REUSE: RefCell<Reuse> = RefCell::new(Reuse {
        keys: KeyCache::new(),
        shapes: Shapes::new(),
        stack: Vec::new(),
    });
}

struct Reuse {
    /// Short ASCII dict keys seen lately: documents repeat their keys, and
    /// a hit costs a hash and a compare instead of a new str.
    keys: KeyCache,
    /// Templates of the dicts of repeated records.
    shapes: Shapes,
    /// The visitor's array stack, empty between calls; kept so that a small
    /// document makes no allocation for it (a new one grew by reallocation
    /// at 4, 8, 16, ... items: ~8% of decoding a 350-byte line).
    stack: Vec<*mut ffi::PyObject>,
}

impl Reuse {
    /// A stack grown larger than this (items) by a big document is freed.
    const MAX_STACK: usize = 1 << 16;
}

struct KeyCache {
    /// 16 KiB, which stay in the L1 cache: buckets of four entries (a cache
    /// line), so that keys of one document with the same bucket do not
    /// evict each other on every record (twitter.json's 94 keys have five
    /// such pairs among 1,024 single slots, and one three among 512 buckets
    /// of two: each of those keys was a new str each time, and its records
    /// got no template, [`crate::shapes`]).
    buckets: Vec<Bucket>,
}

#[repr(align(64))]
struct Bucket([Entry; KeyCache::WAYS]);

/// A cached key: a hash of its bytes (0: empty) and the str, whose own
/// characters are compared with the key's (one cache line read: the str's,
/// which a hit increments the count of anyway).
struct Entry {
    tag: u64,
    obj: Option<Py<PyAny>>,
}

impl KeyCache {
    const MAX_LEN: usize = 64;
    const SLOTS: usize = 1024;
    const WAYS: usize = 4;

    fn new() -> Self {
        KeyCache {
            buckets: (0..Self::SLOTS / Self::WAYS)
                .map(|_| Bucket(std::array::from_fn(|_| Entry { tag: 0, obj: None })))
                .collect(),
        }
    }

    /// A hash of the key (never 0) and its bucket.
    #[inline]
    fn hash(bytes: &[u8]) -> (u64, usize) {
        // Length, first and last 8 bytes: cheap, and keys of one document
        // differ there.
        let n = bytes.len();
        let (a, b) = if n >= 8 {
            (
                u64::from_le_bytes(bytes[..8].try_into().unwrap()),
                u64::from_le_bytes(bytes[n - 8..].try_into().unwrap()),
            )
        } else if n >= 4 {
            (
                u32::from_le_bytes(bytes[..4].try_into().unwrap()) as u64,
                u32::from_le_bytes(bytes[n - 4..].try_into().unwrap()) as u64,
            )
        } else {
            let mut t = [0u8; 8];
            t[..n].copy_from_slice(bytes);
            (u64::from_le_bytes(t), 0)
        };
        let h = (a ^ b.rotate_left(23) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h | 1, (h >> 56) as usize % (Self::SLOTS / Self::WAYS))
    }

    /// Whether `entry` holds the str of `bytes` (with this `tag`).
    #[inline(always)]
    fn holds(entry: &Entry, tag: u64, bytes: &[u8]) -> Option<*mut ffi::PyObject> {
        if entry.tag != tag {
            return None;
        }
        let obj = entry.obj.as_ref()?;
        // SAFETY: a live exact str owned by the cache.
        let (p, n) = unsafe { Layout::get().str_ascii(obj.as_ptr()) }?;
        // SAFETY: the str has `n` characters at `p`.
        (n == bytes.len() && unsafe { same_bytes(p, bytes) }).then(|| obj.as_ptr())
    }

    /// The str of `bytes` (ASCII, at most [`KeyCache::MAX_LEN`]); only
    /// used where [`Layout::reads_ascii`].
    #[inline]
    fn get(&mut self, py: Python<'_>, bytes: &[u8]) -> PyResult<Owned> {
        let (tag, i) = Self::hash(bytes);
        let bucket = &mut self.buckets[i].0;
        for entry in bucket.iter() {
            if let Some(obj) = Self::holds(entry, tag, bytes) {
                // SAFETY: a live str owned by the cache.
                return Ok(unsafe { Owned::from_borrowed(obj) });
            }
        }
        let s = str_from_utf8(py, bytes, true, false)?;
        // The newer key first; the oldest goes.
        bucket.rotate_right(1);
        let entry = &mut bucket[0];
        entry.tag = tag;
        // SAFETY: a new strong reference for the cache.
        entry.obj = Some(unsafe { Bound::from_borrowed_ptr(py, s.as_ptr()) }.unbind());
        Ok(s)
    }
}

/// `p[..b.len()] == b`, in words: keys are short, and a call to `bcmp`
/// cost more than the compare.
///
/// # Safety
/// `p` is readable for `b.len()` bytes.
#[inline(always)]
unsafe fn same_bytes(p: *const u8, b: &[u8]) -> bool {
    let (n, q) = (b.len(), b.as_ptr());
    let word = |x: *const u8, i: usize| x.add(i).cast::<u64>().read_unaligned();
    let half = |x: *const u8, i: usize| x.add(i).cast::<u32>().read_unaligned();
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word(p, i) != word(q, i) {
                return false;
            }
            i += 8;
        }
        word(p, n - 8) == word(q, n - 8)
    } else if n >= 4 {
        half(p, 0) == half(q, 0) && half(p, n - 4) == half(q, n - 4)
    } else {
        (0..n).all(|i| *p.add(i) == *q.add(i))
    }
}
