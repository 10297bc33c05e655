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
        incref(p);
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
        unsafe { decref(self.0.as_ptr()) }
    }
}

/// `Py_INCREF`. The limited API of 3.11 (the abi3 wheel) has no inline
/// reference counting in PyO3, only a call to `_Py_IncRef`; CPython's own
/// headers for that limited API increment `ob_refcnt` in place, and CPython
/// keeps that working on later versions (PEP 683: immortal objects' counts
/// are far from zero). Here, as in CPython's own inline functions from
/// 3.12 on, an immortal object's count is left alone: a reference CPython
/// took without counting it (None in a dict copy) may be released here,
/// and a decrement of an immortal count with no increment before it would
/// drift towards zero. The free-threaded builds keep PyO3's (atomic)
/// version.
///
/// # Safety
/// `p` is a live object; attached to the interpreter.
#[inline(always)]
pub unsafe fn incref(p: *mut ffi::PyObject) {
    #[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED)))]
    {
        if !immortal(p) {
            (*p).ob_refcnt += 1;
        }
    }
    #[cfg(not(all(Py_LIMITED_API, not(Py_GIL_DISABLED))))]
    {
        ffi::Py_INCREF(p);
    }
}

/// `Py_DECREF`, in place for the abi3 wheel as [`incref`] explains.
///
/// # Safety
/// `p` is a live object whose reference the caller owns; attached.
#[inline(always)]
pub unsafe fn decref(p: *mut ffi::PyObject) {
    #[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED)))]
    {
        if immortal(p) {
            return;
        }
        // The last reference goes through the interpreter, which frees.
        if (*p).ob_refcnt == 1 {
            ffi::Py_DecRef(p);
        } else {
            (*p).ob_refcnt -= 1;
        }
    }
    #[cfg(not(all(Py_LIMITED_API, not(Py_GIL_DISABLED))))]
    {
        ffi::Py_DECREF(p);
    }
}

/// `_Py_IsImmortal` of 64-bit GIL builds of 3.12 to 3.14: the low 32 bits
/// of the count, read as signed, below zero. (3.11 has no immortal
/// objects, and no count reaches 2**31.)
#[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED)))]
#[inline(always)]
unsafe fn immortal(p: *mut ffi::PyObject) -> bool {
    cfg!(target_pointer_width = "64") && ((*p).ob_refcnt as u32 as i32) < 0
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
            new_non_ascii(bytes)
        }
    };
    Owned::from_new(py, p)
}

/// A new str from ASCII bytes.
#[inline]
unsafe fn new_ascii(bytes: &[u8]) -> *mut ffi::PyObject {
    // Straight into the compact ASCII representation, no decoding pass.
    if let Some((s, data)) = str_new::alloc(bytes.len(), 127) {
        if !s.is_null() {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
        }
        return s;
    }
    ffi::PyUnicode_FromStringAndSize(
        bytes.as_ptr() as *const c_char,
        bytes.len() as ffi::Py_ssize_t,
    )
}

/// A new str from valid UTF-8 holding non-ASCII text.
///
/// Where strs can be created at their final kind ([`str_new`]), the kind
/// (Latin-1, UCS-2 or UCS-4) is decided from the lead bytes and simdutf
/// transcodes straight into the new str: CPython's own UTF-8 decoder runs
/// at about 0.65 GB/s on twitter.json's Japanese strings. Short strings keep
/// CPython's decoder (the extra passes cost more than they save there).
#[inline]
unsafe fn new_non_ascii(bytes: &[u8]) -> *mut ffi::PyObject {
    if bytes.len() >= TRANSCODE_MIN && str_new::available() {
        return transcode_utf8(bytes);
    }
    ffi::PyUnicode_FromStringAndSize(
        bytes.as_ptr() as *const c_char,
        bytes.len() as ffi::Py_ssize_t,
    )
}

const TRANSCODE_MIN: usize = 32;

