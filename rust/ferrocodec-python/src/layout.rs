//! The encoder's reads of lists, tuples, dicts, strs and ints, in place.
//!
//! The limited API has only functions for these: `PyList_GetItem`,
//! `PyDict_Size`, `PyUnicode_AsUTF8AndSize`, `PyLong_AsLongLongAndOverflow`.
//! Through them the abi3 wheel made one call per list item, per dict, per
//! str and per int it encoded, where CPython's own encoder and orjson read a
//! field. So on GIL builds of CPython 3.11 to 3.14 (64-bit), the abi3 wheel
//! reads these fields at the offsets of those versions, and only after
//! checking at import, on objects of each kind, that every read gives what
//! the function gives. Where a check fails, or on another version (the abi3
//! wheel also loads on 3.15 and later), it calls the functions as before.
//! Version-specific builds (the free-threaded wheel) have macros or their
//! own paths for the rest, but no in-place read of ints or dict entries:
//! the free-threaded build reads those here too (after its 32-byte object
//! header), verified the same way.
//!
//! What is read, for the versions above:
//! - a list's `ob_item` array (offset 24) and a tuple's inline items
//!   (offset 24; 32 from 3.14, which caches the hash first);
//! - a dict's `ma_used` (offset 16), and the entries of a combined table
//!   (`ma_keys` at 32, `ma_values` NULL at 40; in the keys object,
//!   `dk_log2_index_bytes` at 9, `dk_kind` at 10, `dk_nentries` at 24, the
//!   index table at 32 and the entries after it), walked as `PyDict_Next`
//!   walks them; the free-threaded build (3.14t) walks them too, at the
//!   same offsets past its 32-byte object header, under the dict's lock;
//! - a str's `state` bits (offset 32: `interned:2, kind:3, compact:1,
//!   ascii:1`): a compact ASCII str's characters (offset 48 on 3.11, 40
//!   after), which are its UTF-8, a compact str's cached UTF-8
//!   (`utf8_length`, `utf8`: 48 and 56 on 3.11, 40 and 48 after) once
//!   CPython has made it, and the code units of other compact strs (offset
//!   72 on 3.11, 56 after; 1, 2 or 4 bytes each as `kind` says);
//! - a float's `ob_fval` (offset 16);
//! - an int's size (3.11: the signed digit count `ob_size` at 16; 3.12 on:
//!   `lv_tag` at 16, the digit count shifted by 3 over 2 sign bits) and its
//!   first two 30-bit digits (offset 24), for ints below 2**60 in size.

use pyo3::ffi;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the fields are, for the running interpreter; all zero (the
/// functions are called) until [`init`] has verified them.
#[derive(Clone, Copy, Default)]
pub struct Layout {
    /// A tuple's first item; 0: the layout is not known.
    tuple_items: u8,
    /// A compact ASCII str's characters.
    ascii_data: u8,
    /// A compact str's `utf8_length` and `utf8` (the pointer follows).
    utf8_length: u8,
    /// A compact non-ASCII str's code units.
    compact_data: u8,
    /// How an int's size is stored.
    ints: Ints,
    /// Floats are read in place.
    floats: bool,
    /// Combined dict tables are walked in place ([`Layout::dict_next`]).
    dicts: bool,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(u8)]
enum Ints {
    /// Not read in place.
    #[default]
    Unknown = 0,
    /// 3.11: `ob_size` is the signed number of digits.
    SignedSize = 1,
    /// 3.12 on: `lv_tag`.
    Tag = 2,
}

/// A str's code units in place (see [`Layout::str_units`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    Latin1(*const u8, usize),
    Ucs2(*const u16, usize),
    Ucs4(*const u32, usize),
}

impl Units {
    /// The units of a str of `kind` (1, 2 or 4) at `data`; None for
    /// another kind.
    #[inline(always)]
    pub fn new(kind: u32, data: *const u8, len: usize) -> Option<Units> {
        match kind {
            1 => Some(Units::Latin1(data, len)),
            2 => Some(Units::Ucs2(data.cast(), len)),
            4 => Some(Units::Ucs4(data.cast(), len)),
            _ => None,
        }
    }

