//! The encoder's output buffer.
//!
//! It is a `Vec<u8>` (this thread's spare one, copied into the result at
//! the end), or the str or bytes object `dumps` / `dumpb` will return,
//! written in place and given its final length at the end. The second
//! saves the copy: 12.8 µs of the 237 µs `dumps` of twitter.json takes
//! (588 KB). Small outputs keep the `Vec`: copying them costs less than
//! resizing an object, and a new small str comes from CPython's small
//! object allocator only when made at its final size. So do outputs of a
//! megabyte or more ([`IN_PLACE_MAX`]).

use ferrocodec::json::write::Out;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::pyobj::{bytes_resize, str_new};

/// What the finished output becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A str (written in place with an ASCII layout: a compact ASCII str,
    /// kept when the text turns out ASCII, which ensure_ascii makes sure
    /// of).
    AsciiStr,
    /// A bytes object.
    Bytes,
    /// Neither can be written in place (or the caller takes the bytes).
    Vec,
}

/// Where the bytes live.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Backing {
    /// A `Vec<u8>`'s allocation (`ptr`, `len`, `cap` are its parts).
    Vec,
    /// `obj`, a compact ASCII str of length `cap` made by
    /// `str_new::alloc`; `ptr` is its characters.
    Str,
    /// `obj`, a bytes object of length `cap`; `ptr` is its bytes.
    Bytes,
}

/// A `Vec<u8>` or an object being written (see the module's text),
/// written through [`Out`] (`Vec`'s methods).
pub struct OutBuf {
    ptr: *mut u8,
    len: usize,
    cap: usize,
    backing: Backing,
    /// The str or bytes object (Str and Bytes), owned; NULL for Vec.
    obj: *mut ffi::PyObject,
}

/// Outputs of at least this many bytes (judged by the previous one on
/// this thread) are written in place.
pub const IN_PLACE_MIN: usize = 4096;

/// Outputs of this many bytes or more (judged the same way) are written in
/// the thread's `Vec` and copied, as small ones are.
///
/// In place, such an output is allocated at a quarter more than the last
/// one and shrunk at the end. With glibc's malloc, that allocation is
/// mapped afresh (and every page of it faulted in) on each call once the
/// process has freed the last result: its dynamic mmap threshold then sits
/// at that result's size, below the next request. `dumps` of canada.json
/// (2.2 MB) in a process doing nothing else took 4.2 ms in place (one
/// mmap, mremap and munmap per call) against 3.0 ms copied from the `Vec`.
/// Where something else in the process had raised the threshold, in place
/// was 4.6% faster (2.81 against 2.94 ms).
pub const IN_PLACE_MAX: usize = 1 << 20;

impl Default for OutBuf {
    fn default() -> Self {
        OutBuf::from_vec(Vec::new())
    }
}

impl OutBuf {
    pub fn from_vec(v: Vec<u8>) -> Self {
        let mut v = std::mem::ManuallyDrop::new(v);
        OutBuf {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
            backing: Backing::Vec,
            obj: std::ptr::null_mut(),
        }
    }

    /// An empty buffer of `cap` bytes in a new object that will become
    /// `target`, or None where that cannot be done (no Python error left).
    ///
    /// # Safety
    /// Attached to the interpreter. For [`Target::AsciiStr`], the buffer
    /// may be finished ([`Self::finish_object`]) only when what was written
    /// is ASCII; otherwise it is only dropped (which frees the str).
    pub unsafe fn object(target: Target, cap: usize) -> Option<Self> {
        let cap = cap.max(1);
        let (obj, ptr, backing) = match target {
            Target::AsciiStr => {
                let (s, data) = str_new::alloc(cap, 127)?;
                (s, data, Backing::Str)
            }
            Target::Bytes if bytes_resize::available() => {
                let b = ffi::PyBytes_FromStringAndSize(std::ptr::null(), cap as ffi::Py_ssize_t);
                if b.is_null() {
                    (b, std::ptr::null_mut(), Backing::Bytes)
                } else {
                    (b, bytes_resize::data(b), Backing::Bytes)
                }
            }
            _ => return None,
        };
        if obj.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(OutBuf {
            ptr,
            len: 0,
            cap,
            backing,
            obj,
        })
    }

    /// The buffer as a `Vec` (its allocation, to be kept for the next
    /// call), or None when it is an object (released here).
    pub fn into_vec(mut self) -> Option<Vec<u8>> {
        let v = self.take_vec();
        // `self` is now an empty Vec buffer, or holds the object.
        v
    }