#[inline(never)]
unsafe fn transcode_utf8(bytes: &[u8]) -> *mut ffi::PyObject {
    // The widest character decides the kind: a 4-byte sequence (F0..F4)
    // is astral; a 3-byte one (E0..EF) or a 2-byte one led by C4..DF is
    // above U+00FF; otherwise (leads C2, C3 only) all fit in Latin-1. Text
    // with no byte above 7F is ASCII: CPython's strs always take the
    // narrowest kind, and only ASCII strs are flagged so (`str.isascii`).
    let (max, wide2) = bytes.iter().fold((0u8, false), |(m, w), &b| {
        (m.max(b), w | (b.wrapping_sub(0xC4) < 0x1C))
    });
    if max < 0x80 {
        return new_ascii(bytes);
    }
    let maxchar: u32 = if max >= 0xF0 {
        0x10FFFF
    } else if max >= 0xE0 || wide2 {
        0xFFFF
    } else {
        0xFF
    };
    let chars = simdutf::count_utf8(bytes);
    let Some((s, data)) = str_new::alloc(chars, maxchar) else {
        return ffi::PyUnicode_FromStringAndSize(
            bytes.as_ptr() as *const c_char,
            bytes.len() as ffi::Py_ssize_t,
        );
    };
    if s.is_null() {
        return s;
    }
    let (src, len) = (bytes.as_ptr(), bytes.len());
    // SAFETY: `bytes` is valid UTF-8 of `chars` characters, each fitting
    // the kind chosen; the str has room for exactly `chars` of that kind.
    let written = match maxchar {
        0xFF => simdutf::convert_valid_utf8_to_latin1(src, len, data),
        0xFFFF => simdutf::convert_valid_utf8_to_utf16(src, len, data.cast::<u16>()),
        _ => simdutf::convert_valid_utf8_to_utf32(src, len, data.cast::<u32>()),
    };
    debug_assert_eq!(written, chars);
    s
}

/// `_PyDict_FromItems`: a new dict of the `n` members at `items` (key,
/// value, key, value, ...; references are taken, not stolen), made at its
/// final size, so filling it never resizes (and rebuilds) its table; or
/// None where that function is not available. Not in any public API, but
/// exported by CPython 3.12–3.14 (`Include/internal/pycore_dict.h`, used
/// by the `BUILD_MAP` opcode); it is looked up once, at import
/// ([`dict_from_items::init`]).
///
/// Unlike `_PyDict_NewPresized`, it gives a dict whose keys are all exact
/// strs CPython's str-keys table, as a dict filled from empty gets: the
/// same size and the same lookups as the stdlib decoder's dicts.
///
/// # Safety
/// Attached to the interpreter; `items` holds `2 * n` live references.
/// Returns a new reference, or NULL with an exception set.
#[inline]
pub unsafe fn dict_from_items(
    items: *const *mut ffi::PyObject,
    n: usize,
) -> Option<*mut ffi::PyObject> {
    // Below 6 members a new dict's first table already has room.
    match dict_from_items::get() {
        Some(from_items) if n > 5 => Some(from_items(
            items.cast(),
            2,
            items.add(1).cast(),
            2,
            n as ffi::Py_ssize_t,
        )),
        _ => None,
    }
}

pub mod dict_from_items {
    use pyo3::ffi;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type FromItemsFn = unsafe extern "C" fn(
        *const *mut ffi::PyObject,
        ffi::Py_ssize_t,
        *const *mut ffi::PyObject,
        ffi::Py_ssize_t,
        ffi::Py_ssize_t,
    ) -> *mut ffi::PyObject;

    /// The function once verified (0: not available).
    static FROM_ITEMS: AtomicUsize = AtomicUsize::new(0);

    #[inline(always)]
    pub(super) fn get() -> Option<FromItemsFn> {
        match FROM_ITEMS.load(Ordering::Relaxed) {
            0 => None,
            // SAFETY: only ever set to `_PyDict_FromItems` by `init`.
            f => Some(unsafe { std::mem::transmute::<usize, FromItemsFn>(f) }),
        }
    }

