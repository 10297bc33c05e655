//! JSON encoding: CPython's C encoder (`encoder_listencode_obj` and friends,
//! 3.14) walking Python objects, with the text written by the core.
//!
//! The order of the type checks, the handling of subclasses, dict keys,
//! `default`, circular references, `sort_keys`, `skipkeys`, indentation and
//! the 3.14 error notes are the C encoder's. Lists and dicts are read inside
//! a critical section (a no-op with the GIL) and every item is held by a
//! strong reference while it is encoded, because `default` and `__repr__`
//! can run Python code that mutates the container.

use crate::buffer::Export;
use crate::layout::{Layout, Units};
use crate::out::{OutBuf, Target};
use crate::pyobj::{call1, Owned, Utf8};
use ferrocodec::json::elem::Elem;
use ferrocodec::json::write::{self, Out};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::critical_section::with_critical_section;
use pyo3::types::{PyBytes, PyFloat, PyString};

/// The options of `c_make_encoder`, fixed at construction.
#[pyclass(frozen, module = "ferrocodec._ferrocodec", name = "Encoder")]
pub struct Encoder {
    check_circular: bool,
    default: Py<PyAny>,
    ensure_ascii: bool,
    /// UTF-8 of the indent string; None: no newlines.
    indent: Option<Vec<u8>>,
    key_separator: write::Separator,
    item_separator: write::Separator,
    sort_keys: bool,
    skipkeys: bool,
    allow_nan: bool,
    /// Add 3.14's "when serializing ..." notes to errors.
    notes: bool,
    /// `numpy=True`: `numpy.ndarray` and `numpy.generic`.
    numpy: Option<(Py<PyAny>, Py<PyAny>)>,
    /// The separators or the indent hold non-ASCII text.
    non_ascii_layout: bool,
    /// ... or surrogates.
    layout_surrogates: bool,
}

fn utf8_of(py: Python<'_>, s: &Bound<'_, PyString>) -> PyResult<(Vec<u8>, bool)> {
    // SAFETY: `s` is a live str for the duration of the call.
    let u = unsafe { Utf8::of(py, s.as_ptr())? };
    let v = unsafe { u.as_slice() }.to_vec();
    Ok((v, u.has_surrogates()))
}

/// A separator of a str's UTF-8, and whether it holds lone surrogates.
fn separator_of(py: Python<'_>, s: &Bound<'_, PyString>) -> PyResult<(write::Separator, bool)> {
    // SAFETY: `s` is a live str for the duration of the call.
    let u = unsafe { Utf8::of(py, s.as_ptr())? };
    let sep = write::Separator::from_slice(unsafe { u.as_slice() });
    Ok((sep, u.has_surrogates()))
}

#[pymethods]
impl Encoder {
    #[new]
    #[pyo3(signature = (check_circular, default, ensure_ascii, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan, notes, numpy = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        check_circular: bool,
        default: Py<PyAny>,
        ensure_ascii: bool,
        indent: Option<Bound<'_, PyString>>,
        key_separator: Bound<'_, PyString>,
        item_separator: Bound<'_, PyString>,
        sort_keys: bool,
        skipkeys: bool,
        allow_nan: bool,
        notes: bool,
        numpy: Option<(Py<PyAny>, Py<PyAny>)>,
    ) -> PyResult<Self> {
        let indent = match indent {
            Some(s) => Some(utf8_of(py, &s)?),
            None => None,
        };
        Ok(Encoder::from_parts(
            check_circular,
            default,
            ensure_ascii,
            indent,
            separator_of(py, &key_separator)?,
            separator_of(py, &item_separator)?,
            sort_keys,
            skipkeys,
            allow_nan,
            notes,
            numpy,
        ))
    }

    /// `c_make_encoder(...)(obj, indent_level)`: a 1-tuple with the text.
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        obj: &Bound<'py, PyAny>,
        indent_level: isize,
    ) -> PyResult<(Py<PyAny>,)> {
        Ok((self.encode_at(py, obj, indent_level.max(0) as usize)?,))
    }

    /// The JSON text of `obj` as a str (`JSONEncoder.encode`).
    pub(crate) fn encode(&self, py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.encode_at(py, obj, 0)
    }

    /// The JSON text of `obj` as UTF-8 bytes, without a str in between.
    pub(crate) fn encode_bytes(
        &self,
        py: Python<'_>,
        obj: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let mut w = Walker::new(py, self, Target::Bytes);
        w.run(obj.as_ptr(), 0)?;
        if w.surrogates {
            // Lone surrogates have no UTF-8: raise what str.encode raises.
            let text = w.finish_str()?;
            return Ok(text.bind(py).call_method1("encode", ("utf-8",))?.unbind());
        }
        w.finish_bytes()
    }

    /// `[encode(o) for o in objs]`, or `encode_bytes` when `as_bytes`: the
    /// first error in order wins. Encoded in parallel on free-threaded
    /// builds (`default` is then called from several threads).
    fn encode_many(
        &self,
        py: Python<'_>,
        objs: Vec<Py<PyAny>>,
        as_bytes: bool,
    ) -> PyResult<Vec<Py<PyAny>>> {
        // No cheap size estimate for arbitrary objects: count elements.
        // Measured on 3.14.7t: parallel encoding pays from a few thousand
        // documents (2.0x for 16k records on 2 cores, 0.93x for 800).
        let work = objs.len() * 16;
        crate::batch::map_in_order(py, &objs, work, |py, _, o| {
            if as_bytes {
                self.encode_bytes(py, o.bind(py))
            } else {
                self.encode(py, o.bind(py))
            }
        })
    }

    /// JSON Lines: the texts of `objs`, each followed by a newline, as one
    /// str (or UTF-8 bytes when `as_bytes`).
    fn encode_lines(
        &self,
        py: Python<'_>,
        objs: Vec<Py<PyAny>>,
        as_bytes: bool,
    ) -> PyResult<Py<PyAny>> {
        // Measured on 3.14.7t: parallel encoding pays from a few thousand
        // documents (2.0x for 16k records on 2 cores, 0.93x for 800).
        let work = objs.len() * 16;
        if !crate::batch::runs_parallel(work, objs.len()) {
            // One output buffer for all lines.
            let target = if as_bytes {
                Target::Bytes
            } else {
                Target::AsciiStr
            };
            let mut w = Walker::new(py, self, target);
            for o in &objs {
                w.run(o.bind(py).as_ptr(), 0)?;
                w.out.push(b'\n');
            }
            if as_bytes && !w.surrogates {
                return w.finish_bytes();
            }
            let text = w.finish_str()?;
            if as_bytes {
                return Ok(text.bind(py).call_method1("encode", ("utf-8",))?.unbind());
            }
            return Ok(text);
        }
        let parts = crate::batch::map_in_order(py, &objs, work, |py, _, o| {
            // The lines are joined below: each is written into a Vec.
            let mut w = Walker::new(py, self, Target::Vec);
            w.run(o.bind(py).as_ptr(), 0)?;
            w.out.push(b'\n');
            let line = std::mem::take(&mut w.out).into_vec().unwrap_or_default();
            Ok::<_, PyErr>((line, w.surrogates))
        })?;
        let total = parts.iter().map(|(p, _)| p.len()).sum();
        let mut out = Vec::with_capacity(total);
        let mut surrogates = false;
        for (p, s) in &parts {
            out.extend_from_slice(p);
            surrogates |= s;
        }
        if as_bytes && !surrogates {
            return Ok(PyBytes::new(py, &out).into_any().unbind());
        }
        let ascii = self.ensure_ascii && !self.non_ascii_layout;
        let text = crate::pyobj::str_from_utf8(py, &out, ascii, surrogates)?.into_py(py);
        if as_bytes {
            // Lone surrogates have no UTF-8: raise what str.encode raises.
            return Ok(text.bind(py).call_method1("encode", ("utf-8",))?.unbind());
        }
        Ok(text)
    }
}

/// The options of a `dumps` / `dumpb` call with keywords that the native
/// entry point takes itself (`json_entry.rs`): each as `JSONEncoder(...)`
/// stores it and `JSONEncoder._native` passes it on. The flags are already
/// truth values.
pub(crate) struct CallOptions<'py> {
    pub skipkeys: bool,
    pub ensure_ascii: bool,
    pub check_circular: bool,
    pub allow_nan: bool,
    pub sort_keys: bool,
    pub indent: Option<Indent<'py>>,
    /// `(item_separator, key_separator)`.
    pub separators: Option<(Bound<'py, PyString>, Bound<'py, PyString>)>,
    pub default: Option<Bound<'py, PyAny>>,
}

/// `indent` as given: an int (`' ' * n`, nothing when not positive) or a str.
pub(crate) enum Indent<'py> {
    Spaces(usize),
    Text(Bound<'py, PyString>),
}

impl Encoder {
    /// The encoder `JSONEncoder(**options)._native()` makes, where `self`
    /// is the one of the default arguments (its `default` and notes are
    /// the class's).
    pub(crate) fn with_options(&self, py: Python<'_>, o: CallOptions<'_>) -> PyResult<Encoder> {
        let indent = match &o.indent {
            None => None,
            Some(Indent::Spaces(n)) => Some((vec![b' '; *n], false)),
            Some(Indent::Text(s)) => Some(utf8_of(py, s)?),
        };
        let static_sep = |s: &'static [u8]| (write::Separator::new(s), false);
        let (item_separator, key_separator) = match &o.separators {
            Some((item, key)) => (separator_of(py, item)?, separator_of(py, key)?),
            // With an indent the item separator is ',' (`JSONEncoder.__init__`).
            None if indent.is_some() => (static_sep(b","), static_sep(b": ")),
            None => (static_sep(b", "), static_sep(b": ")),
        };
        let default = match o.default {
            Some(d) => d.unbind(),
            None => self.default.clone_ref(py),
        };
        Ok(Encoder::from_parts(
            o.check_circular,
            default,
            o.ensure_ascii,
            indent,
            key_separator,
            item_separator,
            o.sort_keys,
            o.skipkeys,
            o.allow_nan,
            self.notes,
            None,
        ))
    }

    /// An encoder with these options and the indent and separators given
    /// as UTF-8, each with whether it holds lone surrogates.
    #[allow(clippy::too_many_arguments)]
    fn from_parts(
        check_circular: bool,
        default: Py<PyAny>,
        ensure_ascii: bool,
        indent: Option<(Vec<u8>, bool)>,
        (key_separator, s1): (write::Separator, bool),
        (item_separator, s2): (write::Separator, bool),
        sort_keys: bool,
        skipkeys: bool,
        allow_nan: bool,
        notes: bool,
        numpy: Option<(Py<PyAny>, Py<PyAny>)>,
    ) -> Encoder {
        let surrogates = s1 || s2 || indent.as_ref().is_some_and(|i| i.1);
        let indent = indent.map(|i| i.0);
        let non_ascii_layout = !key_separator.as_bytes().is_ascii()
            || !item_separator.as_bytes().is_ascii()
            || indent.as_ref().is_some_and(|i| !i.is_ascii());
        Encoder {
            check_circular,
            default,
            ensure_ascii,
            indent,
            key_separator,
            item_separator,
            sort_keys,
            skipkeys,
            allow_nan,
            notes,
            numpy,
            non_ascii_layout,
            layout_surrogates: surrogates,
        }
    }

    fn encode_at(
        &self,
        py: Python<'_>,
        obj: &Bound<'_, PyAny>,
        level: usize,
    ) -> PyResult<Py<PyAny>> {
        let mut w = Walker::new(py, self, Target::AsciiStr);
        w.run(obj.as_ptr(), level)?;
        w.finish_str()
    }
}