    /// Unit `i` (below the length) as a code point.
    ///
    /// # Safety
    /// The str is alive and `i` is below its length.
    #[allow(dead_code)]
    pub unsafe fn get(self, i: usize) -> u32 {
        match self {
            Units::Latin1(p, _) => *p.add(i) as u32,
            Units::Ucs2(p, _) => *p.add(i) as u32,
            Units::Ucs4(p, _) => *p.add(i),
        }
    }

    pub fn len(self) -> usize {
        match self {
            Units::Latin1(_, n) | Units::Ucs2(_, n) | Units::Ucs4(_, n) => n,
        }
    }
}

/// A str's `state` bits (abi3 layouts, offset 32).
const COMPACT: u32 = 1 << 5;
const ASCII: u32 = 1 << 6;

/// The verified layout, packed: one relaxed load at the start of a call.
static PACKED: AtomicU64 = AtomicU64::new(0);

impl Layout {
    /// The layout verified at import (all unknown before).
    #[inline(always)]
    pub fn get() -> Layout {
        let v = PACKED.load(Ordering::Relaxed).to_le_bytes();
        Layout {
            tuple_items: v[0],
            ascii_data: v[1],
            utf8_length: v[2],
            ints: match v[3] {
                1 => Ints::SignedSize,
                2 => Ints::Tag,
                _ => Ints::Unknown,
            },
            floats: v[4] != 0,
            compact_data: v[5],
            dicts: v[6] != 0,
        }
    }