    /// Whether dicts are made at their final size.
    pub fn available() -> bool {
        get().is_some()
    }

    /// Finds `_PyDict_FromItems` in the running interpreter on 3.12–3.14
    /// and checks that it makes the dict of the members it is given.
    pub fn init(py: pyo3::Python<'_>) {
        #[cfg(unix)]
        // SAFETY: attached; the symbol has this signature in 3.12-3.14.
        unsafe {
            use pyo3::prelude::*;
            use pyo3::types::PyDict;
            let version = py.version_info();
            if !(version.major == 3 && (12..=14).contains(&version.minor)) {
                return;
            }
            let sym = libc::dlsym(libc::RTLD_DEFAULT, c"_PyDict_FromItems".as_ptr());
            if sym.is_null() {
                return;
            }
            let from_items = std::mem::transmute::<*mut libc::c_void, FromItemsFn>(sym);
            let mut members = Vec::new();
            for i in 0..40i64 {
                members.push(format!("k{}", i % 37).into_pyobject(py).unwrap().into_any());
                members.push(i.into_pyobject(py).unwrap().into_any());
            }
            let items: Vec<*mut ffi::PyObject> = members.iter().map(|o| o.as_ptr()).collect();
            let made = from_items(items.as_ptr(), 2, items.as_ptr().add(1), 2, 40);
            let Ok(d) = pyo3::Bound::from_owned_ptr_or_err(py, made) else {
                return;
            };
            let Ok(d) = d.cast_into::<PyDict>() else {
                return;
            };
            // 37 distinct keys, the last value of each repeated key kept.
            let expected = PyDict::new(py);
            for pair in members.chunks(2) {
                if expected.set_item(&pair[0], &pair[1]).is_err() {
                    return;
                }
            }
            if !d.is_exact_instance_of::<PyDict>()
                || d.len() != 37
                || !d.eq(&expected).unwrap_or(false)
                || d.keys().to_string() != expected.keys().to_string()
            {
                return;
            }
            FROM_ITEMS.store(sym as usize, Ordering::Relaxed);
        }
        let _ = py;
    }
}

/// Creating a str at its final size and kind (`PyUnicode_New`) and writing
/// its characters in place.
///
/// Version-specific builds use `PyUnicode_New` and `PyUnicode_DATA`. The
/// limited API has neither, and through it the abi3 wheel would decode
/// every str from UTF-8 (15% of `loads` of twitter.json). So on 64-bit
/// Unix the abi3 wheel looks up `PyUnicode_New` (exported by every CPython
/// 3) at import and takes the offset of a compact str's characters from
/// the running version (3.11: 48 and 72 bytes for ASCII and other strs;
/// 3.12 to 3.14: 40 and 56). It uses them only if they are verified first:
/// strs of each kind made by CPython from UTF-8 must hold their characters
/// at those offsets, and strs made this way must compare equal to them.
/// Elsewhere (Windows, another layout, the free-threaded stable ABI) strs
/// are decoded by CPython as before.
pub mod str_new {
    use pyo3::ffi;

    /// Whether [`alloc`] can succeed.
    #[inline(always)]
    pub fn available() -> bool {
        #[cfg(not(Py_LIMITED_API))]
        {
            true
        }
        #[cfg(Py_LIMITED_API)]
        {
            lookup::new_fn().is_some()
        }
    }