struct Walker<'a, 'py> {
    py: Python<'py>,
    cfg: &'a Encoder,
    out: OutBuf,
    /// The length of this thread's last finished output, which picks the
    /// next one's buffer (see [`OutBuf`]).
    last_len: usize,
    /// Whether this thread's last str output was ASCII text: a str without
    /// ensure_ascii is written in place only after one that was (see
    /// [`Self::in_place_object`]).
    last_ascii: bool,
    /// The containers (and `default`-converted objects) on the current path.
    path: Vec<*mut ffi::PyObject>,
    /// A lone surrogate was written raw (ensure_ascii=False).
    surrogates: bool,
    /// NumPy rows: the separator between elements (item separator, then the
    /// newline and indentation) and the level it was made for.
    row_sep: Option<(usize, Vec<u8>)>,
    /// What goes between items ([`Self::sep_for`]): the item separator,
    /// then (when indenting) a newline and the indent `sep_levels` times,
    /// then 16 zero bytes for [`write::copy_blocks`] to read past the end.
    seps: Vec<u8>,
    /// The item separator's length, 1 if indenting (the newline) or 0, the
    /// indent's length, and how many levels `seps` covers.
    item_sep_len: usize,
    newline_len: usize,
    indent_len: usize,
    sep_levels: usize,
    /// Where list items, str texts and small ints are read in place.
    layout: Layout,
    /// The item and key separators as words, where they fit one and no
    /// indentation follows them.
    item_sep: Option<([u8; 8], usize)>,
    key_sep: Option<([u8; 8], usize)>,
    /// The recursion check (see [`Self::enter`]): containers on the path,
    /// how many of them (outermost first) are entered in CPython's count,
    /// and the deepest level whose entry is known to succeed.
    depth: usize,
    entered: usize,
    proven: usize,
    /// How many times Python code was called (`default`, `items()`, ...).
    python_runs: u64,
    /// `ob_tid` of the objects this thread made: the containers
    /// [`Self::probe`] takes (0: none).
    this_thread: usize,
    /// Where the last probe stopped, for [`Self::resume`].
    stopped: Option<At>,
    /// sort_keys: the members of the dicts on the path, each dict's sorted
    /// in a section of its own (one allocation for the walk).
    sorted: Vec<StrMember>,
}

/// What the walker's steps return: a boxed error keeps the result one word
/// wide. `PyResult<()>` is returned through memory, and reading it back
/// right after the callee stored it stalled on store forwarding: 60% of the
/// time of a list of empty lists.
type R = Result<(), Box<PyErr>>;

/// What `encoder_listencode_obj` does with an object.
enum Kind {
    Str,
    Int,
    Float,
    List,
    Dict,
    Other,
}

/// The buffers of this thread's last walk, kept so the next call starts
/// with room instead of growing them from nothing.
#[derive(Default)]
struct Spare {
    /// The output (kept up to 1 MiB).
    out: Vec<u8>,
    /// The path (kept up to 4096 levels): a new one cost a malloc and a
    /// free per call with any container, ~5% of `dumps` of a small dict.
    path: Vec<*mut ffi::PyObject>,
    /// The length of the last finished output, and whether the last str
    /// was ASCII text.
    last_len: usize,
    last_ascii: bool,
}

thread_local! {
    static SPARE: std::cell::Cell<Spare> = const {
        std::cell::Cell::new(Spare {
            out: Vec::new(),
            path: Vec::new(),
            last_len: 0,
            last_ascii: true,
        })
    };
}

impl Drop for Walker<'_, '_> {
    fn drop(&mut self) {
        // An object being written is released here; the spare Vec was
        // left in SPARE.
        let out = std::mem::take(&mut self.out).into_vec();
        let mut path = std::mem::take(&mut self.path);
        if path.capacity() > 1 << 12 {
            path = Vec::new();
        }
        // An error leaves the path as it was when raised (borrowed pointers).
        path.clear();
        let (last_len, last_ascii) = (self.last_len, self.last_ascii);
        SPARE.with(|b| {
            // SAFETY: nothing else refers to this thread's SPARE while the
            // closure runs (the old values dropped here run no Python).
            let spare = unsafe { &mut *b.as_ptr() };
            if let Some(mut out) = out {
                if out.capacity() > 1 << 20 {
                    out = Vec::new();
                }
                out.clear();
                spare.out = out;
            }
            spare.path = path;
            spare.last_len = last_len;
            spare.last_ascii = last_ascii;
        });
    }
}

impl<'a, 'py> Walker<'a, 'py> {
    /// A walker whose output will become `target`: written in place when
    /// the last output on this thread was long (see [`OutBuf`]).
    fn new(py: Python<'py>, cfg: &'a Encoder, target: Target) -> Self {
        let (out, path, last_len, last_ascii) = SPARE.with(|b| {
            // SAFETY: nothing else refers to this thread's SPARE while the
            // closure runs.
            let spare = unsafe { &mut *b.as_ptr() };
            let (last_len, last_ascii) = (spare.last_len, spare.last_ascii);
            let out = match Self::in_place(cfg, target, last_len, last_ascii) {
                Some(o) => o,
                None => OutBuf::from_vec(std::mem::take(&mut spare.out)),
            };
            (out, std::mem::take(&mut spare.path), last_len, last_ascii)
        });
        Walker {
            py,
            cfg,
            out,
            last_len,
            last_ascii,
            path,
            surrogates: cfg.layout_surrogates,
            row_sep: None,
            seps: Vec::new(),
            item_sep_len: cfg.item_separator.as_bytes().len(),
            newline_len: usize::from(cfg.indent.is_some()),
            indent_len: cfg.indent.as_ref().map_or(0, |i| i.len()),
            sep_levels: 0,
            layout: Layout::get(),
            item_sep: if cfg.indent.is_some() {
                None
            } else {
                cfg.item_separator.word()
            },
            key_sep: cfg.key_separator.word(),
            depth: 0,
            entered: 0,
            proven: 0,
            python_runs: 0,
            #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
            this_thread: crate::pyobj::owner::this_thread(),
            #[cfg(not(all(Py_GIL_DISABLED, not(Py_LIMITED_API))))]
            this_thread: 0,
            stopped: None,
            sorted: Vec::new(),
        }
    }

    /// An output written in place into the object it becomes, when the
    /// last output on this thread was long enough to pay for it and not so
    /// long that its allocation is mapped afresh each time
    /// ([`crate::out::IN_PLACE_MAX`]).
    #[inline(always)]
    fn in_place(
        cfg: &Encoder,
        target: Target,
        last_len: usize,
        last_ascii: bool,
    ) -> Option<OutBuf> {
        if !(crate::out::IN_PLACE_MIN..crate::out::IN_PLACE_MAX).contains(&last_len) {
            return None;
        }
        Self::in_place_object(cfg, target, last_len, last_ascii)
    }

    #[inline(never)]
    fn in_place_object(
        cfg: &Encoder,
        target: Target,
        last_len: usize,
        last_ascii: bool,
    ) -> Option<OutBuf> {
        // Without ensure_ascii a str is written in place when the last one
        // was ASCII text. After one that was not, the next is likely not
        // either, and would be made from its UTF-8 anyway: then the spare
        // Vec, kept between calls, costs less than a new buffer str
        // (writing those in place too cost twitter.json 3% more time,
        // github 2%, citm_catalog 1.5%; canada, all ASCII, takes 5% less
        // in place than from the Vec).
        if target == Target::Vec
            || target == Target::AsciiStr
                && (cfg.non_ascii_layout || !cfg.ensure_ascii && !last_ascii)
        {
            return None;
        }
        // Room for a quarter more than last time: the writers reserve their
        // worst case before each string.
        // SAFETY: attached (a walker is made attached). With ensure_ascii
        // the output is ASCII (everything else is escaped, and the
        // separators and indent are ASCII); without it, `finish_str` checks
        // that it is before it hands the str over.
        unsafe { OutBuf::object(target, last_len + last_len / 4) }
    }

    /// The output as a str.
    fn finish_str(&mut self) -> PyResult<Py<PyAny>> {
        self.last_len = self.out.len();
        let ascii = self.cfg.ensure_ascii && !self.cfg.non_ascii_layout;
        if self.out.is_str() {
            // Without ensure_ascii, text written into an ASCII str is
            // handed over only if it is ASCII (most JSON text is);
            // otherwise the str is made from the UTF-8, as from the Vec,
            // and the buffer freed.
            self.last_ascii = ascii || simdutf::validate_ascii(self.out.as_slice());
            if self.last_ascii {
                // SAFETY: attached; what was written is ASCII.
                if let Some(s) = unsafe { self.out.finish_object(self.py, Target::AsciiStr) } {
                    return s;
                }
            }
        }
        let s = crate::pyobj::str_from_utf8(self.py, self.out.as_slice(), ascii, self.surrogates)?;
        if !self.out.is_str() {
            // (The str is made at the narrowest kind: ASCII if the text is.)
            // SAFETY: a live str.
            self.last_ascii = unsafe { self.layout.str_ascii(s.as_ptr()) }.is_some();
        }
        Ok(s.into_py(self.py))
    }

    /// The output as UTF-8 bytes; the caller has checked that it holds no
    /// lone surrogates.
    fn finish_bytes(&mut self) -> PyResult<Py<PyAny>> {
        self.last_len = self.out.len();
        // SAFETY: attached.
        if let Some(b) = unsafe { self.out.finish_object(self.py, Target::Bytes) } {
            return b;
        }
        Ok(PyBytes::new(self.py, self.out.as_slice())
            .into_any()
            .unbind())
    }

    /// [`Self::obj`] for the entry points.
    fn run(&mut self, o: *mut ffi::PyObject, level: usize) -> PyResult<()> {
        self.obj(o, level).map_err(|e| *e)
    }

    /// `encoder_listencode_obj`.
    fn obj(&mut self, o: *mut ffi::PyObject, level: usize) -> R {
        // SAFETY: `o` is a live object, kept alive by the caller.
        unsafe {
            if let Some(r) = self.leaf(o) {
                return r;
            }
            self.container_or_other(o, level)
        }
    }

    /// An exact str, int, float, None, True or False written, or None (and
    /// nothing written) for anything else. Inlined into the list and dict
    /// loops, so leaves cost no call.
    #[inline(always)]
    unsafe fn leaf(&mut self, o: *mut ffi::PyObject) -> Option<R> {
        self.sep_leaf(o, [0; 8], 0)
    }

    /// A separator of up to 8 bytes (`sep[..sep_len]`), then [`Self::leaf`]:
    /// the separator is written even when `o` is no leaf. Both go under one
    /// reservation, with the output's length read and stored once.
    #[inline(always)]
    unsafe fn sep_leaf(
        &mut self,
        o: *mut ffi::PyObject,
        sep: [u8; 8],
        sep_len: usize,
    ) -> Option<R> {
        let mut len = self.out.len();
        let r = self.sep_leaf_at(&mut len, o, sep, sep_len);
        self.out.set_len(len);
        r
    }

    /// [`Self::sep_leaf`] with the output's length in `len`, which a loop
    /// keeps in a register: when the value is written inline, only `len`
    /// moves and `self.out`'s own length is left behind (the caller sets
    /// it before anything else uses the output). Every other way out
    /// leaves both equal. A length stored to memory and loaded back for
    /// the next item waited on that store each time: that chain through
    /// memory was most of the cost of a list item.
    #[inline(always)]
    unsafe fn sep_leaf_at(
        &mut self,
        len: &mut usize,
        o: *mut ffi::PyObject,
        sep: [u8; 8],
        sep_len: usize,
    ) -> Option<R> {
        const ROOM: usize = 8 + write::NUMBER_ROOM;
        if self.out.capacity() - *len < ROOM {
            self.out.set_len(*len);
            self.out.reserve(ROOM);
        }
        // SAFETY: 8 bytes for the separator were reserved.
        let dst = self.out.as_mut_ptr().add(*len);
        std::ptr::write_unaligned(dst.cast::<[u8; 8]>(), sep);
        self.leaf_at(len, *len + sep_len, o)
    }

    /// [`Self::sep_leaf_at`] with a separator of any length from
    /// [`Self::sep_for`] (indentation).
    #[inline(always)]
    unsafe fn long_sep_leaf_at(
        &mut self,
        len: &mut usize,
        o: *mut ffi::PyObject,
        sep: *const u8,
        sep_len: usize,
    ) -> Option<R> {
        let room = sep_len + 16 + write::NUMBER_ROOM;
        if self.out.capacity() - *len < room {
            self.out.set_len(*len);
            self.out.reserve(room);
        }
        // SAFETY: the room was reserved; `sep` has 16 readable bytes past
        // its end (`seps`' padding).
        write::copy_blocks(sep, sep_len, self.out.as_mut_ptr().add(*len));
        self.leaf_at(len, *len + sep_len, o)
    }