    #[cfg(any(
        all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"),
        all(Py_GIL_DISABLED, not(Py_LIMITED_API), target_pointer_width = "64")
    ))]
    fn pack(self) -> u64 {
        u64::from_le_bytes([
            self.tuple_items,
            self.ascii_data,
            self.utf8_length,
            self.ints as u8,
            self.floats as u8,
            self.compact_data,
            self.dicts as u8,
            0,
        ])
    }

    /// Whether dict tables are read in place ([`Self::dict_next`],
    /// [`Self::dict_str_entries`]).
    #[inline(always)]
    pub fn dicts_known(self) -> bool {
        self.dicts
    }

    /// Whether list, tuple and dict reads were verified (a tuple's item
    /// offset is only set then).
    #[inline(always)]
    fn containers_known(self) -> bool {
        self.tuple_items != 0
    }

    /// Item `i < len` of a list (locked by the caller on free-threaded
    /// builds) or tuple, borrowed.
    ///
    /// # Safety
    /// `seq` is a live list (`is_list`) or tuple with more than `i` items.
    #[inline(always)]
    pub unsafe fn seq_item(
        self,
        seq: *mut ffi::PyObject,
        i: ffi::Py_ssize_t,
        is_list: bool,
    ) -> *mut ffi::PyObject {
        #[cfg(not(Py_LIMITED_API))]
        {
            let _ = self;
            if is_list {
                ffi::PyList_GET_ITEM(seq, i)
            } else {
                ffi::PyTuple_GET_ITEM(seq, i)
            }
        }
        #[cfg(Py_LIMITED_API)]
        {
            if self.containers_known() {
                let items = if is_list {
                    *seq.cast::<u8>().add(24).cast::<*mut *mut ffi::PyObject>()
                } else {
                    seq.cast::<u8>()
                        .add(self.tuple_items as usize)
                        .cast::<*mut ffi::PyObject>()
                };
                return *items.offset(i);
            }
            if is_list {
                ffi::PyList_GetItem(seq, i)
            } else {
                ffi::PyTuple_GetItem(seq, i)
            }
        }
    }

    /// The item array of a new list (made by `PyList_New`, not yet seen by
    /// any other code), where it can be written in place; None where only
    /// `PyList_SetItem` may fill it (abi3 wheels on unverified layouts,
    /// abi3t).
    ///
    /// # Safety
    /// `list` is a live list.
    #[inline(always)]
    pub unsafe fn new_list_items(
        self,
        list: *mut ffi::PyObject,
    ) -> Option<*mut *mut ffi::PyObject> {
        #[cfg(not(Py_LIMITED_API))]
        {
            let _ = self;
            Some((*list.cast::<ffi::PyListObject>()).ob_item)
        }
        #[cfg(Py_LIMITED_API)]
        {
            // `ob_item` at 24, verified with the reads of list items.
            if self.containers_known() {
                return Some(*list.cast::<u8>().add(24).cast::<*mut *mut ffi::PyObject>());
            }
            None
        }
    }

    /// Asks the CPU to fetch the item array of `o` if it is a list (its
    /// items are read next); nothing for other objects.
    ///
    /// # Safety
    /// `o` is a live object.
    #[inline(always)]
    pub unsafe fn prefetch_items(self, o: *mut ffi::PyObject) {
        if cfg!(target_arch = "x86_64")
            && ffi::Py_TYPE(o) == &raw mut ffi::PyList_Type
            && (!cfg!(Py_LIMITED_API) || self.containers_known())
        {
            // `ob_item` follows the header and `ob_size` (verified for the
            // abi3 wheel with the list items). On free-threaded builds the
            // list is not locked here and another thread may replace the
            // array: a relaxed atomic read, and a stale pointer only wastes
            // the prefetch (which never faults).
            let at = o.cast::<u8>().add(std::mem::size_of::<ffi::PyObject>() + 8);
            prefetch(
                std::sync::atomic::AtomicPtr::<u8>::from_ptr(at.cast()).load(Ordering::Relaxed),
            );
        }
    }

    /// The number of items of a dict.
    ///
    /// # Safety
    /// `d` is a live dict.
    #[inline(always)]
    pub unsafe fn dict_len(self, d: *mut ffi::PyObject) -> ffi::Py_ssize_t {
        // Free-threaded builds: `ma_used` read as `PyDict_GET_SIZE` reads
        // it there (a relaxed atomic load), without the call.
        #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
        {
            let _ = self;
            let used = std::ptr::addr_of_mut!((*d.cast::<ffi::PyDictObject>()).ma_used);
            std::sync::atomic::AtomicIsize::from_ptr(used).load(Ordering::Relaxed)
        }
        #[cfg(not(all(Py_GIL_DISABLED, not(Py_LIMITED_API))))]
        {
            if cfg!(Py_LIMITED_API) && self.containers_known() {
                return *d.cast::<u8>().add(16).cast::<ffi::Py_ssize_t>();
            }
            ffi::PyDict_Size(d)
        }
    }

    /// The next member of a dict from position `pos` on, as `PyDict_Next`
    /// gives it (the same positions: an index into the entries, past the
    /// member returned), borrowed; false at the end.
    ///
    /// A combined table (all but the split tables of instance dicts) is
    /// read in place where [`init`] verified it: the entries follow the
    /// keys object's index table (`dk_indices`, 32 bytes in, `1 <<
    /// dk_log2_index_bytes` long), two words each (key, value) when
    /// `dk_kind` says the keys are all strs, three (hash, key, value)
    /// otherwise; a deleted entry's value is NULL. The walk skips those as
    /// `_PyDict_Next` does. `ma_keys` and `ma_values` follow `ma_used` and
    /// the watcher tag.
    ///
    /// # Safety
    /// `d` is a live dict (locked by the caller on free-threaded builds).
    #[inline(always)]
    pub unsafe fn dict_next(
        self,
        d: *mut ffi::PyObject,
        pos: &mut ffi::Py_ssize_t,
        key: &mut *mut ffi::PyObject,
        value: &mut *mut ffi::PyObject,
    ) -> bool {
        if self.dicts {
            let header = std::mem::size_of::<ffi::PyObject>();
            let p = d.cast::<u8>();
            let values = *p.add(header + 24).cast::<*const u8>();
            if values.is_null() {
                let keys = *p.add(header + 16).cast::<*const u8>();
                let n = *keys.add(24).cast::<ffi::Py_ssize_t>();
                let entries = keys.add(32 + (1usize << *keys.add(9)));
                let mut i = *pos;
                // One loop per entry size: a single loop with the size as a
                // variable made dumps of twitter and citm_catalog 2% slower.
                if *keys.add(10) != 0 {
                    let e = entries.cast::<[*mut ffi::PyObject; 2]>();
                    while i < n {
                        let [k, v] = *e.offset(i);
                        i += 1;
                        if !v.is_null() {
                            (*key, *value, *pos) = (k, v, i);
                            return true;
                        }
                    }
                } else {
                    let e = entries.cast::<[*mut ffi::PyObject; 3]>();
                    while i < n {
                        let [_, k, v] = *e.offset(i);
                        i += 1;
                        if !v.is_null() {
                            (*key, *value, *pos) = (k, v, i);
                            return true;
                        }
                    }
                }
                return false;
            }
        }
        ffi::PyDict_Next(d, pos, key, value) != 0
    }

    /// The entries of a dict whose table is combined and holds str keys
    /// only (`dk_kind` 1), as [`Self::dict_next`] finds them: (key, value)
    /// pairs, and how many (`dk_nentries`, deleted ones included: their
    /// value is NULL). None where the layout is not verified or the table
    /// is of another kind.
    ///
    /// # Safety
    /// `d` is a live dict; the caller writes through the pointer only into
    /// a dict no other code has seen.
    #[inline(always)]
    pub unsafe fn dict_str_entries(
        self,
        d: *mut ffi::PyObject,
    ) -> Option<(*mut [*mut ffi::PyObject; 2], usize)> {
        if !self.dicts {
            return None;
        }
        let header = std::mem::size_of::<ffi::PyObject>();
        let p = d.cast::<u8>();
        if !(*p.add(header + 24).cast::<*const u8>()).is_null() {
            return None;
        }
        let keys = *p.add(header + 16).cast::<*mut u8>();
        if *keys.add(10) != 1 {
            return None;
        }
        let n = *keys.add(24).cast::<ffi::Py_ssize_t>();
        let entries = keys.add(32 + (1usize << *keys.add(9)));
        Some((entries.cast(), n as usize))
    }

    /// A str's UTF-8 where it can be read without a call: a compact ASCII
    /// str's characters, or a compact str's cached UTF-8; None otherwise
    /// (checked by [`verify`]).
    ///
    /// # Safety
    /// `s` is a live str (of any subtype).
    #[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"))]
    unsafe fn str_utf8(self, s: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
        self.str_ascii(s).or_else(|| self.str_utf8_cached(s))
    }

    /// Whether [`Layout::str_ascii`] reads strs (else it always says None).
    pub fn reads_ascii(self) -> bool {
        #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
        return crate::pyobj::str_state::ascii_known();
        #[allow(unreachable_code)]
        {
            cfg!(Py_LIMITED_API) && self.ascii_data != 0
        }
    }

    /// A compact ASCII str's characters (its UTF-8); None for other strs.
    ///
    /// # Safety
    /// `s` is a live str (of any subtype).
    #[inline(always)]
    pub unsafe fn str_ascii(self, s: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
        // The free-threaded build: its state bits are read by
        // `pyobj::str_state`, verified at import.
        #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
        return crate::pyobj::str_state::ascii_in_place(s);
        // The abi3 wheel (nothing on other builds).
        #[allow(unreachable_code)]
        if !cfg!(Py_LIMITED_API) || self.ascii_data == 0 {
            return None;
        }
        let p = s.cast::<u8>();
        let state = *p.add(32).cast::<u32>();
        if state & (COMPACT | ASCII) == COMPACT | ASCII {
            let len = *p.add(16).cast::<ffi::Py_ssize_t>() as usize;
            return Some((p.add(self.ascii_data as usize), len));
        }
        None
    }

    /// A compact non-ASCII str's cached UTF-8, once CPython has made it
    /// (the abi3 wheel only); None otherwise.
    ///
    /// # Safety
    /// `s` is a live str (of any subtype).
    #[inline(always)]
    pub unsafe fn str_utf8_cached(self, s: *mut ffi::PyObject) -> Option<(*const u8, usize)> {
        if !cfg!(all(Py_LIMITED_API, not(Py_GIL_DISABLED))) || self.utf8_length == 0 {
            return None;
        }
        let p = s.cast::<u8>();
        let state = *p.add(32).cast::<u32>();
        if state & (COMPACT | ASCII) == COMPACT {
            let at = p.add(self.utf8_length as usize);
            let utf8 = *at.add(8).cast::<*const u8>();
            if !utf8.is_null() {
                return Some((utf8, *at.cast::<ffi::Py_ssize_t>() as usize));
            }
        }
        None
    }

    /// A compact str's code units, read in place: Latin-1 bytes (ASCII
    /// strs too), 16-bit units or code points, as its kind says; None for
    /// other strs or where the layout is not known.
    ///
    /// # Safety
    /// `s` is a live str (of any subtype).
    #[inline(always)]
    pub unsafe fn str_units(self, s: *mut ffi::PyObject) -> Option<Units> {
        #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API)))]
        return crate::pyobj::str_state::units_in_place(s);
        #[allow(unreachable_code)]
        if !cfg!(Py_LIMITED_API) || self.compact_data == 0 {
            return None;
        }
        let p = s.cast::<u8>();
        let state = *p.add(32).cast::<u32>();
        let len = *p.add(16).cast::<ffi::Py_ssize_t>() as usize;
        if state & COMPACT == 0 {
            return None;
        }
        let data = if state & ASCII != 0 {
            p.add(self.ascii_data as usize)
        } else {
            p.add(self.compact_data as usize)
        };
        Units::new((state >> 2) & 7, data, len)
    }

    /// A float's value (`ob_fval`, offset 16, on every version).
    ///
    /// # Safety
    /// `o` is a live float (of any subtype).
    #[inline(always)]
    pub unsafe fn float_value(self, o: *mut ffi::PyObject) -> f64 {
        #[cfg(not(Py_LIMITED_API))]
        {
            let _ = self;
            ffi::PyFloat_AS_DOUBLE(o)
        }
        #[cfg(Py_LIMITED_API)]
        {
            if self.floats {
                return *o.cast::<u8>().add(16).cast::<f64>();
            }
            ffi::PyFloat_AsDouble(o)
        }
    }

    /// An int's value where it is below 2**60 in size and can be read
    /// without a call; None otherwise.
    ///
    /// # Safety
    /// `o` is a live int (of any subtype).
    #[inline(always)]
    pub unsafe fn small_int(self, o: *mut ffi::PyObject) -> Option<i64> {
        // The abi3 wheel on GIL builds, and the free-threaded build (an
        // int never changes: no lock needed). Not abi3t.
        if !cfg!(Py_LIMITED_API) && !cfg!(Py_GIL_DISABLED) {
            return None;
        }
        // The size field follows the object header (16 bytes; 32 on
        // free-threaded builds), then the digits.
        let base = if cfg!(Py_GIL_DISABLED) { 32 } else { 16 };
        let p = o.cast::<u8>();
        let field = *p.add(base).cast::<isize>();
        let (digits, negative) = match self.ints {
            Ints::Unknown => return None,
            Ints::SignedSize => (field.unsigned_abs(), field < 0),
            Ints::Tag => ((field as usize) >> 3, field & 3 == 2),
        };
        let d = p.add(base + 8).cast::<u32>();
        let magnitude = match digits {
            0 => 0,
            1 => *d as i64,
            2 => *d as i64 | ((*d.add(1) as i64) << 30),
            _ => return None,
        };
        Some(if negative { -magnitude } else { magnitude })
    }
}

