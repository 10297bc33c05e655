//! Decoded dicts made as copies of a template with the same keys.
//!
//! Documents repeat their records: the statuses of twitter.json have the
//! same keys in the same order, and so do their users. CPython builds each
//! dict a member at a time, a hash probe and a store each, and on 3.11 (no
//! `_PyDict_FromItems`) in a table that grows on the way (8, 16, 32, 64
//! slots). The key cache hands out one str object per short key, so a
//! record whose keys are the very objects of an earlier one, in the same
//! order, is made here by `PyDict_Copy` of a template that holds those keys
//! (and None for values): CPython clones the template's table in one copy
//! and takes a reference to each key and value. The values are then written
//! into the copy's entries, in place of None.
//!
//! The copy has the table the template has, which is a copy of the first
//! dict of those keys made the usual way (the stdlib's size, as
//! `sys.getsizeof` shows) with None for its values.
//! It is tracked by the garbage collector when a value may be, as
//! `PyDict_SetItem` would have made it.
//!
//! A template is made when the same keys come a third time in a row in
//! their slot (keys seen once or twice cost a fingerprint each, not a
//! template: with records repeated exactly twice, making a template on the
//! second sighting cost 27% more time than no templates), and each copy is
//! checked before a value is written: its table holds the keys at the
//! expected places, each with None. Anything else, and the dict is made the
//! usual way. Only where [`Layout::dict_str_entries`] is verified (the
//! abi3 wheel on 64-bit GIL builds of 3.11 to 3.14, and the free-threaded
//! 3.14t build, where a copy and its template are this thread's alone);
//! the templates are per thread ([`crate::json_decode`]'s reuse).

use crate::layout::Layout;
use crate::pyobj::{decref, incref, Owned};
use pyo3::ffi;
use pyo3::prelude::*;

/// Templates by a hash of (first key, last key, member count).
pub struct Shapes {
    slots: Vec<Slot>,
}

#[derive(Default)]
struct Slot {
    /// A dict of `members` str keys, each with None.
    template: Option<Py<PyAny>>,
    members: usize,
    /// The fingerprint of the last keys that had no template here.
    seen: u64,
    /// How many times in a row after the first those keys came.
    again: u8,
}

impl Shapes {
    const SLOTS: usize = 256;
    /// Records of fewer members gain less than the copy costs.
    const MIN_MEMBERS: usize = 2;
    /// Larger dicts are seldom repeated records (and would be kept alive
    /// in full as templates).
    const MAX_MEMBERS: usize = 128;
    /// A template is made when its keys come this many times in a row.
    const SIGHTINGS: u8 = 3;

    pub fn new() -> Self {
        Shapes {
            slots: (0..Self::SLOTS).map(|_| Slot::default()).collect(),
        }
    }

    /// Whether this interpreter lets dicts be made here.
    pub fn usable() -> bool {
        Layout::get().dicts_known()
    }

    #[inline(always)]
    fn slot_of(first: *mut ffi::PyObject, last: *mut ffi::PyObject, n: usize) -> usize {
        let h = ((first as u64) ^ (last as u64).rotate_left(29) ^ n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 56) as usize % Self::SLOTS
    }

    /// The dict of the `n` members at `items` (key, value, key, value, ...;
    /// strong references, the keys exact strs), made from a template; its
    /// references are then taken (the values moved into the dict, the keys
    /// released: the copy holds its own). `Ok(None)`: no template has these
    /// keys, and nothing was taken.
    ///
    /// # Safety
    /// Attached; `items` holds `2 * n` live references.
    #[inline]
    pub unsafe fn dict(
        &mut self,
        py: Python<'_>,
        items: *const *mut ffi::PyObject,
        n: usize,
    ) -> PyResult<Option<Owned>> {
        if !(Self::MIN_MEMBERS..=Self::MAX_MEMBERS).contains(&n) {
            return Ok(None);
        }
        let key = |i: usize| *items.add(2 * i);
        let slot = &self.slots[Self::slot_of(key(0), key(n - 1), n)];
        let Some(template) = &slot.template else {
            return Ok(None);
        };
        if slot.members != n {
            return Ok(None);
        }
        let layout = Layout::get();
        let Some((entries, count)) = layout.dict_str_entries(template.as_ptr()) else {
            return Ok(None);
        };
        if count != n || (0..n).any(|i| (*entries.add(i))[0] != key(i)) {
            return Ok(None);
        }
        let copy = Owned::from_new(py, ffi::PyDict_Copy(template.as_ptr()))?;
        // The copy as CPython made it: the keys in order, each with None.
        let none = ffi::Py_None();
        let Some((entries, count)) = layout.dict_str_entries(copy.as_ptr()) else {
            return Ok(None);
        };
        if count != n || (0..n).any(|i| *entries.add(i) != [key(i), none]) {
            return Ok(None);
        }
        let mut track = false;
        for i in 0..n {
            let value = *items.add(2 * i + 1);
            (*entries.add(i))[1] = value;
            track |= may_be_tracked(value);
            // The copy took a reference to the key and one to None.
            decref(key(i));
            decref(none);
        }
        if track && ffi::PyObject_GC_IsTracked(copy.as_ptr()) == 0 {
            ffi::PyObject_GC_Track(copy.as_ptr().cast());
        }
        Ok(Some(copy))
    }