    /// The value part of [`Self::sep_leaf_at`]: `o` written at `at`, where
    /// the output has NUMBER_ROOM bytes of room, if it is a leaf.
    #[inline(always)]
    unsafe fn leaf_at(&mut self, len: &mut usize, at: usize, o: *mut ffi::PyObject) -> Option<R> {
        const _: () = assert!(write::NUMBER_ROOM >= write::SHORT_STR_ROOM);
        // SAFETY (the writes below): NUMBER_ROOM bytes at `at` are reserved.
        let dst = self.out.as_mut_ptr().add(at);
        let tp = ffi::Py_TYPE(o);
        let slow = |w: &mut Self, len: &mut usize, r: R| {
            *len = w.out.len();
            Some(r)
        };
        let n = if tp == &raw mut ffi::PyUnicode_Type {
            if let Some(n) = self.short_str_at(o, dst) {
                n
            } else {
                self.out.set_len(at);
                let _hold =
                    str_needs_hold(o, self.cfg.ensure_ascii).then(|| Owned::from_borrowed(o));
                let r = self.str(o);
                return slow(self, len, r);
            }
        } else if tp == &raw mut ffi::PyLong_Type {
            match self.layout.small_int(o) {
                Some(v) => write::write_i64_raw(v, dst),
                None => {
                    self.out.set_len(at);
                    let r = self.int_slow(o);
                    return slow(self, len, r);
                }
            }
        } else if tp == &raw mut ffi::PyFloat_Type {
            let v = self.layout.float_value(o);
            if !v.is_finite() {
                self.out.set_len(at);
                let r = self.non_finite_float(o, v);
                return slow(self, len, r);
            }
            write::write_f64_raw(v, dst)
        } else if o == ffi::Py_None() {
            std::ptr::write_unaligned(dst.cast::<[u8; 4]>(), *b"null");
            4
        } else if o == ffi::Py_True() {
            std::ptr::write_unaligned(dst.cast::<[u8; 4]>(), *b"true");
            4
        } else if o == ffi::Py_False() {
            std::ptr::write_unaligned(dst.cast::<[u8; 8]>(), *b"false\0\0\0");
            5
        } else if let Some(text) = empty_container(self.layout, o) {
            if self.depth >= self.proven {
                self.out.set_len(at);
                let r = self.empty_container(text);
                return slow(self, len, r);
            }
            // Entering one more level is known to succeed ([`Self::enter`]).
            std::ptr::write_unaligned(dst.cast::<[u8; 2]>(), *text);
            2
        } else {
            self.out.set_len(at);
            *len = at;
            return None;
        };
        *len = at + n;
        Some(Ok(()))
    }

    /// [`Self::item_sep_leaf`] with the length in a register, as
    /// [`Self::sep_leaf_at`].
    #[inline(always)]
    unsafe fn item_sep_leaf_at(
        &mut self,
        len: &mut usize,
        o: *mut ffi::PyObject,
        level: usize,
    ) -> Option<R> {
        match self.item_sep {
            Some((sep, n)) => self.sep_leaf_at(len, o, sep, n),
            None => {
                let (sep, n) = self.sep_for(level, false);
                self.long_sep_leaf_at(len, o, sep, n)
            }
        }
    }

    /// The item separator (and indentation), then [`Self::leaf`].
    #[inline(always)]
    unsafe fn item_sep_leaf(&mut self, o: *mut ffi::PyObject, level: usize) -> Option<R> {
        let mut len = self.out.len();
        let r = self.item_sep_leaf_at(&mut len, o, level);
        self.out.set_len(len);
        r
    }

    /// The key separator, then [`Self::leaf`].
    #[inline(always)]
    unsafe fn key_sep_leaf(&mut self, o: *mut ffi::PyObject) -> Option<R> {
        match self.key_sep {
            Some((sep, n)) => self.sep_leaf(o, sep, n),
            None => {
                self.cfg.key_separator.push(&mut self.out);
                self.leaf(o)
            }
        }
    }

    /// An empty exact list, tuple or dict: what `encoder_listencode_obj`
    /// writes for it (inside its recursion check), without the hold and
    /// the calls a container costs. 8,695 of citm_catalog's 10,451 lists
    /// are empty.
    #[inline(never)]
    fn empty_container(&mut self, text: &[u8; 2]) -> R {
        self.enter()?;
        self.out.extend_from_slice(text);
        self.leave();
        Ok(())
    }

    /// The rest of `encoder_listencode_obj`: exact containers, then the C
    /// encoder's order of checks, which decides for subclasses.
    #[inline(never)]
    unsafe fn container_or_other(&mut self, o: *mut ffi::PyObject, level: usize) -> R {
        let tp = ffi::Py_TYPE(o);
        let kind = if tp == &raw mut ffi::PyList_Type || tp == &raw mut ffi::PyTuple_Type {
            Kind::List
        } else if tp == &raw mut ffi::PyDict_Type {
            Kind::Dict
        } else if ffi::PyUnicode_Check(o) != 0 {
            Kind::Str
        } else if ffi::PyLong_Check(o) != 0 {
            Kind::Int
        } else if ffi::PyFloat_Check(o) != 0 {
            Kind::Float
        } else if ffi::PyList_Check(o) != 0 || ffi::PyTuple_Check(o) != 0 {
            Kind::List
        } else if ffi::PyDict_Check(o) != 0 {
            Kind::Dict
        } else {
            Kind::Other
        };
        match kind {
            Kind::Str => self.str(o),
            Kind::Int => self.int(o),
            Kind::Float => self.float(o),
            Kind::List => {
                self.enter()?;
                let r = self.list(o, level);
                self.leave();
                r
            }
            Kind::Dict => {
                self.enter()?;
                let r = self.dict(o, level);
                self.leave();
                r
            }
            Kind::Other => self.other(o, level),
        }
    }

    /// `Py_EnterRecursiveCall(" while encoding a JSON object")` for one
    /// more level, as the C encoder calls it around every container and
    /// every `default` result: RecursionError where the stdlib raises it.
    ///
    /// The call is made only where its outcome is not already known. It
    /// fails only when CPython's count (3.11-3.13: the levels entered on top
    /// of the caller's frames; 3.14: the stack in use) reaches the limit, so
    /// once a level has been entered in this walk, entering it or a
    /// shallower one again succeeds while no Python code has run. Those
    /// entries are deferred: the count is brought up to the real depth
    /// ([`Self::sync_recursion`]) before a deeper level is checked and
    /// before Python code (`default`, `items()`, comparisons) runs, so both
    /// see the count the stdlib's encoder would have made. Each level is
    /// left with `Py_LeaveRecursiveCall` only if it was entered.
    #[inline(always)]
    fn enter(&mut self) -> R {
        self.depth += 1;
        if self.depth <= self.proven {
            return Ok(());
        }
        self.enter_deeper()
    }

    #[inline(never)]
    fn enter_deeper(&mut self) -> R {
        if let Err(e) = self.sync_recursion() {
            self.depth -= 1;
            return Err(e);
        }
        self.proven = self.depth;
        Ok(())
    }

    /// Enters the levels on the path not entered yet.
    #[inline(never)]
    fn sync_recursion(&mut self) -> R {
        while self.entered < self.depth {
            // SAFETY: attached; NUL-terminated message.
            if unsafe { ffi::Py_EnterRecursiveCall(c" while encoding a JSON object".as_ptr()) } != 0
            {
                return Err(Box::new(PyErr::fetch(self.py)));
            }
            self.entered += 1;
        }
        Ok(())
    }

    /// Before Python code runs: the count as the stdlib's would be, and no
    /// level proven past this one (the code may change the limit).
    fn before_python_code(&mut self) -> R {
        self.python_runs += 1;
        self.proven = self.depth;
        self.sync_recursion()
    }

    /// Leaves the innermost level ([`Self::enter`]).
    #[inline(always)]
    fn leave(&mut self) {
        if self.entered == self.depth {
            // SAFETY: attached; this level was entered.
            unsafe { ffi::Py_LeaveRecursiveCall() };
            self.entered -= 1;
        }
        self.depth -= 1;
    }

    /// A short compact ASCII str with nothing to escape, written at `dst`
    /// ([`write::write_short_plain_str`], which says what `dst` needs):
    /// inline, where [`Self::str`] is a call.
    #[inline(always)]
    unsafe fn short_str_at(&self, o: *mut ffi::PyObject, dst: *mut u8) -> Option<usize> {
        let (p, len) = self.layout.str_ascii(o)?;
        write::write_short_plain_str(p, len, dst)
    }

    #[inline]
    unsafe fn str(&mut self, o: *mut ffi::PyObject) -> R {
        // The common case inline: a compact ASCII str, read in place where
        // the layout was verified.
        if let Some((p, len)) = self.layout.str_ascii(o) {
            self.write_text(std::slice::from_raw_parts(p, len));
            return Ok(());
        }
        self.str_not_in_place(o)
    }

    /// [`Self::str`] of a str whose UTF-8 is not in place.
    #[inline(never)]
    unsafe fn str_not_in_place(&mut self, o: *mut ffi::PyObject) -> R {
        // With ensure_ascii, a compact str is escaped from its own code
        // units: no UTF-8 made (nor cached in the str) and decoded again.
        if self.cfg.ensure_ascii {
            if let Some(units) = self.layout.str_units(o) {
                match units {
                    Units::Latin1(p, n) => write::write_str_ascii_latin1(
                        &mut self.out,
                        std::slice::from_raw_parts(p, n),
                    ),
                    Units::Ucs2(p, n) => {
                        write::write_str_ascii_ucs2(&mut self.out, std::slice::from_raw_parts(p, n))
                    }
                    Units::Ucs4(p, n) => {
                        write::write_str_ascii_ucs4(&mut self.out, std::slice::from_raw_parts(p, n))
                    }
                }
                return Ok(());
            }
        } else if let Some((p, len)) = self.layout.str_utf8_cached(o) {
            self.write_text(std::slice::from_raw_parts(p, len));
            return Ok(());
        }
        let mut len: ffi::Py_ssize_t = 0;
        let p = ffi::PyUnicode_AsUTF8AndSize(o, &mut len);
        if p.is_null() {
            return self.str_slow(o);
        }
        self.write_text(std::slice::from_raw_parts(p as *const u8, len as usize));
        Ok(())
    }

    /// A JSON string of UTF-8 text, escaped as `ensure_ascii` says.
    #[inline(always)]
    fn write_text(&mut self, s: &[u8]) {
        if self.cfg.ensure_ascii {
            write::write_str_ascii(&mut self.out, s);
        } else {
            write::write_str_unicode(&mut self.out, s);
        }
    }

    /// [`Self::str`] after `PyUnicode_AsUTF8AndSize` failed (lone surrogates).
    #[inline(never)]
    #[cold]
    unsafe fn str_slow(&mut self, o: *mut ffi::PyObject) -> R {
        let u = Utf8::after_failure(self.py, o)?;
        // Lone surrogates written raw need surrogatepass to become a str.
        self.surrogates |= !self.cfg.ensure_ascii && u.has_surrogates();
        self.write_text(u.as_slice());
        Ok(())
    }

    /// `int.__repr__` (also for subclasses such as IntEnum).
    #[inline(always)]
    unsafe fn int(&mut self, o: *mut ffi::PyObject) -> R {
        if let Some(v) = self.layout.small_int(o) {
            write::write_i64(&mut self.out, v);
            return Ok(());
        }
        self.int_slow(o)
    }