    fn take_vec(&mut self) -> Option<Vec<u8>> {
        if self.backing != Backing::Vec {
            return None;
        }
        let me = std::mem::replace(self, OutBuf::from_vec(Vec::new()));
        let me = std::mem::ManuallyDrop::new(me);
        // SAFETY: the parts of a Vec<u8>, taken apart by `from_vec` (and
        // kept consistent by `set_len` and `grow`).
        Some(unsafe { Vec::from_raw_parts(me.ptr, me.len, me.cap) })
    }

    /// The finished object when the buffer is one made for `target`: given
    /// its final length and handed over (the buffer is left empty). None
    /// for a `Vec` or an object made for another target.
    ///
    /// # Safety
    /// Attached to the interpreter; for [`Target::AsciiStr`], the bytes
    /// written are ASCII.
    #[inline]
    pub unsafe fn finish_object(
        &mut self,
        py: Python<'_>,
        target: Target,
    ) -> Option<PyResult<Py<PyAny>>> {
        let ok = matches!(
            (self.backing, target),
            (Backing::Str, Target::AsciiStr) | (Backing::Bytes, Target::Bytes)
        );
        if !ok {
            return None;
        }
        let mut obj = std::mem::replace(&mut self.obj, std::ptr::null_mut());
        let (len, cap) = (self.len, self.cap);
        *self = OutBuf::from_vec(Vec::new());
        if len != cap {
            let done = match target {
                Target::AsciiStr => ffi::PyUnicode_Resize(&mut obj, len as ffi::Py_ssize_t) == 0,
                _ => bytes_resize::resize(&mut obj, len).is_some(),
            };
            if !done {
                // A failed bytes resize has released the object already.
                if target == Target::AsciiStr {
                    ffi::Py_DECREF(obj);
                }
                return Some(Err(PyErr::fetch(py)));
            }
        }
        Some(Ok(Bound::from_owned_ptr(py, obj).unbind()))
    }

    /// Whether the bytes are written into a str (made by [`Self::object`]
    /// for [`Target::AsciiStr`]).
    #[inline(always)]
    pub fn is_str(&self) -> bool {
        self.backing == Backing::Str
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the first `len` bytes are written.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Room for `additional` more bytes: at least double the capacity, as
    /// `Vec` grows. An object that cannot grow aborts, as a `Vec` does
    /// when memory runs out.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) {
        let need = self
            .len
            .checked_add(additional)
            .expect("output larger than the address space");
        if self.backing == Backing::Vec {
            let mut v = self.take_vec().expect("a Vec buffer");
            v.reserve(additional);
            *self = OutBuf::from_vec(v);
            return;
        }
        let cap = need.max(self.cap.saturating_mul(2));
        // SAFETY: the object is a fresh str or bytes owned by this buffer
        // alone, and the encoder runs attached to the interpreter.
        let ptr = unsafe {
            match self.backing {
                Backing::Str => {
                    if ffi::PyUnicode_Resize(&mut self.obj, cap as ffi::Py_ssize_t) == 0 {
                        Some(str_new::ascii_data(self.obj))
                    } else {
                        None
                    }
                }
                _ => bytes_resize::resize(&mut self.obj, cap),
            }
        };
        match ptr {
            Some(p) => {
                self.ptr = p;
                self.cap = cap;
            }
            None => std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<u8>(cap).expect("output size"),
            ),
        }
    }
}

impl Drop for OutBuf {
    fn drop(&mut self) {
        if self.backing == Backing::Vec {
            drop(self.take_vec());
        } else if !self.obj.is_null() {
            // SAFETY: the buffer owns this reference; the encoder (and so
            // its buffer) lives while attached.
            unsafe { ffi::Py_DECREF(self.obj) }
        }
    }
}

// SAFETY: `ptr` is writable for `cap` bytes in every backing, the first
// `len` are written, and `grow` makes room.
unsafe impl Out for OutBuf {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn capacity(&self) -> usize {
        self.cap
    }

    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr
    }

    #[inline(always)]
    unsafe fn set_len(&mut self, new_len: usize) {
        debug_assert!(new_len <= self.cap);
        self.len = new_len;
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        if self.cap - self.len < additional {
            self.grow(additional);
        }
    }

    #[inline(always)]
    fn push(&mut self, b: u8) {
        self.reserve(1);
        // SAFETY: one byte of room.
        unsafe {
            *self.ptr.add(self.len) = b;
        }
        self.len += 1;
    }

    #[inline]
    fn extend_from_slice(&mut self, s: &[u8]) {
        self.reserve(s.len());
        // SAFETY: `s.len()` bytes of room; `s` is not inside the spare
        // room, which nothing hands out.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), self.ptr.add(self.len), s.len());
        }
        self.len += s.len();
    }
}