    /// After `dict` (just made the usual way, with no template for its
    /// keys): its keys are remembered, and a template of them is made when
    /// they come a third time in a row. Errors are dropped (there is just no
    /// template).
    ///
    /// # Safety
    /// Attached; `dict` is a live dict no other code has seen.
    pub unsafe fn learn(&mut self, py: Python<'_>, dict: *mut ffi::PyObject) {
        let Some((entries, n)) = Layout::get().dict_str_entries(dict) else {
            return;
        };
        if !(Self::MIN_MEMBERS..=Self::MAX_MEMBERS).contains(&n) {
            return;
        }
        let key = |i: usize| (*entries.add(i))[0];
        // No deleted entries (a dict made by insertion alone has none).
        if (0..n).any(|i| (*entries.add(i))[1].is_null()) {
            return;
        }
        let mut fingerprint = n as u64;
        for i in 0..n {
            fingerprint = (fingerprint ^ key(i) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        let fingerprint = fingerprint | 1;
        let slot = &mut self.slots[Self::slot_of(key(0), key(n - 1), n)];
        if slot.seen != fingerprint {
            (slot.seen, slot.again) = (fingerprint, 0);
            return;
        }
        slot.again += 1;
        if slot.again < Self::SIGHTINGS - 1 {
            return;
        }
        (slot.seen, slot.again) = (0, 0);
        // The template: a copy of `dict` (CPython clones its table), its
        // values replaced by None.
        let Ok(template) = Owned::from_new(py, ffi::PyDict_Copy(dict)) else {
            ffi::PyErr_Clear();
            return;
        };
        let Some((copied, count)) = Layout::get().dict_str_entries(template.as_ptr()) else {
            return;
        };
        if count != n || (0..n).any(|i| (*copied.add(i))[0] != key(i)) {
            return;
        }
        let none = ffi::Py_None();
        for i in 0..n {
            let value = std::mem::replace(&mut (*copied.add(i))[1], none);
            incref(none);
            // (Still held by `dict`.)
            decref(value);
        }
        // It holds strs and None only: untracked, as a dict of those is
        // made, so that its copies are tracked only when they must be.
        if ffi::PyObject_GC_IsTracked(template.as_ptr()) != 0 {
            ffi::PyObject_GC_UnTrack(template.as_ptr().cast());
        }
        slot.template = Some(Bound::from_owned_ptr(py, template.into_ptr()).unbind());
        slot.members = n;
    }
}

/// `_PyObject_GC_MAY_BE_TRACKED`: whether a dict holding `o` is tracked by
/// the garbage collector.
#[inline(always)]
unsafe fn may_be_tracked(o: *mut ffi::PyObject) -> bool {
    let tp = ffi::Py_TYPE(o);
    if tp == &raw mut ffi::PyList_Type || tp == &raw mut ffi::PyDict_Type {
        return true;
    }
    if tp == &raw mut ffi::PyUnicode_Type
        || tp == &raw mut ffi::PyLong_Type
        || tp == &raw mut ffi::PyFloat_Type
        || tp == &raw mut ffi::PyBool_Type
        || o == ffi::Py_None()
    {
        return false;
    }
    // What the hooks return.
    if ffi::PyType_GetFlags(tp) & ffi::Py_TPFLAGS_HAVE_GC == 0 {
        return false;
    }
    tp != &raw mut ffi::PyTuple_Type || ffi::PyObject_GC_IsTracked(o) != 0
}