    /// [`Self::int`] for ints not read in place.
    #[inline(never)]
    unsafe fn int_slow(&mut self, o: *mut ffi::PyObject) -> R {
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(o, &mut overflow);
        if overflow == 0 {
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                return Err(Box::new(PyErr::fetch(self.py)));
            }
            write::write_i64(&mut self.out, v);
            return Ok(());
        }
        let text = int_repr(self.py, o)?;
        self.out
            .extend_from_slice(Utf8::of(self.py, text.as_ptr())?.as_slice());
        Ok(())
    }

    /// `encoder_encode_float`: `float.__repr__`, or the non-finite names.
    unsafe fn float(&mut self, o: *mut ffi::PyObject) -> R {
        let v = self.layout.float_value(o);
        if v.is_finite() {
            write::write_f64(&mut self.out, v);
            return Ok(());
        }
        self.non_finite_float(o, v)
    }

    #[cold]
    unsafe fn non_finite_float(&mut self, o: *mut ffi::PyObject, v: f64) -> R {
        let text = non_finite(self.cfg, v, || {
            Ok(Bound::from_borrowed_ptr(self.py, o).repr()?.to_string())
        })?;
        self.out.extend_from_slice(text);
        Ok(())
    }

    #[inline(always)]
    fn check_circular(&mut self, o: *mut ffi::PyObject) -> R {
        if self.cfg.check_circular {
            if self.path.contains(&o) {
                return Err(circular());
            }
            self.path.push(o);
        }
        Ok(())
    }

    #[inline(always)]
    fn pop_circular(&mut self) {
        if self.cfg.check_circular {
            self.path.pop();
        }
    }

    /// A newline and `level` indents, when indenting (checked inline: most
    /// calls write nothing).
    #[inline(always)]
    fn newline_indent(&mut self, level: usize) {
        if self.cfg.indent.is_some() {
            let (p, n) = self.sep_for(level, true);
            self.push_sep(p, n);
        }
    }

    /// What goes before an item at `level`: the item separator (none
    /// before the first), then the newline and indentation if indenting.
    /// The bytes stay valid until `seps` grows for a deeper level.
    #[inline(always)]
    fn sep_for(&mut self, level: usize, first: bool) -> (*const u8, usize) {
        if level > self.sep_levels {
            self.grow_seps(level);
        }
        let start = if first { self.item_sep_len } else { 0 };
        let end = self.item_sep_len + self.newline_len + level * self.indent_len;
        // SAFETY: start <= end <= seps.len() - 16 (grow_seps).
        (unsafe { self.seps.as_ptr().add(start) }, end - start)
    }

    #[inline(never)]
    fn grow_seps(&mut self, level: usize) {
        let levels = level.max(2 * self.sep_levels).max(16);
        let item = self.cfg.item_separator.as_bytes();
        let indent = self.cfg.indent.as_deref().unwrap_or_default();
        // One allocation, at the final size.
        let mut seps = Vec::with_capacity(item.len() + 1 + indent.len() * levels + 16);
        seps.extend_from_slice(item);
        if self.cfg.indent.is_some() {
            seps.push(b'\n');
            for _ in 0..levels {
                seps.extend_from_slice(indent);
            }
        }
        seps.extend_from_slice(&[0; 16]);
        self.seps = seps;
        self.sep_levels = levels;
    }

    /// Appends a separator from [`Self::sep_for`].
    #[inline(always)]
    fn push_sep(&mut self, p: *const u8, n: usize) {
        self.out.reserve(n + 16);
        // SAFETY: `p` has 16 readable bytes past `n` (`seps`' padding);
        // the output has the room.
        unsafe {
            let len = self.out.len();
            write::copy_blocks(p, n, self.out.as_mut_ptr().add(len));
            self.out.set_len(len + n);
        }
    }

    #[inline(always)]
    fn item_separator(&mut self, level: usize) {
        let (p, n) = self.sep_for(level, false);
        self.push_sep(p, n);
    }

    /// GIL builds: a small exact list, tuple or dict (str keys, no
    /// sort_keys) whose items are all leaves, written whole
    /// here, in one pass with the output's length in a register. True if
    /// it was; false, with nothing written, if it is not one, or an item
    /// failed (the general path then raises the error, with its notes).
    ///
    /// What the general path does for a container that is skipped here is
    /// not needed for these: a container of leaves cannot be on the path of
    /// containers being encoded (those hold the next one on it), so it
    /// needs no circular-reference check, and writing leaves runs no Python
    /// code, so the size read first holds. Its level is one already known
    /// to be entered without error ([`Self::enter`]); a deeper one is left
    /// to the general path.
    #[inline(always)]
    unsafe fn leaf_container(&mut self, o: *mut ffi::PyObject, level: usize) -> bool {
        // One copy for separators that fit a word (no indentation), one for
        // the others: with both in one loop, citm_catalog's compact dumps
        // took 6% more time.
        if self.item_sep.is_some() {
            self.leaf_container_in::<true>(o, level)
        } else {
            self.leaf_container_in::<false>(o, level)
        }
    }

    #[inline(never)]
    unsafe fn leaf_container_in<const WORD_SEP: bool>(
        &mut self,
        o: *mut ffi::PyObject,
        level: usize,
    ) -> bool {
        // Items tried at most: a container that holds a non-leaf is written
        // twice up to it, once here and once by the general path. Small
        // dicts of leaves are common (citm_catalog's prices), but so are
        // small records holding a container a few members in (twitter's
        // entities): with dicts of up to 5 members, twitter took 3% more
        // time than without any; with 3, 1% (citm_catalog 8% less). Checking
        // first that every member is a leaf cost more than it saved.
        const MAX_ITEMS: ffi::Py_ssize_t = 32;
        const MAX_DICT_ITEMS: ffi::Py_ssize_t = 3;
        if cfg!(Py_GIL_DISABLED) || self.depth >= self.proven {
            return false;
        }
        let tp = ffi::Py_TYPE(o);
        let is_list = tp == &raw mut ffi::PyList_Type;
        let mark = self.out.len();
        self.depth += 1;
        let done = if is_list || tp == &raw mut ffi::PyTuple_Type {
            let n = seq_len(o, is_list);
            // (Empty ones are leaves.)
            (1..=MAX_ITEMS).contains(&n) && {
                self.out.push(b'[');
                let mut len = self.out.len();
                let mut i = 0;
                while i < n {
                    let item = self.layout.seq_item(o, i, is_list);
                    let r = if WORD_SEP {
                        let (sep, sep_len) = match self.item_sep {
                            Some(word) if i > 0 => word,
                            _ => ([0; 8], 0),
                        };
                        self.sep_leaf_at(&mut len, item, sep, sep_len)
                    } else {
                        let (sep, sep_len) = self.sep_for(level + 1, i == 0);
                        self.long_sep_leaf_at(&mut len, item, sep, sep_len)
                    };
                    if !matches!(r, Some(Ok(()))) {
                        break;
                    }
                    i += 1;
                }
                self.out.set_len(len);
                i == n && {
                    if !WORD_SEP {
                        self.newline_indent(level);
                    }
                    self.out.push(b']');
                    true
                }
            }
        } else if tp == &raw mut ffi::PyDict_Type && self.cfg.sort_keys {
            let n = self.layout.dict_len(o);
            (1..=MAX_DICT_ITEMS).contains(&n) && {
                let mut members =
                    [(std::ptr::null_mut(), std::ptr::null_mut()); MAX_DICT_ITEMS as usize];
                let members = self.sorted_small_dict(o, &mut members);
                self.out.push(b'{');
                let mut first = true;
                let ok = !members.is_empty()
                    && members.iter().all(|&(key, value)| {
                        self.member_key(key, level + 1, &mut first).is_some()
                            && matches!(self.key_sep_leaf(value), Some(Ok(())))
                    });
                ok && {
                    if !WORD_SEP {
                        self.newline_indent(level);
                    }
                    self.out.push(b'}');
                    true
                }
            }
        } else if tp == &raw mut ffi::PyDict_Type {
            let n = self.layout.dict_len(o);
            (1..=MAX_DICT_ITEMS).contains(&n) && {
                self.out.push(b'{');
                let mut first = true;
                let mut pos = 0;
                let mut key = std::ptr::null_mut();
                let mut value = std::ptr::null_mut();
                let mut ok = true;
                while self.layout.dict_next(o, &mut pos, &mut key, &mut value) {
                    ok = ffi::Py_TYPE(key) == &raw mut ffi::PyUnicode_Type
                        && self.member_key(key, level + 1, &mut first).is_some()
                        && matches!(self.key_sep_leaf(value), Some(Ok(())));
                    if !ok {
                        break;
                    }
                }
                ok && {
                    if !WORD_SEP {
                        self.newline_indent(level);
                    }
                    self.out.push(b'}');
                    true
                }
            }
        } else {
            false
        };
        // An empty container inside, at a level not proven yet, may have
        // entered this level too ([`Self::sync_recursion`]): left as usual.
        self.leave();
        if !done {
            self.out.truncate(mark);
        }
        done
    }

    /// The members of a small exact dict whose keys are all compact ASCII
    /// strs, in `room`, sorted by key ([`KeyText::cmp`]); empty
    /// for any other dict. Borrowed: for [`Self::leaf_container`], where
    /// nothing runs that could change the dict.
    #[inline(always)]
    unsafe fn sorted_small_dict<'m>(
        &self,
        o: *mut ffi::PyObject,
        room: &'m mut [(*mut ffi::PyObject, *mut ffi::PyObject)],
    ) -> &'m [(*mut ffi::PyObject, *mut ffi::PyObject)] {
        let mut texts = [KeyText::EMPTY; 3];
        let texts = &mut texts[..room.len().min(3)];
        let mut n = 0;
        let mut pos = 0;
        let mut key = std::ptr::null_mut();
        let mut value = std::ptr::null_mut();
        while self.layout.dict_next(o, &mut pos, &mut key, &mut value) {
            let Some((p, len)) = (ffi::Py_TYPE(key) == &raw mut ffi::PyUnicode_Type)
                .then(|| self.layout.str_ascii(key))
                .flatten()
            else {
                return &[];
            };
            if n == texts.len() {
                return &[];
            }
            room[n] = (key, value);
            texts[n] = KeyText::new(p, len);
            // Insertion: at most three members.
            let mut j = n;
            while j > 0 && texts[j].cmp(&texts[j - 1]).is_lt() {
                texts.swap(j, j - 1);
                room.swap(j, j - 1);
                j -= 1;
            }
            n += 1;
        }
        &room[..n]
    }

    /// `encoder_listencode_list` (lists and tuples).
    unsafe fn list(&mut self, seq: *mut ffi::PyObject, level: usize) -> R {
        let tp = ffi::Py_TYPE(seq);
        let is_list = tp == &raw mut ffi::PyList_Type
            || (tp != &raw mut ffi::PyTuple_Type && ffi::PyList_Check(seq) != 0);
        if seq_len(seq, is_list) == 0 {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.check_circular(seq)?;
        self.out.push(b'[');
        self.newline_indent(level + 1);
        self.list_items(seq, is_list, level + 1, 0)
    }

    /// The items of a list or tuple from item `i` on (`[` and the items
    /// before `i` are written), and its end.
    ///
    /// A list's critical section is held while its leaves are written and
    /// released around each item that is not a leaf (held by a strong
    /// reference while it is encoded). Holding it across nested containers
    /// would make threads encoding the same object take turns on the whole
    /// walk: a thread that blocks on a lock suspends the ones it holds, but
    /// the thread that holds the outer list keeps it until it is done.
    /// Small containers of leaves are the exception ([`Self::probe`]).
    // GIL builds: one caller (no probes), inlined as the loop was.
    #[cfg_attr(not(Py_GIL_DISABLED), inline(always))]
    unsafe fn list_items(
        &mut self,
        seq: *mut ffi::PyObject,
        is_list: bool,
        level: usize,
        mut i: ffi::Py_ssize_t,
    ) -> R {
        let bound = pyo3::Borrowed::from_ptr(self.py, seq);
        loop {
            // Past the end (after a container item, most often the last
            // one), the list is not locked again just to find that out.
            let len = if is_list {
                list_len_relaxed(seq)
            } else {
                seq_len(seq, false)
            };
            if i >= len {
                break;
            }
            // Leaves (and probed containers) up to the next other item,
            // returned with a strong reference taken under the lock (a
            // tuple holds its items).
            let mut run = |w: &mut Self| -> Result<Next, Box<PyErr>> {
                let mut probed = 0;
                let mut len = w.out.len();
                // The length is read again each time: `default` may shrink a list.
                while i < seq_len(seq, is_list) {
                    let item = w.layout.seq_item(seq, i, is_list);
                    let leaf = if i > 0 {
                        w.item_sep_leaf_at(&mut len, item, level)
                    } else {
                        w.sep_leaf_at(&mut len, item, [0; 8], 0)
                    };
                    match leaf {
                        Some(r) => r?,
                        None if w.leaf_container(item, level) => len = w.out.len(),
                        None => {
                            if PROBE && ffi::Py_TYPE(item) == &raw mut ffi::PyList_Type {
                                w.prefetch_lists(seq, i, is_list);
                            }
                            // Held from here on: waiting for the item's
                            // lock in the probe suspends the list's, and
                            // another thread could then drop the item.
                            let hold = is_list.then(|| Owned::from_borrowed(item));
                            match w.probe(item, level) {
                                Probe::Done => {
                                    len = w.out.len();
                                    probed += 1;
                                    if probed == PROBED_PER_HOLD {
                                        i += 1;
                                        return Ok(Next::Yield);
                                    }
                                }
                                Probe::No => return Ok(Next::Item(item, hold)),
                                Probe::Stopped => return Ok(Next::Resume(item, hold)),
                            }
                        }
                    }
                    i += 1;
                }
                w.out.set_len(len);
                Ok(Next::Done)
            };
            // A tuple cannot change: no lock.
            let next = if is_list {
                with_critical_section(&bound, || run(self))
            } else {
                run(self)
            };
            let r = match next {
                Ok(Next::Done) => break,
                Ok(Next::Yield) => continue,
                Ok(Next::Item(item, _hold)) => self.container_or_other(item, level),
                Ok(Next::Resume(item, _hold)) => self.resume(item, level),
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                return Err(self.seq_item_note(e, seq, i));
            }
            i += 1;
        }
        self.pop_circular();
        self.newline_indent(level - 1);
        self.out.push(b']');
        Ok(())
    }

    /// Free-threaded builds, where item `i` of `seq` is a list: the CPU asked
    /// to fetch the header of item `i + 4` and the item array of item `i + 2`
    /// (if it is a list), so that a list of small lists (canada.json's
    /// coordinates) does not wait on memory for each. (GIL builds were
    /// measured slower with it: canada 2.4%, citm_catalog 1.9%.)
    #[inline(always)]
    unsafe fn prefetch_lists(&self, seq: *mut ffi::PyObject, i: ffi::Py_ssize_t, is_list: bool) {
        let n = seq_len(seq, is_list);
        if i + 4 < n {
            crate::layout::prefetch(self.layout.seq_item(seq, i + 4, is_list).cast());
        }
        if i + 2 < n {
            self.layout
                .prefetch_items(self.layout.seq_item(seq, i + 2, is_list));
        }
    }

    /// 3.14's note on an error in item `i` of a list or tuple.
    #[cold]
    fn seq_item_note(
        &self,
        e: Box<PyErr>,
        seq: *mut ffi::PyObject,
        i: ffi::Py_ssize_t,
    ) -> Box<PyErr> {
        if self.cfg.notes {
            add_note(self.py, &e, || {
                // SAFETY: `seq` is alive (held by the caller).
                Ok(format!(
                    "when serializing {} item {}",
                    unsafe { type_name(self.py, seq, true)? },
                    i
                ))
            });
        }
        e
    }

    /// `encoder_listencode_dict`.
    unsafe fn dict(&mut self, dct: *mut ffi::PyObject, level: usize) -> R {
        if self.layout.dict_len(dct) == 0 {
            self.out.extend_from_slice(b"{}");
            return Ok(());
        }
        self.check_circular(dct)?;
        self.out.push(b'{');
        let level = level + 1;
        let mut first = true;
        let exact = ffi::Py_TYPE(dct) == &raw mut ffi::PyDict_Type;
        // sort_keys on an exact dict with str keys: sorted here, by UTF-8.
        if self.cfg.sort_keys && exact {
            if let Some(r) = self.sorted_members(dct, level) {
                return r;
            }
        }
        if self.cfg.sort_keys || !exact {
            // items() of a subclass and the sort's comparisons run Python code.
            self.before_python_code()?;
            let items = Owned::from_new(self.py, ffi::PyMapping_Items(dct))?;
            if self.cfg.sort_keys && ffi::PyList_Sort(items.as_ptr()) != 0 {
                return Err(Box::new(PyErr::fetch(self.py)));
            }
            let mut i = 0;
            while i < ffi::PyList_Size(items.as_ptr()) {
                let item = list_item(self.py, items.as_ptr(), i)?;
                if ffi::PyTuple_Check(item.as_ptr()) == 0 || ffi::PyTuple_Size(item.as_ptr()) != 2 {
                    return Err(Box::new(PyValueError::new_err(
                        "items must return 2-tuples",
                    )));
                }
                let key = ffi::PyTuple_GetItem(item.as_ptr(), 0);
                let value = ffi::PyTuple_GetItem(item.as_ptr(), 1);
                self.key_value(dct, key, value, level, &mut first)?;
                i += 1;
            }
        } else {
            let size = self.layout.dict_len(dct);
            return self.dict_members(dct, level, 0, 0, size, None);
        }
        self.dict_end(level, first)
    }

    /// `}` after the members of a dict (`level`: the members' level).
    fn dict_end(&mut self, level: usize, first: bool) -> R {
        self.pop_circular();
        self.dict_close(level, first);
        Ok(())
    }

    /// The newline (after members) and `}`.
    fn dict_close(&mut self, level: usize, first: bool) {
        if !first {
            self.newline_indent(level - 1);
        }
        self.out.push(b'}');
    }

    /// The members of an exact dict (without sort_keys) from `PyDict_Next`
    /// position `pos` on, `seen` of its `size` members being written, and
    /// its end.
    ///
    /// As for lists, the dict's critical section is released around
    /// members that are not leaves. On a free-threaded build another
    /// thread can then change the dict: if its size changed while no
    /// Python code ran in this thread, the iteration stops with the
    /// error a Python-level iteration gives. A change that `default`
    /// may have made is followed as 3.14's C encoder follows it
    /// (PyDict_Next over what the dict holds then).
    // GIL builds: one caller (no probes), inlined as the loop was.
    #[cfg_attr(not(Py_GIL_DISABLED), inline(always))]
    unsafe fn dict_members(
        &mut self,
        dct: *mut ffi::PyObject,
        level: usize,
        mut pos: ffi::Py_ssize_t,
        mut seen: ffi::Py_ssize_t,
        size: ffi::Py_ssize_t,
        value: Option<(Owned, std::ops::Range<usize>)>,
    ) -> R {
        let bound = pyo3::Borrowed::from_ptr(self.py, dct);
        let mut first = seen == 0;
        if let Some((value, key_text)) = value {
            self.member_value(dct, value.as_ptr(), false, key_text, level)?;
        }
        // While no Python code has run since the dict was entered, it holds
        // `size` members (another thread that changed it is caught below):
        // the walk stops after the last one, without the call that would
        // find no more. Otherwise it asks PyDict_Next until the end, as the
        // C encoder does.
        let runs = self.python_runs;
        loop {
            // After the last member (a container), the dict is not locked
            // again just to find that out; the size is checked as below.
            if seen == size && self.python_runs == runs {
                if cfg!(Py_GIL_DISABLED) && self.layout.dict_len(dct) != size {
                    return Err(changed_size());
                }
                break;
            }
            let next = with_critical_section(&bound, || -> Result<Option<Pending>, Box<PyErr>> {
                if cfg!(Py_GIL_DISABLED)
                    && pos > 0
                    && self.python_runs == runs
                    && self.layout.dict_len(dct) != size
                {
                    return Err(changed_size());
                }
                let mut probed = 0;
                let mut key: *mut ffi::PyObject = std::ptr::null_mut();
                let mut value: *mut ffi::PyObject = std::ptr::null_mut();
                while !(seen == size && self.python_runs == runs)
                    && self.layout.dict_next(dct, &mut pos, &mut key, &mut value)
                {
                    seen += 1;
                    let str_key = ffi::Py_TYPE(key) == &raw mut ffi::PyUnicode_Type
                        && !str_needs_hold(key, self.cfg.ensure_ascii);
                    if str_key {
                        // The common member: the key, then the value
                        // written inline if it is a leaf, with one look at
                        // its type. The str key is not held (a key shared
                        // by many dicts would have its reference count
                        // written by every thread).
                        let mark = self.out.len();
                        let was_first = first;
                        if let Some(start) = self.member_key(key, level, &mut first) {
                            let end = self.out.len();
                            // A str whose writing may wait for its lock is
                            // no leaf here: held and written unlocked.
                            let leaf = if ffi::Py_TYPE(value) == &raw mut ffi::PyUnicode_Type
                                && str_needs_hold(value, self.cfg.ensure_ascii)
                            {
                                self.cfg.key_separator.push(&mut self.out);
                                None
                            } else {
                                self.key_sep_leaf(value)
                            };
                            match leaf {
                                Some(Ok(())) => continue,
                                // A leaf that failed (a non-finite float
                                // with allow_nan=False, an int past the
                                // digit limit): taken back, to raise below
                                // with the note.
                                Some(Err(_)) => {}
                                None if self.leaf_container(value, level) => continue,
                                None => {
                                    // Encoding a container or calling
                                    // `default` may mutate the dict: the
                                    // value is held and encoded unlocked.
                                    let value_hold = Owned::from_borrowed(value);
                                    let at = match self.probe(value, level) {
                                        Probe::Done => {
                                            // Waiting for the value's lock
                                            // may have suspended this
                                            // dict's: caught as above.
                                            if cfg!(Py_GIL_DISABLED)
                                                && self.python_runs == runs
                                                && self.layout.dict_len(dct) != size
                                            {
                                                return Err(changed_size());
                                            }
                                            probed += 1;
                                            if probed == PROBED_PER_HOLD {
                                                return Ok(Some(Pending::Yield));
                                            }
                                            continue;
                                        }
                                        Probe::No => false,
                                        Probe::Stopped => true,
                                    };
                                    return Ok(Some(Pending::Value(value_hold, start..end, at)));
                                }
                            }
                        }
                        self.out.truncate(mark);
                        first = was_first;
                    }
                    let leaf_value = is_leaf(self.layout, value, self.cfg.ensure_ascii);
                    if !(leaf_value && is_leaf(self.layout, key, self.cfg.ensure_ascii)) {
                        return Ok(Some(Pending::Member(
                            Owned::from_borrowed(key),
                            Owned::from_borrowed(value),
                        )));
                    }
                    // Leaves that failed the inline path raise here, with the note.
                    self.key_value(dct, key, value, level, &mut first)?;
                }
                Ok(None)
            })?;
            match next {
                None => break,
                Some(Pending::Yield) => {}
                Some(Pending::Member(key, value)) => {
                    self.key_value(dct, key.as_ptr(), value.as_ptr(), level, &mut first)?
                }
                Some(Pending::Value(value, key_text, resume)) => {
                    self.member_value(dct, value.as_ptr(), resume, key_text, level)?
                }
            }
        }
        self.dict_end(level, first)
    }

    /// sort_keys on an exact dict: its members sorted by key and written,
    /// and its end; None (nothing written) if a key is not an exact str
    /// with a UTF-8 form.
    ///
    /// The members are held (strong references) while they are written,
    /// as `sorted(d.items())` holds them: `default` may change the dict.
    unsafe fn sorted_members(&mut self, dct: *mut ffi::PyObject, level: usize) -> Option<R> {
        let base = self.sorted.len();
        if !push_str_keyed_members(self.py, self.layout, dct, &mut self.sorted) {
            self.sorted.truncate(base);
            return None;
        }
        self.sorted[base..].sort_unstable_by(|a, b| a.text.cmp(&b.text));
        let mut first = true;
        let mut r = Ok(());
        for i in base..self.sorted.len() {
            // (Read again each time: deeper dicts push past this section.)
            let (key, value) = (self.sorted[i].key.as_ptr(), self.sorted[i].value.as_ptr());
            r = self.str_key_member(dct, key, value, level, &mut first);
            if r.is_err() {
                break;
            }
        }
        self.sorted.truncate(base);
        Some(r.and_then(|()| self.dict_end(level, first)))
    }

    /// A member with an exact str key, both held by the caller: the key and
    /// a leaf value inline, or the value through the general path.
    #[inline(always)]
    unsafe fn str_key_member(
        &mut self,
        dct: *mut ffi::PyObject,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        level: usize,
        first: &mut bool,
    ) -> R {
        let mark = self.out.len();
        let was_first = *first;
        if let Some(start) = self.member_key(key, level, first) {
            let end = self.out.len();
            match self.key_sep_leaf(value) {
                Some(Ok(())) => return Ok(()),
                // A leaf that failed: taken back, to raise below with the note.
                Some(Err(_)) => {}
                None if self.leaf_container(value, level) => return Ok(()),
                None => return self.member_value(dct, value, false, start..end, level),
            }
        }
        self.out.truncate(mark);
        *first = was_first;
        self.key_value(dct, key, value, level, first)
    }

    /// The value of a member of `dct` whose str key is written (at
    /// `key_text`), encoded with the dict's lock released; from where
    /// [`Self::probe`] stopped in it (`resume`).
    unsafe fn member_value(
        &mut self,
        dct: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        resume: bool,
        key_text: std::ops::Range<usize>,
        level: usize,
    ) -> R {
        let r = if resume {
            self.resume(value, level)
        } else {
            self.obj(value, level)
        };
        if let Err(e) = r {
            if self.cfg.notes {
                let text = self.out.as_slice()[key_text].to_vec();
                add_note(self.py, &e, || {
                    Ok(format!(
                        "when serializing {} item {}",
                        type_name(self.py, dct, true)?,
                        key_repr_from_json(self.py, &text)?
                    ))
                });
            }
            return Err(e);
        }
        Ok(())
    }

    /// A container item written while the lock of the container that holds
    /// it is kept, its own lock taken inside (a nested critical section), as
    /// far as its items are leaves: a small exact list, tuple or dict (str
    /// keys) of leaves is written whole. Free-threaded builds only
    /// ([`PROBE`]).
    ///
    /// This saves the release and the new hold of the outer lock that the
    /// general path makes around each container item: two of the three lock
    /// round trips of a small record, such as each `[x, y]` pair of
    /// canada.json. Waiting for the item's lock suspends the outer one, as
    /// any wait does; the caller's loop reads what it reads after each item
    /// either way (a dict checks its size again).
    ///
    /// It stops before an item that is not a leaf, before a leaf that fails
    /// (the general path raises its error, with the notes), and after
    /// [`PROBE_ITEMS`] items (the outer lock is not kept through a long
    /// container): `Stopped` says where, with `[` or `{` and the items before
    /// written, and [`Self::resume`] goes on from there once the outer lock
    /// is released, as if the item's own lock had been released there.
    /// Nothing is written twice.
    ///
    /// The caller holds `o` by a strong reference: waiting for its lock (or,
    /// in a list, for a str's) suspends the outer lock, and another thread
    /// could then drop `o`.
    ///
    /// A container whose items are all leaves cannot be on the path of
    /// containers being encoded (those hold the next one on the path), so
    /// the circular-reference check is made only on resuming. Its level is
    /// entered as the general path enters it ([`Self::enter`]): on 3.14,
    /// where the limit is on the C stack in use, the depth at which it is
    /// reached then depends on the path of calls alone, not on which levels
    /// an earlier part of the walk checked.
    #[inline(always)]
    unsafe fn probe(&mut self, o: *mut ffi::PyObject, level: usize) -> Probe {
        let tp = ffi::Py_TYPE(o);
        if !PROBE
            || owner(o) != self.this_thread
            || !(tp == &raw mut ffi::PyList_Type
                || tp == &raw mut ffi::PyTuple_Type
                || (tp == &raw mut ffi::PyDict_Type && !self.cfg.sort_keys))
        {
            return Probe::No;
        }
        self.probe_container(o, tp, level)
    }

    #[inline(never)]
    unsafe fn probe_container(
        &mut self,
        o: *mut ffi::PyObject,
        tp: *mut ffi::PyTypeObject,
        level: usize,
    ) -> Probe {
        // A RecursionError is left to the general path, which raises it.
        if self.enter().is_err() {
            return Probe::No;
        }
        let bound = pyo3::Borrowed::from_ptr(self.py, o);
        let probe = if tp == &raw mut ffi::PyList_Type {
            with_critical_section(&bound, || self.probe_items(o, true, level + 1))
        } else if tp == &raw mut ffi::PyTuple_Type {
            // A tuple cannot change: no lock.
            self.probe_items(o, false, level + 1)
        } else {
            with_critical_section(&bound, || self.probe_members(o, level + 1))
        };
        // An empty container inside may have entered a deeper level.
        self.leave();
        probe
    }

    /// [`Self::probe`] of a list or tuple, under its lock.
    unsafe fn probe_items(
        &mut self,
        seq: *mut ffi::PyObject,
        is_list: bool,
        level: usize,
    ) -> Probe {
        let start = self.out.len();
        self.out.push(b'[');
        self.newline_indent(level);
        let mut i = 0;
        // The length is read again each time: waiting for a str's lock
        // (its UTF-8) suspends the list's.
        while i < seq_len(seq, is_list) {
            if i == PROBE_ITEMS {
                return self.stop(At::Items(i, None));
            }
            let item = self.layout.seq_item(seq, i, is_list);
            let mark = self.out.len();
            let leaf = if i > 0 {
                self.item_sep_leaf(item, level)
            } else {
                self.leaf(item)
            };
            match leaf {
                Some(Ok(())) => {}
                // As the general path does: the item held, to be encoded
                // with the lock released (its separator is written).
                None => {
                    let hold = is_list.then(|| Owned::from_borrowed(item));
                    return self.stop(At::Items(i, Some((item, hold))));
                }
                Some(Err(_)) => {
                    if i == 0 {
                        self.out.truncate(start);
                        return Probe::No;
                    }
                    self.out.truncate(mark);
                    return self.stop(At::Items(i, None));
                }
            }
            i += 1;
        }
        self.newline_indent(level - 1);
        self.out.push(b']');
        Probe::Done
    }

    /// [`Self::probe`] of a dict, under its lock: str keys and leaf values,
    /// none of which waits for a lock.
    unsafe fn probe_members(&mut self, dct: *mut ffi::PyObject, level: usize) -> Probe {
        let size = self.layout.dict_len(dct);
        let start = self.out.len();
        self.out.push(b'{');
        let mut first = true;
        let mut pos: ffi::Py_ssize_t = 0;
        let mut seen = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        while seen < size {
            if seen == PROBE_ITEMS {
                return self.stop(At::Members {
                    pos,
                    seen,
                    size,
                    value: None,
                });
            }
            let before = pos;
            if !self.layout.dict_next(dct, &mut pos, &mut key, &mut value) {
                break;
            }
            let ascii = self.cfg.ensure_ascii;
            if ffi::Py_TYPE(key) == &raw mut ffi::PyUnicode_Type && !str_needs_hold(key, ascii) {
                // As in `dict_members`: the key, then the value written
                // inline if it is a leaf, with one look at its type.
                let mark = self.out.len();
                if let Some(key_start) = self.member_key(key, level, &mut first) {
                    let key_end = self.out.len();
                    let leaf = if ffi::Py_TYPE(value) == &raw mut ffi::PyUnicode_Type
                        && str_needs_hold(value, ascii)
                    {
                        self.cfg.key_separator.push(&mut self.out);
                        None
                    } else {
                        self.key_sep_leaf(value)
                    };
                    match leaf {
                        Some(Ok(())) => {
                            seen += 1;
                            continue;
                        }
                        // A leaf that failed: taken back, for the general
                        // path to raise with the note.
                        Some(Err(_)) => {}
                        // As the general path does: the key written, the
                        // value held.
                        None => {
                            let value = Some((Owned::from_borrowed(value), key_start..key_end));
                            return self.stop(At::Members {
                                pos,
                                seen: seen + 1,
                                size,
                                value,
                            });
                        }
                    }
                }
                // (What follows returns: `first` is not needed again.)
                self.out.truncate(mark);
            }
            if seen == 0 {
                self.out.truncate(start);
                return Probe::No;
            }
            return self.stop(At::Members {
                pos: before,
                seen,
                size,
                value: None,
            });
        }
        self.dict_close(level, first);
        Probe::Done
    }

    /// Where a probe stopped: kept in the walker, so that the values passed
    /// back through the loops stay small (returned in registers).
    fn stop(&mut self, at: At) -> Probe {
        self.stopped = Some(at);
        Probe::Stopped
    }

    /// Goes on with a container where [`Self::probe`] stopped, the outer
    /// lock released: what [`Self::container_or_other`] does for it, from
    /// there on.
    #[inline(never)]
    unsafe fn resume(&mut self, o: *mut ffi::PyObject, level: usize) -> R {
        // (Without probes, this is the general path, and the compiler
        // sees that the container loops have no other caller.)
        let Some(at) = self.stopped.take().filter(|_| PROBE) else {
            return self.container_or_other(o, level);
        };
        self.enter()?;
        let r = match self.check_circular(o) {
            Err(e) => Err(e),
            Ok(()) => match at {
                At::Items(i, None) => {
                    let is_list = ffi::Py_TYPE(o) == &raw mut ffi::PyList_Type;
                    self.list_items(o, is_list, level + 1, i)
                }
                At::Items(i, Some((item, _hold))) => {
                    let is_list = ffi::Py_TYPE(o) == &raw mut ffi::PyList_Type;
                    match self.container_or_other(item, level + 1) {
                        Err(e) => Err(self.seq_item_note(e, o, i)),
                        Ok(()) => self.list_items(o, is_list, level + 1, i + 1),
                    }
                }
                At::Members {
                    pos,
                    seen,
                    size,
                    value,
                } => self.dict_members(o, level + 1, pos, seen, size, value),
            },
        };
        self.leave();
        r
    }

    /// What goes before a dict member ([`Self::member_start`]), then its
    /// str key: the position where the key's text starts, or None if
    /// writing it failed (what was written is left for the caller to take
    /// back). A short plain key goes in one step with its separator.
    #[inline(always)]
    unsafe fn member_key(
        &mut self,
        key: *mut ffi::PyObject,
        level: usize,
        first: &mut bool,
    ) -> Option<usize> {
        if let Some((sep, n)) = self.item_sep {
            let n = if *first { 0 } else { n };
            self.out.reserve(8 + write::SHORT_STR_ROOM);
            let len = self.out.len();
            let dst = self.out.as_mut_ptr().add(len);
            // SAFETY (both writes): the room was reserved.
            std::ptr::write_unaligned(dst.cast::<[u8; 8]>(), sep);
            if let Some(k) = self.short_str_at(key, dst.add(n)) {
                self.out.set_len(len + n + k);
                *first = false;
                return Some(len + n);
            }
            *first = false;
            self.out.set_len(len + n);
            let start = len + n;
            return self.str(key).is_ok().then_some(start);
        }
        let (sep, n) = self.sep_for(level, *first);
        self.out.reserve(n + 16 + write::SHORT_STR_ROOM);
        // SAFETY: the room was reserved; `sep` has 16 readable bytes past
        // its end.
        let len = self.out.len();
        let dst = self.out.as_mut_ptr().add(len);
        write::copy_blocks(sep, n, dst);
        *first = false;
        let start = len + n;
        if let Some(k) = self.short_str_at(key, dst.add(n)) {
            self.out.set_len(start + k);
            return Some(start);
        }
        self.out.set_len(start);
        self.str(key).is_ok().then_some(start)
    }

    /// What goes before a dict member: a newline and indent for the first,
    /// the item separator (and newline) for the others.
    #[inline(always)]
    fn member_start(&mut self, level: usize, first: &mut bool) {
        if *first {
            *first = false;
            self.newline_indent(level);
        } else {
            self.item_separator(level);
        }
    }

    /// `encoder_encode_key_value`.
    unsafe fn key_value(
        &mut self,
        dct: *mut ffi::PyObject,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        level: usize,
        first: &mut bool,
    ) -> R {
        let py = self.py;
        // The key's text, before anything is written (a skipped key writes nothing).
        let mut scratch = Vec::new();
        let key_text: Option<Owned>;
        let is_str =
            ffi::Py_TYPE(key) == &raw mut ffi::PyUnicode_Type || ffi::PyUnicode_Check(key) != 0;
        if is_str {
            key_text = None;
        } else if ffi::PyFloat_Check(key) != 0 {
            let v = ffi::PyFloat_AsDouble(key);
            if v.is_finite() {
                write::write_f64(&mut scratch, v);
            } else {
                scratch.extend_from_slice(non_finite(self.cfg, v, || {
                    Ok(Bound::from_borrowed_ptr(py, key).repr()?.to_string())
                })?);
            }
            key_text = None;
        } else if key == ffi::Py_True() {
            scratch.extend_from_slice(b"true");
            key_text = None;
        } else if key == ffi::Py_False() {
            scratch.extend_from_slice(b"false");
            key_text = None;
        } else if key == ffi::Py_None() {
            scratch.extend_from_slice(b"null");
            key_text = None;
        } else if ffi::PyLong_Check(key) != 0 {
            key_text = Some(int_repr(py, key)?);
        } else if self.cfg.skipkeys {
            return Ok(());
        } else {
            return Err(Box::new(PyTypeError::new_err(format!(
                "keys must be str, int, float, bool or None, not {}",
                type_name(py, key, false)?
            ))));
        }
        self.member_start(level, first);
        if is_str {
            self.str(key)?;
        } else if let Some(t) = key_text {
            self.str(t.as_ptr())?;
        } else {
            // Float and constant texts are ASCII and need no escaping.
            self.out.push(b'"');
            self.out.extend_from_slice(&scratch);
            self.out.push(b'"');
        }
        self.cfg.key_separator.push(&mut self.out);
        if let Err(e) = self.obj(value, level) {
            if self.cfg.notes {
                add_note(py, &e, || {
                    let k = Bound::from_borrowed_ptr(py, key).repr()?;
                    Ok(format!(
                        "when serializing {} item {}",
                        type_name(py, dct, true)?,
                        k
                    ))
                });
            }
            return Err(e);
        }
        Ok(())
    }

    /// Anything else: `default(o)`, encoded in its place; with `numpy=True`
    /// an ndarray or NumPy scalar first (as its `tolist()` / `item()`).
    unsafe fn other(&mut self, o: *mut ffi::PyObject, level: usize) -> R {
        self.check_circular(o)?;
        self.before_python_code()?;
        let (newobj, note) = match self.numpy(o, level)? {
            Numpy::Written => {
                self.pop_circular();
                return Ok(());
            }
            // Written as json.dumps(o.tolist()) writes it: no note of its own.
            Numpy::Convert(newobj) => (newobj, false),
            Numpy::No => (
                call1(self.py, self.cfg.default.as_ptr(), Owned::from_borrowed(o))?,
                self.cfg.notes,
            ),
        };
        self.enter()?;
        let r = self.obj(newobj.as_ptr(), level);
        self.leave();
        if let Err(e) = r {
            if note {
                add_note(self.py, &e, || {
                    Ok(format!(
                        "when serializing {} object",
                        type_name(self.py, o, true)?
                    ))
                });
            }
            return Err(e);
        }
        self.pop_circular();
        Ok(())
    }

    /// `numpy=True`: an exact ndarray of bool, int, uint, float16/32/64 is
    /// written from its buffer; other ndarrays become `o.tolist()`, NumPy
    /// scalars `o.item()` (the Python objects `tolist()` would give).
    unsafe fn numpy(&mut self, o: *mut ffi::PyObject, level: usize) -> Result<Numpy, Box<PyErr>> {
        let Some((ndarray, generic)) = &self.cfg.numpy else {
            return Ok(Numpy::No);
        };
        let py = self.py;
        let bound = Bound::from_borrowed_ptr(py, o);
        let method = if ffi::Py_TYPE(o).cast::<ffi::PyObject>() == ndarray.as_ptr() {
            if self.ndarray(&bound, level)? {
                return Ok(Numpy::Written);
            }
            intern!(py, "tolist")
        } else if bound.is_instance(ndarray.bind(py))? {
            // Subclasses (masked arrays, matrices) decide what their values are.
            intern!(py, "tolist")
        } else if bound.is_instance(generic.bind(py))? {
            let item = bound.call_method0(intern!(py, "item"))?;
            // A long double's item() is itself: no Python equivalent, so
            // `default` decides, as for json.dumps(arr.tolist()).
            if item.is_instance(generic.bind(py))? {
                return Ok(Numpy::No);
            }
            return Ok(Numpy::Convert(Owned::from_new(py, item.into_ptr())?));
        } else {
            return Ok(Numpy::No);
        };
        let newobj = bound.call_method0(method)?;
        Ok(Numpy::Convert(Owned::from_new(py, newobj.into_ptr())?))
    }

    /// Writes an ndarray whose buffer has a supported element type; false
    /// (nothing written) otherwise.
    unsafe fn ndarray(
        &mut self,
        array: &Bound<'_, PyAny>,
        level: usize,
    ) -> Result<bool, Box<PyErr>> {
        let Ok(export) = Export::new(array, ffi::PyBUF_RECORDS_RO) else {
            return Ok(false); // e.g. datetime64, which NumPy does not export
        };
        let view = export.view();
        let format = if view.format.is_null() {
            &b"B"[..]
        } else {
            std::ffi::CStr::from_ptr(view.format).to_bytes()
        };
        let Some(elem) = Elem::from_buffer_format(format, view.itemsize as usize) else {
            return Ok(false);
        };
        let ndim = view.ndim as usize;
        if ndim == 0 {
            // A 0-d array is its one value (tolist() gives a scalar).
            self.elements(elem, view.buf.cast::<u8>(), 1, 0, 0, false)?;
            return Ok(true);
        }
        let shape = std::slice::from_raw_parts(view.shape, ndim);
        let strides = if view.strides.is_null() {
            return Ok(false);
        } else {
            std::slice::from_raw_parts(view.strides, ndim)
        };
        self.array_dim(view.buf.cast::<u8>(), shape, strides, elem, level)?;
        Ok(true)
    }

    /// One dimension of an array, laid out as a list of lists.
    unsafe fn array_dim(
        &mut self,
        ptr: *const u8,
        shape: &[ffi::Py_ssize_t],
        strides: &[ffi::Py_ssize_t],
        elem: Elem,
        level: usize,
    ) -> R {
        let n = shape[0];
        if n == 0 {
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.out.push(b'[');
        let level = level + 1;
        self.newline_indent(level);
        if shape.len() == 1 {
            self.elements(elem, ptr, n as usize, strides[0], level, true)?;
        } else {
            for i in 0..n {
                if i > 0 {
                    self.item_separator(level);
                }
                let p = ptr.offset(i * strides[0]);
                if let Err(e) = self.array_dim(p, &shape[1..], &strides[1..], elem, level) {
                    self.list_item_note(&e, i as usize);
                    return Err(e);
                }
            }
        }
        self.newline_indent(level - 1);
        self.out.push(b']');
        Ok(())
    }

    /// `n` elements: the items of a list at indentation `level`, or
    /// (`in_list` false) the one value of a 0-d array.
    unsafe fn elements(
        &mut self,
        elem: Elem,
        ptr: *const u8,
        n: usize,
        stride: isize,
        level: usize,
        in_list: bool,
    ) -> R {
        // Made once per level, not per row.
        let sep = match self.row_sep.take() {
            Some((l, sep)) if l == level => sep,
            _ => {
                let mut sep = self.cfg.item_separator.as_bytes().to_vec();
                if let Some(indent) = &self.cfg.indent {
                    sep.push(b'\n');
                    for _ in 0..level {
                        sep.extend_from_slice(indent);
                    }
                }
                sep
            }
        };
        let r = elem.write_row(&mut self.out, ptr, n, stride, &sep, self.cfg.allow_nan);
        self.row_sep = Some((level, sep));
        if let Err((i, v)) = r {
            let py = self.py;
            let e = match non_finite(self.cfg, v, || Ok(PyFloat::new(py, v).repr()?.to_string())) {
                Err(e) => e,
                Ok(_) => unreachable!("write_row stops only when NaN is not allowed"),
            };
            if in_list {
                self.list_item_note(&e, i);
            }
            return Err(Box::new(e));
        }
        Ok(())
    }

    fn list_item_note(&self, e: &PyErr, i: usize) {
        if self.cfg.notes {
            add_note(self.py, e, || Ok(format!("when serializing list item {i}")));
        }
    }
}

#[cold]
#[inline(never)]
fn circular() -> Box<PyErr> {
    Box::new(PyValueError::new_err("Circular reference detected"))
}

/// A dict member left to encode after the dict's critical section is
/// released.
enum Pending {
    /// Key and value, held.
    Member(Owned, Owned),
    /// The value, held; its str key is already written, at this range of the
    /// output; true: [`Walker::probe`] stopped in it ([`Walker::stopped`]).
    Value(Owned, std::ops::Range<usize>, bool),
    /// Nothing: the lock is released and taken again, so that other threads
    /// get it ([`PROBED_PER_HOLD`]).
    Yield,
}

/// What a list's run of items under its lock ends with.
enum Next {
    /// The end of the list.
    Done,
    /// An item that is encoded with the list's lock released, held (lists)
    /// or borrowed from the tuple.
    Item(*mut ffi::PyObject, Option<Owned>),
    /// The same, [`Walker::probe`] having stopped in it
    /// ([`Walker::stopped`]).
    Resume(*mut ffi::PyObject, Option<Owned>),
    /// Nothing: the lock is released and taken again ([`PROBED_PER_HOLD`]).
    Yield,
}

/// What [`Walker::probe`] did with a container item.
enum Probe {
    /// Nothing written: not an exact list, tuple or dict made by this thread
    /// (or sort_keys, a RecursionError, a first item that fails, a dict's
    /// first member without a str key that needs no lock).
    No,
    /// Written whole.
    Done,
    /// Written up to [`Walker::stopped`]; [`Walker::resume`] goes on.
    Stopped,
}

/// Where a probed container's walk stands.
enum At {
    /// A list or tuple at item `i`: `[` and the items before written; or
    /// with item `i` read (held if from a list), its separator written.
    Items(ffi::Py_ssize_t, Option<(*mut ffi::PyObject, Option<Owned>)>),
    /// A dict at `PyDict_Next` position `pos`, its first `seen` of `size`
    /// members (read when it was entered) written after `{`; the last of
    /// them may be only its key, the value held here.
    Members {
        pos: ffi::Py_ssize_t,
        seen: ffi::Py_ssize_t,
        size: ffi::Py_ssize_t,
        value: Option<(Owned, std::ops::Range<usize>)>,
    },
}

/// How many containers a list or dict writes whole by [`Walker::probe`]
/// under one hold of its lock before releasing it and taking it again.
/// Without a bound, a thread walking a long list of small records would
/// keep the list's lock for the whole list, and threads encoding the same
/// object would take turns instead of running together.
const PROBED_PER_HOLD: u32 = 16;

/// Whether [`Walker::probe`] is made: on free-threaded version-specific
/// builds, where it saves lock round trips, and there only for containers
/// the encoding thread made ([`owner`]).
///
/// With the GIL there are none to save, and the calls it adds cost more
/// than it saved: citm_catalog.json 9% and twitter.json 4% more time
/// (canada.json, all `[x, y]` lists, 7% less).
///
/// Objects another thread made are the ones threads share (a cache built at
/// start-up, encoded by every worker). There, keeping a list's lock through
/// its small items made the other threads wait for it: 2 threads encoding
/// one shared citm_catalog.json got 1.72-1.74 times one thread's work done,
/// against 1.97-1.99 without probing (the same work done per second with 2
/// threads: one thread was faster).
const PROBE: bool = cfg!(all(Py_GIL_DISABLED, not(Py_LIMITED_API)));

/// The owner thread of `o` ([`crate::pyobj::owner`]); 0 where unknown.
#[inline(always)]
unsafe fn owner(o: *mut ffi::PyObject) -> usize {
    #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
    {
        crate::pyobj::owner::of(o)
    }
    #[cfg(not(all(Py_GIL_DISABLED, not(Py_LIMITED_API))))]
    {
        let _ = o;
        0
    }
}

/// How many items [`Walker::probe`] writes of one container.
const PROBE_ITEMS: ffi::Py_ssize_t = 32;

fn changed_size() -> Box<PyErr> {
    Box::new(pyo3::exceptions::PyRuntimeError::new_err(
        "dictionary changed size during iteration",
    ))
}

/// `repr(key)` of a str key from the JSON text the encoder wrote for it (for
/// an error note, once the key itself may be gone).
fn key_repr_from_json(py: Python<'_>, text: &[u8]) -> PyResult<String> {
    // SAFETY: a byte slice; the handler name is NUL-terminated. Keys with lone
    // surrogates written raw are generalised UTF-8.
    let s = Owned::from_new(py, unsafe {
        ffi::PyUnicode_DecodeUTF8(
            text.as_ptr().cast(),
            text.len() as ffi::Py_ssize_t,
            c"surrogatepass".as_ptr(),
        )
    })?;
    let key = py.import("json")?.call_method1("loads", (s.into_py(py),))?;
    Ok(key.repr()?.to_string())
}

/// What `numpy=True` makes of an object.
enum Numpy {
    /// Not a NumPy object (or numpy=False): `default` gets it.
    No,
    /// An ndarray, written.
    Written,
    /// Encode this instead (`tolist()` / `item()`).
    Convert(Owned),
}

/// A dict member with an exact str key, held, and the key's UTF-8 form.
struct StrMember {
    key: Owned,
    value: Owned,
    /// Valid as long as the key, which is held.
    text: KeyText,
}

/// A str key's UTF-8 form, for sort_keys: where it is, and its first 8
/// bytes, big-endian, zero-padded, which decide most comparisons alone.
#[derive(Clone, Copy)]
struct KeyText {
    utf8: *const u8,
    len: usize,
    prefix: u64,
}

impl KeyText {
    const EMPTY: KeyText = KeyText {
        utf8: std::ptr::null(),
        len: 0,
        prefix: 0,
    };

    /// # Safety
    /// `p` is valid for reads of `len` bytes for as long as this is used.
    #[inline(always)]
    unsafe fn new(p: *const u8, len: usize) -> Self {
        let prefix = if len >= 8 {
            u64::from_be_bytes(std::ptr::read_unaligned(p.cast::<[u8; 8]>()))
        } else {
            // (A loop, not a copy of `len` bytes: that is a memcpy call.)
            (0..len).fold(0, |h, i| h | u64::from(*p.add(i)) << (56 - 8 * i))
        };
        KeyText {
            utf8: p,
            len,
            prefix,
        }
    }

    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `new`'s contract.
        unsafe { std::slice::from_raw_parts(self.utf8, self.len) }
    }

    /// UTF-8 byte order, which is code point order: the order of
    /// `sorted(d.items())` for str keys (distinct keys never tie, so values
    /// are never compared). Zero-padded prefixes that differ are ordered
    /// as the texts are: where one text ends, the other goes on with a
    /// byte that is not greater.
    #[inline(always)]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| self.bytes().cmp(other.bytes()))
    }
}