    /// A new compact str of `len` characters up to `maxchar` (127, 0xFF,
    /// 0xFFFF or 0x10FFFF) and where its characters go; None (nothing
    /// allocated) where strs cannot be made this way. A NULL str means a
    /// Python error is set.
    ///
    /// # Safety
    /// Attached to the interpreter; the caller writes all `len` characters
    /// before the str is used.
    #[inline(always)]
    pub unsafe fn alloc(len: usize, maxchar: u32) -> Option<(*mut ffi::PyObject, *mut u8)> {
        #[cfg(not(Py_LIMITED_API))]
        let (s, data) = {
            let s = ffi::PyUnicode_New(len as ffi::Py_ssize_t, maxchar);
            (s, |s| ffi::PyUnicode_DATA(s).cast::<u8>())
        };
        #[cfg(Py_LIMITED_API)]
        let (s, data) = {
            let new = lookup::new_fn()?;
            let s = new(len as ffi::Py_ssize_t, maxchar);
            (s, |s: *mut ffi::PyObject| {
                s.cast::<u8>().add(lookup::offset(maxchar > 127))
            })
        };
        if s.is_null() {
            return Some((s, std::ptr::null_mut()));
        }
        Some((s, data(s)))
    }

    /// Where the characters of `s`, a compact ASCII str made by [`alloc`]
    /// (and maybe resized since), are.
    ///
    /// # Safety
    /// [`available`] is true and `s` is such a str.
    #[inline(always)]
    pub unsafe fn ascii_data(s: *mut ffi::PyObject) -> *mut u8 {
        #[cfg(not(Py_LIMITED_API))]
        {
            ffi::PyUnicode_DATA(s).cast::<u8>()
        }
        #[cfg(Py_LIMITED_API)]
        {
            s.cast::<u8>().add(lookup::offset(false))
        }
    }

    /// Finds and verifies `PyUnicode_New` and the offsets (once, at import;
    /// the abi3 wheel only).
    pub fn init(py: pyo3::Python<'_>) {
        #[cfg(Py_LIMITED_API)]
        lookup::init(py);
        let _ = py;
    }

    /// The abi3 wheel's `PyUnicode_New` and str layout, found at import.
    #[cfg(Py_LIMITED_API)]
    mod lookup {
        use pyo3::ffi;
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub type NewFn = unsafe extern "C" fn(ffi::Py_ssize_t, u32) -> *mut ffi::PyObject;

        /// `PyUnicode_New` once verified (0: not available), and the
        /// characters' offsets in compact ASCII and compact other strs.
        static NEW: AtomicUsize = AtomicUsize::new(0);
        static OFFSETS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

        #[inline(always)]
        pub fn new_fn() -> Option<NewFn> {
            match NEW.load(Ordering::Relaxed) {
                0 => None,
                // SAFETY: only ever set to PyUnicode_New by `init`.
                f => Some(unsafe { std::mem::transmute::<usize, NewFn>(f) }),
            }
        }

        #[inline(always)]
        pub fn offset(non_ascii: bool) -> usize {
            OFFSETS[usize::from(non_ascii)].load(Ordering::Relaxed)
        }

        /// The layouts of 3.11-3.14 with the GIL on 64-bit Unix; nothing
        /// elsewhere (Windows' python3.dll does not export PyUnicode_New,
        /// the free-threaded stable ABI hides the layout).
        pub fn init(py: pyo3::Python<'_>) {
            #[cfg(all(not(Py_GIL_DISABLED), unix, target_pointer_width = "64"))]
            // SAFETY: attached; every read is inside a str of 64 characters
            // (past the largest offset tried), every write inside a new one.
            unsafe {
                verify(py);
            }
            let _ = py;
        }