/// Asks the CPU to bring the cache line at `p` into L1 (x86_64; nothing
/// elsewhere). Any address will do: a prefetch never faults.
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Finds and verifies the layout of the running interpreter (once, at
/// import; the abi3 wheel on GIL builds only).
pub fn init(py: pyo3::Python<'_>) {
    #[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"))]
    {
        let version = py.version_info();
        let candidate = match (version.major, version.minor) {
            (3, 11) => Layout {
                tuple_items: 24,
                ascii_data: 48,
                utf8_length: 48,
                compact_data: 72,
                ints: Ints::SignedSize,
                floats: true,
                dicts: true,
            },
            (3, 12 | 13) => Layout {
                tuple_items: 24,
                ascii_data: 40,
                utf8_length: 40,
                compact_data: 56,
                ints: Ints::Tag,
                floats: true,
                dicts: true,
            },
            (3, 14) => Layout {
                tuple_items: 32,
                ascii_data: 40,
                utf8_length: 40,
                compact_data: 56,
                ints: Ints::Tag,
                floats: true,
                dicts: true,
            },
            _ => return,
        };
        // SAFETY: attached; every read is of a live object of the kind the
        // read is for, within the object as the candidate layout describes
        // it, and compared with what the API gives.
        let verified = unsafe { verify(py, candidate) };
        PACKED.store(verified.pack(), Ordering::Relaxed);
    }
    // The free-threaded build (version-specific: 3.14t) reads ints only;
    // its other reads have their own paths (`pyobj::str_state`, macros).
    #[cfg(all(Py_GIL_DISABLED, not(Py_LIMITED_API), target_pointer_width = "64"))]
    {
        let mut candidate = Layout {
            ints: Ints::Tag,
            dicts: py.version_info() >= (3, 14) && py.version_info() < (3, 15),
            ..Layout::default()
        };
        // SAFETY: attached; reads of live ints and dicts, compared with the API.
        let verified = if std::mem::size_of::<ffi::PyObject>() == 32 {
            unsafe {
                candidate.dicts = candidate.dicts && dicts_ok(py, candidate);
                if !ints_ok(py, candidate) {
                    candidate.ints = Ints::Unknown;
                }
            }
            candidate
        } else {
            Layout::default()
        };
        PACKED.store(verified.pack(), Ordering::Relaxed);
    }
    let _ = py;
}

/// The candidate with each part that does not match the API on probe
/// objects turned off.
#[cfg(all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"))]
unsafe fn verify(py: pyo3::Python<'_>, mut l: Layout) -> Layout {
    use pyo3::prelude::*;
    use pyo3::types::{PyDict, PyList, PyString, PyTuple};

    // Containers: the items of lists and tuples of several sizes, and dict
    // sizes. (The 3-tuple comes first: a wrong tuple offset reads inside it.)
    let containers_ok = (|| -> PyResult<bool> {
        for n in [3usize, 1, 9] {
            let items: Vec<Bound<'_, PyAny>> = (0..n)
                .map(|i| PyString::new(py, &format!("item{i}")).into_any())
                .collect();
            let list = PyList::new(py, &items)?;
            let tuple = PyTuple::new(py, &items)?;
            let dict = PyDict::new(py);
            for (i, it) in items.iter().enumerate() {
                dict.set_item(it, i)?;
                let want = it.as_ptr();
                if l.seq_item(list.as_ptr(), i as isize, true) != want
                    || l.seq_item(tuple.as_ptr(), i as isize, false) != want
                {
                    return Ok(false);
                }
            }
            if l.dict_len(dict.as_ptr()) != n as isize || l.dict_len(PyDict::new(py).as_ptr()) != 0
            {
                return Ok(false);
            }
        }
        Ok(true)
    })()
    .unwrap_or(false);
    if !containers_ok {
        return Layout::default();
    }
    l.dicts = dicts_ok(py, l);

    // Strs: compact ASCII read in place; other kinds only once their UTF-8
    // is cached, then exactly that cache.
    let strs_ok = (|| -> PyResult<bool> {
        for text in [
            "",
            "json",
            "caf\u{e9} au lait",
            "\u{3b1}\u{3b2}\u{3b3}",
            "\u{1f600}!",
        ] {
            // A fresh str (not an interned literal), its UTF-8 not cached yet.
            // (Not read through PyO3, which would fill the cache.)
            let s = PyString::new(py, &format!("{text}{}", text.len()));
            if text.is_ascii() != l.str_utf8(s.as_ptr()).is_some() {
                return Ok(false);
            }
            let mut len: ffi::Py_ssize_t = 0;
            let p = ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut len);
            if p.is_null() {
                return Err(PyErr::fetch(py));
            }
            if l.str_utf8(s.as_ptr()) != Some((p as *const u8, len as usize)) {
                return Ok(false);
            }
        }
        Ok(true)
    })()
    .unwrap_or(false);
    if !strs_ok {
        l.ascii_data = 0;
        l.utf8_length = 0;
    }

    // Code units: strs of each kind, fresh and with their UTF-8 cached,
    // read unit by unit as `PyUnicode_ReadChar` reads them.
    let units_ok = strs_ok
        && (|| -> PyResult<bool> {
            for text in [
                "",
                "json",
                "caf\u{e9}\u{ff}",
                "\u{3b1}\u{ffff}\u{3b3}",
                "\u{1f600}!\u{10ffff}",
            ] {
                let s = PyString::new(py, &format!("{text}{}", text.len()));
                for cached in [false, true] {
                    if cached
                        && ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), std::ptr::null_mut()).is_null()
                    {
                        return Err(PyErr::fetch(py));
                    }
                    if !crate::layout::units_match(py, s.as_ptr(), l.str_units(s.as_ptr()))? {
                        return Ok(false);
                    }
                }
            }
            Ok(true)
        })()
        .unwrap_or(false);
    if !units_ok {
        l.compact_data = 0;
    }

    // Ints.
    let ints_ok = ints_ok(py, l);
    if !ints_ok {
        l.ints = Ints::Unknown;
    }

    // Floats: the double itself, bit for bit.
    l.floats = [
        0.0,
        -0.0,
        1.5,
        -2.25e-300,
        1e308,
        f64::INFINITY,
        f64::MIN_POSITIVE,
    ]
    .iter()
    .all(|&v| {
        let o = pyo3::types::PyFloat::new(py, v);
        l.float_value(o.as_ptr()).to_bits() == v.to_bits()
    });
    l
}