/// Pushes onto `members` the members of an exact dict, held, with their
/// keys' UTF-8 forms; false (some pushed) if a key is not an exact str
/// with one (lone surrogates: the general path sorts by code point).
unsafe fn push_str_keyed_members(
    py: Python<'_>,
    layout: Layout,
    dct: *mut ffi::PyObject,
    members: &mut Vec<StrMember>,
) -> bool {
    let base = members.len();
    members.reserve(layout.dict_len(dct).max(0) as usize);
    // Taken under the dict's critical section, with nothing inside that can
    // suspend it; the UTF-8 forms are read after.
    let bound = pyo3::Borrowed::from_ptr(py, dct);
    let all_str = with_critical_section(&bound, || {
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        while layout.dict_next(dct, &mut pos, &mut key, &mut value) {
            if ffi::Py_TYPE(key) != &raw mut ffi::PyUnicode_Type {
                return false;
            }
            members.push(StrMember {
                key: Owned::from_borrowed(key),
                value: Owned::from_borrowed(value),
                text: KeyText::EMPTY,
            });
        }
        true
    });
    if !all_str {
        return false;
    }
    for m in &mut members[base..] {
        let (p, len) = match layout.str_ascii(m.key.as_ptr()) {
            Some(text) => text,
            None => {
                let mut len: ffi::Py_ssize_t = 0;
                let p = ffi::PyUnicode_AsUTF8AndSize(m.key.as_ptr(), &mut len);
                if p.is_null() {
                    ffi::PyErr_Clear();
                    return false;
                }
                (p.cast::<u8>(), len as usize)
            }
        };
        m.text = KeyText::new(p, len);
    }
    true
}