        #[cfg(all(not(Py_GIL_DISABLED), unix, target_pointer_width = "64"))]
        unsafe fn verify(py: pyo3::Python<'_>) {
            use pyo3::types::{PyAnyMethods, PyString};
            let sym = libc::dlsym(libc::RTLD_DEFAULT, c"PyUnicode_New".as_ptr());
            if sym.is_null() {
                return;
            }
            let new = std::mem::transmute::<*mut libc::c_void, NewFn>(sym);
            let version = py.version_info();
            let (ascii, compact) = match (version.major, version.minor) {
                (3, 11) => (48, 72),
                (3, 12..=14) => (40, 56),
                _ => return,
            };
            // 64 characters of each kind, distinct within each str.
            let kinds: [(u32, u32, usize, usize); 4] = [
                (b'!' as u32, 127, 1, ascii),
                (0xA0, 0xFF, 1, compact),
                (0x3B1, 0xFFFF, 2, compact),
                (0x1F600, 0x10FFFF, 4, compact),
            ];
            for (first, maxchar, width, offset) in kinds {
                let chars: Vec<u32> = (first..first + 64).collect();
                let text: String = chars.iter().map(|&c| char::from_u32(c).unwrap()).collect();
                let reference = PyString::new(py, &text);
                let mut units = Vec::with_capacity(64 * width);
                for &c in &chars {
                    units.extend_from_slice(&c.to_ne_bytes()[..width]);
                }
                let at = |s: *mut ffi::PyObject| s.cast::<u8>().add(offset);
                if std::slice::from_raw_parts(at(reference.as_ptr()), units.len()) != units {
                    return;
                }
                let made = new(64, maxchar);
                if made.is_null() {
                    ffi::PyErr_Clear();
                    return;
                }
                std::ptr::copy_nonoverlapping(units.as_ptr(), at(made), units.len());
                let made = pyo3::Bound::from_owned_ptr(py, made);
                if !made.eq(&reference).unwrap_or(false) {
                    return;
                }
            }
            OFFSETS[0].store(ascii, Ordering::Relaxed);
            OFFSETS[1].store(compact, Ordering::Relaxed);
            NEW.store(sym as usize, Ordering::Relaxed);
        }
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

/// Free-threaded builds: can reading a str's UTF-8 lock the str?
///
/// `PyUnicode_AsUTF8AndSize` locks a str (a critical section) only to fill
/// its UTF-8 cache: never for a compact ASCII str, whose data is its UTF-8,
/// nor once the cache is filled (it then lives as long as the str). The
/// encoder must hold a str that may lock, because waiting for that lock
/// suspends the critical section of the container it was read from.
///
/// PyO3 does not read 3.14's str state bits, so this reads them from the
/// layout of the headers it was built with (`unsigned char interned`, then
/// `kind:3, compact:1, ascii:1` in the next byte). [`init_str_state`] checks
/// that layout on known strs at import; if it does not match (another
/// compiler's bit-field layout, another version), every str is held.
#[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
pub mod str_state {
    use pyo3::ffi;
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

    static LAYOUT_KNOWN: AtomicBool = AtomicBool::new(false);
    static ASCII_DATA_KNOWN: AtomicBool = AtomicBool::new(false);
    static UNITS_KNOWN: AtomicBool = AtomicBool::new(false);

    const KIND_MASK: u8 = 0b0000_0111;
    const COMPACT: u8 = 0b0000_1000;
    const ASCII: u8 = 0b0001_0000;

    /// The byte of `state` after `interned`. Written only when the str is
    /// created (`interned`, the byte before, is the one that changes).
    #[inline(always)]
    unsafe fn flags(o: *mut ffi::PyObject) -> u8 {
        // (Big-endian bit-field layouts differ: `init` then finds it unknown.)
        let state = std::ptr::addr_of!((*o.cast::<ffi::PyASCIIObject>()).state).cast::<u8>();
        *state.add(1)
    }

    /// # Safety
    /// `o` must be an exact str.
    #[inline(always)]
    pub unsafe fn utf8_ready(o: *mut ffi::PyObject) -> bool {
        if !LAYOUT_KNOWN.load(Ordering::Relaxed) {
            return false;
        }
        let f = flags(o);
        if f & (COMPACT | ASCII) == COMPACT | ASCII {
            return true;
        }
        // Exact strs are compact; the cache pointer is published with release.
        f & COMPACT != 0 && {
            let utf8 = std::ptr::addr_of_mut!((*o.cast::<ffi::PyCompactUnicodeObject>()).utf8);
            !AtomicPtr::from_ptr(utf8).load(Ordering::Acquire).is_null()
        }
    }