/// Whether [`Layout::dict_next`] walks dicts as `PyDict_Next` does: str
/// keys (the compact entries), other keys (hash, key, value), deleted
/// entries, one- and two-byte index tables, and an instance dict (a split
/// table: the walk calls `PyDict_Next`). Only called with `l.dicts` set.
///
/// # Safety
/// Attached.
#[cfg(any(
    all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"),
    all(Py_GIL_DISABLED, not(Py_LIMITED_API), target_pointer_width = "64")
))]
unsafe fn dicts_ok(py: pyo3::Python<'_>, l: Layout) -> bool {
    use pyo3::prelude::*;
    use pyo3::types::{PyDict, PyString};
    (|| -> PyResult<bool> {
        let mut dicts = Vec::new();
        for n in [0usize, 1, 5, 9, 200] {
            let strs = PyDict::new(py);
            let ints = PyDict::new(py);
            for i in 0..n {
                strs.set_item(PyString::new(py, &format!("k{i}")), i)?;
                ints.set_item(i, PyString::new(py, &format!("v{i}")))?;
            }
            // Holes: every third member deleted.
            let holes = strs.copy()?;
            let int_holes = ints.copy()?;
            for i in (0..n).step_by(3) {
                holes.del_item(format!("k{i}"))?;
                int_holes.del_item(i)?;
            }
            dicts.extend([strs, ints, holes, int_holes]);
        }
        let locals = PyDict::new(py);
        py.run(
            c"class C:\n    pass\nc = C()\nc.a = 1\nc.b = 2\nd = c.__dict__",
            None,
            Some(&locals),
        )?;
        let Some(instance_dict) = locals.get_item("d")? else {
            return Ok(false);
        };
        dicts.push(instance_dict.cast_into::<PyDict>()?);
        for d in &dicts {
            let (mut pos, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
            let (mut pos2, mut key2, mut value2) = (0, std::ptr::null_mut(), std::ptr::null_mut());
            loop {
                let more = ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut key, &mut value) != 0;
                if l.dict_next(d.as_ptr(), &mut pos2, &mut key2, &mut value2) != more {
                    return Ok(false);
                }
                if !more {
                    break;
                }
                if (pos, key, value) != (pos2, key2, value2) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    })()
    .unwrap_or(false)
}

/// Whether [`Layout::small_int`] reads every size of int up to two digits,
/// of both signs, as the API does, and declines three digits.
///
/// # Safety
/// Attached.
#[cfg(any(
    all(Py_LIMITED_API, not(Py_GIL_DISABLED), target_pointer_width = "64"),
    all(Py_GIL_DISABLED, not(Py_LIMITED_API), target_pointer_width = "64")
))]
unsafe fn ints_ok(py: pyo3::Python<'_>, l: Layout) -> bool {
    use pyo3::prelude::*;
    (|| -> PyResult<bool> {
        let values: [i128; 12] = [
            0,
            1,
            -1,
            7,
            (1 << 30) - 1,
            1 << 30,
            -(1 << 30),
            (1 << 31) + 5,
            123_456_789_012_345,
            -987_654_321_098,
            (1 << 60) - 1,
            -((1 << 60) - 1),
        ];
        for v in values {
            let o = v.into_pyobject(py)?;
            if l.small_int(o.as_ptr()) != Some(v as i64) {
                return Ok(false);
            }
        }
        for v in [1i128 << 60, -(1i128 << 60), 1 << 100] {
            let o = v.into_pyobject(py)?;
            if l.small_int(o.as_ptr()).is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    })()
    .unwrap_or(false)
}

/// Whether `units` are the code units of the str `s`, as
/// `PyUnicode_ReadChar` reads them, of the kind its widest character needs.
///
/// # Safety
/// `s` is a live str.
#[allow(dead_code)]
pub(crate) unsafe fn units_match(
    py: pyo3::Python<'_>,
    s: *mut ffi::PyObject,
    units: Option<Units>,
) -> pyo3::PyResult<bool> {
    let Some(units) = units else {
        return Ok(false);
    };
    let n = ffi::PyUnicode_GetLength(s);
    if n < 0 {
        return Err(pyo3::PyErr::fetch(py));
    }
    if units.len() != n as usize {
        return Ok(false);
    }
    let mut widest = 0;
    for i in 0..n {
        let c = ffi::PyUnicode_ReadChar(s, i);
        if c == u32::MAX && !ffi::PyErr_Occurred().is_null() {
            return Err(pyo3::PyErr::fetch(py));
        }
        if units.get(i as usize) != c {
            return Ok(false);
        }
        widest = widest.max(c);
    }
    let kind_fits = match units {
        Units::Latin1(..) => widest < 0x100,
        Units::Ucs2(..) => (0x100..0x10000).contains(&widest),
        Units::Ucs4(..) => widest >= 0x10000,
    };
    Ok(kind_fits)
}

/// What [`init`] verified, for `build_info()`: containers, strs (their
/// UTF-8 and their code units), ints, floats, dict walks.
pub fn known() -> (bool, bool, bool, bool, bool) {
    let l = Layout::get();
    (
        l.containers_known(),
        l.ascii_data != 0 && l.compact_data != 0,
        l.ints != Ints::Unknown,
        l.floats,
        l.dicts,
    )
}