/// An exact str, int, float, bool or None: encoding it runs no Python code
/// and cannot suspend the critical section of the container it was read
/// from (locked on free-threaded builds, unchanging with the GIL), which
/// therefore keeps it alive: a borrowed reference is enough.
#[inline(always)]
unsafe fn is_leaf(layout: Layout, o: *mut ffi::PyObject, ascii_out: bool) -> bool {
    let tp = ffi::Py_TYPE(o);
    (tp == &raw mut ffi::PyUnicode_Type && !str_needs_hold(o, ascii_out))
        || tp == &raw mut ffi::PyLong_Type
        || tp == &raw mut ffi::PyFloat_Type
        || o == ffi::Py_None()
        || tp == &raw mut ffi::PyBool_Type
        || empty_container(layout, o).is_some()
}

/// `[]` or `{}` for an empty exact list, tuple or dict. Writing one runs no
/// Python code, so it needs neither a hold nor the container's own lock
/// (on free-threaded builds the size is one atomic read: a snapshot).
#[inline(always)]
unsafe fn empty_container(layout: Layout, o: *mut ffi::PyObject) -> Option<&'static [u8; 2]> {
    let tp = ffi::Py_TYPE(o);
    if tp == &raw mut ffi::PyList_Type {
        (list_len_relaxed(o) == 0).then_some(b"[]")
    } else if tp == &raw mut ffi::PyTuple_Type {
        (ffi::PyTuple_Size(o) == 0).then_some(b"[]")
    } else if tp == &raw mut ffi::PyDict_Type {
        (layout.dict_len(o) == 0).then_some(b"{}")
    } else {
        None
    }
}