    /// Whether [`ascii_in_place`] reads strs (else it always says None).
    pub fn ascii_known() -> bool {
        ASCII_DATA_KNOWN.load(Ordering::Relaxed)
    }

    /// A compact ASCII str's characters (its UTF-8, unchanging), read in
    /// place; None for other strs or an unknown layout.
    ///
    /// # Safety
    /// `o` must be a live str.
    #[inline(always)]
    pub unsafe fn ascii_in_place(o: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
        if !ASCII_DATA_KNOWN.load(Ordering::Relaxed) {
            return None;
        }
        ascii_after_header(o)
    }

    /// A compact str's code units (after the ASCII or the compact header,
    /// as its kind says), read in place; None for other strs or an unknown
    /// layout.
    ///
    /// # Safety
    /// `o` must be a live str.
    #[inline(always)]
    pub unsafe fn units_in_place(o: *mut ffi::PyObject) -> Option<crate::layout::Units> {
        if !UNITS_KNOWN.load(Ordering::Relaxed) {
            return None;
        }
        units_after_header(o)
    }

    #[inline(always)]
    unsafe fn units_after_header(o: *mut ffi::PyObject) -> Option<crate::layout::Units> {
        let f = flags(o);
        if f & COMPACT == 0 {
            return None;
        }
        let header = if f & ASCII != 0 {
            std::mem::size_of::<ffi::PyASCIIObject>()
        } else {
            std::mem::size_of::<ffi::PyCompactUnicodeObject>()
        };
        let len = (*o.cast::<ffi::PyASCIIObject>()).length as usize;
        crate::layout::Units::new((f & KIND_MASK) as u32, o.cast::<u8>().add(header), len)
    }

    #[inline(always)]
    unsafe fn ascii_after_header(o: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
        if flags(o) & (COMPACT | ASCII) != COMPACT | ASCII {
            return None;
        }
        let len = (*o.cast::<ffi::PyASCIIObject>()).length as usize;
        Some((
            o.cast::<u8>()
                .add(std::mem::size_of::<ffi::PyASCIIObject>()),
            len,
        ))
    }

    /// Checks the layout on strs of each kind; called once at import.
    pub fn init(py: pyo3::Python<'_>) {
        use pyo3::types::PyString;
        let probes: [(&str, u8); 4] = [
            ("json", 1 | COMPACT | ASCII),
            ("caf\u{e9}", 1 | COMPACT),
            ("\u{3b1}\u{3b2}", 2 | COMPACT),
            ("\u{1f600}", 4 | COMPACT),
        ];
        let known = probes.iter().all(|(text, want)| {
            let s = PyString::new(py, text);
            // SAFETY: `s` is a live exact str.
            let f = unsafe { flags(s.as_ptr()) };
            f & (KIND_MASK | COMPACT | ASCII) == *want
        });
        LAYOUT_KNOWN.store(known, Ordering::Relaxed);
        // Compact ASCII characters follow the header, as CPython's UTF-8 of
        // them says.
        let data_known = known
            && ["", "json", "a longer ascii text, 40 characters long"]
                .iter()
                .all(|text| {
                    let s = PyString::new(py, &format!("{text}!"));
                    let mut len: ffi::Py_ssize_t = 0;
                    // SAFETY: `s` is a live exact str.
                    unsafe {
                        let p = ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut len);
                        ascii_after_header(s.as_ptr()) == Some((p as *const u8, len as usize))
                    }
                });
        ASCII_DATA_KNOWN.store(data_known, Ordering::Relaxed);
        // Other kinds' code units follow the compact header, as
        // `PyUnicode_ReadChar` says.
        let units_known = known
            && [
                "json",
                "caf\u{e9}\u{ff}",
                "\u{3b1}\u{ffff}",
                "\u{1f600}!\u{10ffff}",
            ]
            .iter()
            .all(|text| {
                let s = PyString::new(py, &format!("{text}!"));
                // SAFETY: `s` is a live exact str.
                unsafe {
                    crate::layout::units_match(py, s.as_ptr(), units_after_header(s.as_ptr()))
                        .unwrap_or(false)
                }
            });
        UNITS_KNOWN.store(units_known, Ordering::Relaxed);
    }

    /// Whether the state bits, the ASCII data and the code units were all
    /// verified.
    pub fn layout_known() -> bool {
        LAYOUT_KNOWN.load(Ordering::Relaxed)
            && ASCII_DATA_KNOWN.load(Ordering::Relaxed)
            && UNITS_KNOWN.load(Ordering::Relaxed)
    }
}

/// Which thread made an object: `ob_tid`, which free-threaded CPython sets
/// to `_Py_ThreadId()` of the thread that creates it (its biased reference
/// counting takes that thread for the owner) and to 0 once the owner is
/// gone. Version-specific free-threaded builds only (abi3t hides `ob_tid`).
#[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
pub mod owner {
    use pyo3::ffi;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    thread_local! {
        static THIS_THREAD: Cell<usize> = const { Cell::new(0) };
    }

    /// `_Py_ThreadId()` of this thread, read once (per thread) from an
    /// object made here.
    pub fn this_thread() -> usize {
        THIS_THREAD.with(|t| {
            if t.get() == 0 {
                // SAFETY: attached (the encoder's caller); the list is
                // released at once.
                unsafe {
                    let o = ffi::PyList_New(0);
                    if o.is_null() {
                        ffi::PyErr_Clear();
                        return usize::MAX;
                    }
                    t.set(of(o));
                    ffi::Py_DECREF(o);
                }
            }
            t.get()
        })
    }

    /// `o`'s `ob_tid` (a relaxed atomic read: CPython changes it when the
    /// owner thread exits).
    ///
    /// # Safety
    /// `o` is a live object.
    #[inline(always)]
    pub unsafe fn of(o: *mut ffi::PyObject) -> usize {
        let tid = std::ptr::addr_of_mut!((*o).ob_tid);
        AtomicUsize::from_ptr(tid.cast::<usize>()).load(Ordering::Relaxed)
    }
}

/// Growing a bytes object in place: `_PyBytes_Resize`, what CPython's own
/// writers use (`bytes.join`, the codecs). Not in the limited API, but
/// exported by every CPython 3; the abi3 wheel looks it up at import on
/// Unix ([`bytes_resize::init`]) and checks it, version-specific builds
/// link it.
pub mod bytes_resize {
    use pyo3::ffi;

    type ResizeFn = unsafe extern "C" fn(*mut *mut ffi::PyObject, ffi::Py_ssize_t) -> i32;

    #[cfg(not(Py_LIMITED_API))]
    extern "C" {
        fn _PyBytes_Resize(bytes: *mut *mut ffi::PyObject, len: ffi::Py_ssize_t) -> i32;
    }

    #[cfg(Py_LIMITED_API)]
    static RESIZE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[inline(always)]
    fn get() -> Option<ResizeFn> {
        #[cfg(not(Py_LIMITED_API))]
        {
            Some(_PyBytes_Resize as ResizeFn)
        }
        #[cfg(Py_LIMITED_API)]
        match RESIZE.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            // SAFETY: only ever set to `_PyBytes_Resize` by `init`.
            f => Some(unsafe { std::mem::transmute::<usize, ResizeFn>(f) }),
        }
    }

    /// Whether [`resize`] can be used.
    pub fn available() -> bool {
        get().is_some()
    }

    /// Gives the bytes object at `*b` the length `len` (its bytes up to the
    /// old length, or `len` if shorter, kept) and returns where its bytes
    /// now are. On failure `*b` is released and set to NULL, and a Python
    /// error is set (CPython's contract); None then.
    ///
    /// # Safety
    /// Attached; [`available`]; `*b` is a bytes object made by this thread
    /// with `PyBytes_FromStringAndSize(NULL, n)`, n > 0, referenced only by
    /// the caller.
    #[inline]
    pub unsafe fn resize(b: &mut *mut ffi::PyObject, len: usize) -> Option<*mut u8> {
        let f = get()?;
        if f(b, len as ffi::Py_ssize_t) != 0 {
            return None;
        }
        Some(data(*b))
    }