/// The length of a list that may be changing (free-threaded builds: a
/// relaxed atomic read, as `PyList_GET_SIZE` does there).
#[inline(always)]
unsafe fn list_len_relaxed(o: *mut ffi::PyObject) -> ffi::Py_ssize_t {
    #[cfg(not(any(Py_GIL_DISABLED, all(Py_LIMITED_API, Py_3_15))))]
    {
        ffi::Py_SIZE(o)
    }
    #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
    {
        let size = std::ptr::addr_of_mut!((*o.cast::<ffi::PyVarObject>()).ob_size);
        std::sync::atomic::AtomicIsize::from_ptr(size).load(std::sync::atomic::Ordering::Relaxed)
    }
    #[cfg(all(Py_LIMITED_API, Py_3_15))]
    {
        ffi::PyList_Size(o)
    }
}

/// Free-threaded builds: reading a str's UTF-8 may lock the str (to fill its
/// UTF-8 cache), and waiting for that lock suspends the container's critical
/// section, so another thread could drop the str meanwhile: such strs are
/// held. Compact ASCII strs and strs whose cache is filled take no lock
/// (`pyobj::str_state`), nor, with `ensure_ascii` (`ascii_out`), any compact
/// str, escaped from its own code units; the stable ABI cannot tell, so
/// abi3t holds them all.
#[inline(always)]
unsafe fn str_needs_hold(_o: *mut ffi::PyObject, _ascii_out: bool) -> bool {
    #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
    {
        use crate::pyobj::str_state;
        !(str_state::utf8_ready(_o) || (_ascii_out && str_state::units_in_place(_o).is_some()))
    }
    #[cfg(not(all(Py_GIL_DISABLED, not(Py_LIMITED_API))))]
    {
        cfg!(Py_GIL_DISABLED)
    }
}

/// The length of a list or tuple. Lists are read inside their critical
/// section, so the plain field read is enough where the ABI exposes it.
#[inline(always)]
unsafe fn seq_len(seq: *mut ffi::PyObject, is_list: bool) -> ffi::Py_ssize_t {
    #[cfg(not(all(Py_LIMITED_API, Py_3_15)))]
    {
        let _ = is_list;
        ffi::Py_SIZE(seq)
    }
    #[cfg(all(Py_LIMITED_API, Py_3_15))]
    {
        if is_list {
            ffi::PyList_Size(seq)
        } else {
            ffi::PyTuple_Size(seq)
        }
    }
}

/// Item `i` of a list, as a strong reference (IndexError if the list shrank
/// below `i` since its length was read).
#[inline]
unsafe fn list_item(
    py: Python<'_>,
    list: *mut ffi::PyObject,
    i: ffi::Py_ssize_t,
) -> PyResult<Owned> {
    #[cfg(Py_GIL_DISABLED)]
    {
        Owned::from_new(py, ffi::PyList_GetItemRef(list, i))
    }
    #[cfg(not(Py_GIL_DISABLED))]
    {
        let item = ffi::PyList_GetItem(list, i);
        if item.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Owned::from_borrowed(item))
    }
}

/// The text of a non-finite float, or the stdlib's ValueError (with the
/// float's `repr`, from `repr`).
fn non_finite(
    cfg: &Encoder,
    v: f64,
    repr: impl FnOnce() -> PyResult<String>,
) -> PyResult<&'static [u8]> {
    if !cfg.allow_nan {
        return Err(PyValueError::new_err(format!(
            "Out of range float values are not JSON compliant: {}",
            repr()?
        )));
    }
    Ok(if v > 0.0 {
        b"Infinity"
    } else if v < 0.0 {
        b"-Infinity"
    } else {
        b"NaN"
    })
}

/// `int.__repr__(o)`: the int text even for subclasses that override
/// `__repr__`, with int's own digit-limit ValueError.
unsafe fn int_repr(py: Python<'_>, o: *mut ffi::PyObject) -> PyResult<Owned> {
    let slot = ffi::PyType_GetSlot(&raw mut ffi::PyLong_Type, ffi::Py_tp_repr);
    if slot.is_null() {
        return Owned::from_new(py, ffi::PyObject_Repr(o));
    }
    let repr: ffi::reprfunc = std::mem::transmute::<*mut std::ffi::c_void, ffi::reprfunc>(slot);
    Owned::from_new(py, repr(o))
}

/// Appends a note to an exception (3.14's `_PyErr_FormatNote`); a failure
/// to build the note leaves the exception as it is.
fn add_note(py: Python<'_>, e: &PyErr, note: impl FnOnce() -> PyResult<String>) {
    if let Ok(text) = note() {
        let _ = e.value(py).call_method1("add_note", (text,));
    }
}

/// The name C code prints for a type: `%T` (fully qualified: `tp_name` for
/// static types, `module.qualname` for others unless builtins/__main__) or
/// `%s` of `tp_name`.
unsafe fn type_name(py: Python<'_>, o: *mut ffi::PyObject, qualified: bool) -> PyResult<String> {
    let tp = ffi::Py_TYPE(o);
    let t = Bound::from_borrowed_ptr(py, tp as *mut ffi::PyObject);
    let heap = ffi::PyType_GetFlags(tp) & ffi::Py_TPFLAGS_HEAPTYPE != 0;
    if !heap {
        #[cfg(not(Py_LIMITED_API))]
        {
            return Ok(std::ffi::CStr::from_ptr((*tp).tp_name)
                .to_string_lossy()
                .into_owned());
        }
        #[cfg(Py_LIMITED_API)]
        {
            // A static type's tp_name is "module.name" ("name" for builtins).
            let module: String = t.getattr("__module__")?.extract()?;
            let name: String = t.getattr("__name__")?.extract()?;
            return Ok(if module == "builtins" {
                name
            } else {
                format!("{module}.{name}")
            });
        }
    }
    if !qualified {
        return t.getattr("__name__")?.extract();
    }
    let qualname: String = t.getattr("__qualname__")?.extract()?;
    match t.getattr("__module__")?.extract::<String>() {
        Ok(m) if m != "builtins" && m != "__main__" => Ok(format!("{m}.{qualname}")),
        _ => Ok(qualname),
    }
}