    /// Where the bytes of the bytes object `b` are.
    ///
    /// # Safety
    /// `b` is a live bytes object.
    #[inline]
    pub unsafe fn data(b: *mut ffi::PyObject) -> *mut u8 {
        #[cfg(not(Py_LIMITED_API))]
        {
            ffi::PyBytes_AS_STRING(b).cast_mut().cast::<u8>()
        }
        #[cfg(Py_LIMITED_API)]
        {
            ffi::PyBytes_AsString(b).cast::<u8>()
        }
    }

    /// Finds `_PyBytes_Resize` (abi3 wheel on Unix) and checks that it
    /// grows and shrinks a bytes object keeping its bytes.
    pub fn init(py: pyo3::Python<'_>) {
        #[cfg(all(Py_LIMITED_API, unix))]
        // SAFETY: attached; the symbol has this signature in every CPython 3;
        // every write stays inside the object's current length.
        unsafe {
            let sym = libc::dlsym(libc::RTLD_DEFAULT, c"_PyBytes_Resize".as_ptr());
            if sym.is_null() {
                return;
            }
            let f = std::mem::transmute::<*mut libc::c_void, ResizeFn>(sym);
            let mut b = ffi::PyBytes_FromStringAndSize(std::ptr::null(), 64);
            if b.is_null() {
                ffi::PyErr_Clear();
                return;
            }
            let pattern: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
            std::ptr::copy_nonoverlapping(pattern.as_ptr(), data(b), 64);
            for len in [100_000usize, 40] {
                if f(&mut b, len as ffi::Py_ssize_t) != 0 {
                    ffi::PyErr_Clear();
                    return;
                }
            }
            use pyo3::types::PyBytesMethods;
            let made = pyo3::Bound::from_owned_ptr(py, b);
            let ok = made
                .cast::<pyo3::types::PyBytes>()
                .is_ok_and(|m| m.as_bytes() == &pattern[..40]);
            if ok {
                RESIZE.store(sym as usize, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let _ = py;
    }
}

/// The garbage collector paused while a large document is made into
/// objects, on CPython 3.11 with the GIL.
///
/// 3.11 runs a collection inside the allocation that crosses the threshold.
/// Reading a document of many lists and dicts there starts collection after
/// collection, each walking the values made so far, which hold no cycle
/// (canada.json: about 80 a call, and loads took 10.3 ms in a plain loop
/// against 7.0 ms with the collector off). 3.12 and later only schedule the
/// collection for the next bytecode boundary (`_Py_ScheduleGC`), that is
/// after the call; paused, 3.11 does the same: the collector is enabled
/// again at the end, and its counts were kept. Callers pause only when no
/// Python code runs during the scan (no hooks) and the thread stays
/// attached throughout (no pipeline that waits detached): nothing can see
/// the collector's state. Free-threaded builds never pause (other threads
/// would see it).
pub struct GcPause(bool);

impl GcPause {
    /// Documents shorter than this make few containers: at most a
    /// collection or two, which cost less than the pause's two calls save.
    pub const MIN_LEN: usize = 4096;

    pub fn new(py: Python<'_>, len: usize) -> GcPause {
        if len < Self::MIN_LEN {
            return GcPause(false);
        }
        #[cfg(not(any(Py_GIL_DISABLED, Py_3_12)))]
        {
            static COLLECTS_INLINE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
            if *COLLECTS_INLINE.get_or_init(|| py.version_info() < (3, 12)) {
                // SAFETY: attached; returns whether it was enabled.
                return GcPause(unsafe { ffi::PyGC_Disable() } == 1);
            }
        }
        let _ = py;
        GcPause(false)
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: attached (a pause only lives within a call that is).
            unsafe { ffi::PyGC_Enable() };
        }
    }
}
