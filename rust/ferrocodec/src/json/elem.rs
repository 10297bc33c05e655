//! Numeric array elements as JSON text: what `json.dumps(arr.tolist())`
//! writes for each element of a NumPy array of bool, int, uint or float.
//!
//! The element type comes from the array's buffer format (PEP 3118 struct
//! syntax, as NumPy exports it: `"?"`, `"<i"`, `">d"`, `"e"`, ...). `tolist()`
//! turns each element into a Python bool, int or float (float16 and float32
//! widened to a double), so the text is that object's JSON.

use super::write::{write_f64_raw, write_i64_raw, write_u64_raw, Out, NUMBER_ROOM};

/// The element types written natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemKind {
    Bool,
    /// Signed integer of 1, 2, 4 or 8 bytes.
    Int,
    /// Unsigned integer of 1, 2, 4 or 8 bytes.
    UInt,
    /// IEEE half, single or double precision (2, 4 or 8 bytes).
    Float,
}

/// An element type with its size and byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elem {
    pub kind: ElemKind,
    pub size: usize,
    /// Stored in the other byte order than this machine's.
    pub swapped: bool,
}

impl Elem {
    /// The element type of a buffer with this `format` and `itemsize`, or
    /// `None` for anything else (long double, complex, records, strings,
    /// repeat counts ...), which the caller encodes another way.
    pub fn from_buffer_format(format: &[u8], itemsize: usize) -> Option<Elem> {
        let (order, code) = match format {
            [code] => (b'@', *code),
            [order @ (b'@' | b'=' | b'<' | b'>' | b'!'), code] => (*order, *code),
            _ => return None,
        };
        let big = match order {
            b'<' => false,
            b'>' | b'!' => true,
            _ => cfg!(target_endian = "big"),
        };
        let swapped = big != cfg!(target_endian = "big");
        let kind = match code {
            b'?' => ElemKind::Bool,
            b'b' | b'h' | b'i' | b'l' | b'q' | b'n' => ElemKind::Int,
            b'B' | b'H' | b'I' | b'L' | b'Q' | b'N' => ElemKind::UInt,
            b'e' | b'f' | b'd' => ElemKind::Float,
            _ => return None,
        };
        // The size is the buffer's (the letters' sizes depend on the order
        // prefix); it must be one the kind has.
        let ok = match (kind, code) {
            (ElemKind::Bool, _) => itemsize == 1,
            (ElemKind::Float, b'e') => itemsize == 2,
            (ElemKind::Float, b'f') => itemsize == 4,
            (ElemKind::Float, _) => itemsize == 8,
            _ => matches!(itemsize, 1 | 2 | 4 | 8),
        };
        ok.then_some(Elem {
            kind,
            size: itemsize,
            swapped,
        })
    }

    /// Writes `n` elements, the first at `ptr` and each `stride` bytes
    /// after the previous one, separated by `sep` (`", "`, or the item
    /// separator and indentation). A non-finite float is written as `NaN`,
    /// `Infinity` or `-Infinity` when `allow_nan`; otherwise writing stops
    /// before it and its index and value are returned.
    ///
    /// # Safety
    /// `ptr + i * stride` must be `size` readable bytes for every `i < n`.
    pub unsafe fn write_row<O: Out + ?Sized>(
        self,
        out: &mut O,
        ptr: *const u8,
        n: usize,
        stride: isize,
        sep: &[u8],
        allow_nan: bool,
    ) -> Result<(), (usize, f64)> {
        let row = Row {
            ptr,
            n,
            stride,
            sep,
            allow_nan,
        };
        macro_rules! load {
            ($t:ty) => {
                // Used inside the unsafe block below: `size` readable bytes.
                |p: *const u8| {
                    let v = p.cast::<$t>().read_unaligned();
                    if self.swapped {
                        v.swap_bytes()
                    } else {
                        v
                    }
                }
            };
        }
        // One loop per element type, so each compiles to straight-line code.
        // SAFETY (each arm): the caller's contract, passed on.
        unsafe {
            match (self.kind, self.size) {
                (ElemKind::Bool, _) => row.write(out, |p, dst| {
                    let text = if *p != 0 {
                        b"true\0\0\0\0"
                    } else {
                        b"false\0\0\0"
                    };
                    std::ptr::copy_nonoverlapping(text.as_ptr(), dst, 8);
                    Ok(4 + usize::from(*p == 0))
                }),
                (ElemKind::Int, 1) => row.int(out, |p| *p as i8 as i64),
                (ElemKind::Int, 2) => row.int(out, |p| load!(u16)(p) as i16 as i64),
                (ElemKind::Int, 4) => row.int(out, |p| load!(u32)(p) as i32 as i64),
                (ElemKind::Int, _) => row.int(out, |p| load!(u64)(p) as i64),
                (ElemKind::UInt, 1) => row.uint(out, |p| *p as u64),
                (ElemKind::UInt, 2) => row.uint(out, |p| load!(u16)(p) as u64),
                (ElemKind::UInt, 4) => row.uint(out, |p| load!(u32)(p) as u64),
                (ElemKind::UInt, _) => row.uint(out, load!(u64)),
                (ElemKind::Float, 2) => row.float(out, |p| f16_to_f64(load!(u16)(p))),
                (ElemKind::Float, 4) => row.float(out, |p| f32::from_bits(load!(u32)(p)) as f64),
                (ElemKind::Float, _) => row.float(out, |p| f64::from_bits(load!(u64)(p))),
            }
        }
    }
}

struct Row<'a> {
    ptr: *const u8,
    n: usize,
    stride: isize,
    sep: &'a [u8],
    allow_nan: bool,
}

/// Elements per reservation: the worst case is reserved for this many at a
/// time, not for a whole (possibly huge) row.
const BLOCK: usize = 4096;

impl Row<'_> {
    unsafe fn int<O: Out + ?Sized>(
        &self,
        out: &mut O,
        load: impl Fn(*const u8) -> i64,
    ) -> Result<(), (usize, f64)> {
        // SAFETY: passed on from write_row; `dst` has NUMBER_ROOM bytes.
        unsafe { self.write(out, |p, dst| Ok(write_i64_raw(load(p), dst))) }
    }

    unsafe fn uint<O: Out + ?Sized>(
        &self,
        out: &mut O,
        load: impl Fn(*const u8) -> u64,
    ) -> Result<(), (usize, f64)> {
        // SAFETY: as in `int`.
        unsafe { self.write(out, |p, dst| Ok(write_u64_raw(load(p), dst))) }
    }

    unsafe fn float<O: Out + ?Sized>(
        &self,
        out: &mut O,
        load: impl Fn(*const u8) -> f64,
    ) -> Result<(), (usize, f64)> {
        // SAFETY: as in `int`.
        unsafe {
            self.write(out, |p, dst| {
                let v = load(p);
                if v.is_finite() {
                    Ok(write_f64_raw(v, dst))
                } else {
                    Err(v)
                }
            })
        }
    }

    /// The loop: `put(element, dst)` writes one element's text at `dst`
    /// (with NUMBER_ROOM bytes of room) and returns its length, or returns
    /// a non-finite float.
    unsafe fn write<O: Out + ?Sized>(
        &self,
        out: &mut O,
        put: impl Fn(*const u8, *mut u8) -> Result<usize, f64>,
    ) -> Result<(), (usize, f64)> {
        let sep = self.sep;
        // Short separators are copied as one fixed 16-byte block.
        let mut short = [0u8; 16];
        let is_short = sep.len() <= short.len();
        if is_short {
            short[..sep.len()].copy_from_slice(sep);
        }
        let per = NUMBER_ROOM + sep.len();
        let mut start = 0;
        while start < self.n {
            let end = (start + BLOCK).min(self.n);
            out.reserve((end - start) * per + short.len());
            let base = out.as_mut_ptr();
            let mut len = out.len();
            for i in start..end {
                // SAFETY: every element takes at most `per` bytes from its
                // start (separator, then NUMBER_ROOM), all reserved above;
                // the element is readable per write_row's contract.
                unsafe {
                    if i > 0 {
                        if is_short {
                            std::ptr::copy_nonoverlapping(short.as_ptr(), base.add(len), 16);
                        } else {
                            std::ptr::copy_nonoverlapping(sep.as_ptr(), base.add(len), sep.len());
                        }
                        len += sep.len();
                    }
                    match put(self.ptr.offset(i as isize * self.stride), base.add(len)) {
                        Ok(k) => len += k,
                        Err(v) if self.allow_nan => {
                            let text: &[u8; 16] = if v > 0.0 {
                                b"Infinity\0\0\0\0\0\0\0\0"
                            } else if v < 0.0 {
                                b"-Infinity\0\0\0\0\0\0\0"
                            } else {
                                b"NaN\0\0\0\0\0\0\0\0\0\0\0\0\0"
                            };
                            std::ptr::copy_nonoverlapping(text.as_ptr(), base.add(len), 16);
                            len += if v > 0.0 {
                                8
                            } else if v < 0.0 {
                                9
                            } else {
                                3
                            };
                        }
                        Err(v) => {
                            out.set_len(len);
                            return Err((i, v));
                        }
                    }
                }
            }
            // SAFETY: bytes up to `len` were written above.
            unsafe { out.set_len(len) };
            start = end;
        }
        Ok(())
    }
}

/// IEEE 754 half precision to double (exact: every half is a double).
#[inline]
pub fn f16_to_f64(h: u16) -> f64 {
    let sign = (h as u64 & 0x8000) << 48;
    let exp = (h >> 10) & 0x1f;
    let frac = (h & 0x3ff) as u64;
    let magnitude = match exp {
        // Subnormal (and zero): frac * 2^-24, exact.
        0 => return f64::from_bits(sign | (frac as f64 * (1.0 / 16_777_216.0)).to_bits()),
        0x1f => 0x7ff0_0000_0000_0000 | (frac << 42),
        _ => ((exp as u64 + 1023 - 15) << 52) | (frac << 42),
    };
    f64::from_bits(sign | magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(format: &str, itemsize: usize, bytes: &[u8]) -> Result<String, f64> {
        let e = Elem::from_buffer_format(format.as_bytes(), itemsize).expect("supported");
        let mut out = Vec::new();
        // SAFETY: one element of `itemsize` bytes.
        unsafe { e.write_row(&mut out, bytes.as_ptr(), 1, 0, b", ", false) }.map_err(|(_, v)| v)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn rows() {
        let e = Elem::from_buffer_format(b"<d", 8).unwrap();
        let data: Vec<u8> = [1.5f64, f64::NAN, -0.0, f64::NEG_INFINITY, 1e300]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut out = Vec::new();
        // SAFETY: 5 elements of 8 bytes; backwards with a negative stride too.
        unsafe { e.write_row(&mut out, data.as_ptr(), 5, 8, b", ", true) }.unwrap();
        assert_eq!(out, b"1.5, NaN, -0.0, -Infinity, 1e+300");
        out.clear();
        let long_sep = b",\n                              ";
        unsafe { e.write_row(&mut out, data.as_ptr().add(32), 3, -16, long_sep, true) }.unwrap();
        assert_eq!(
            out,
            [&b"1e+300"[..], long_sep, b"-0.0", long_sep, b"1.5"].concat()
        );
        out.clear();
        let r = unsafe { e.write_row(&mut out, data.as_ptr(), 5, 8, b",", false) };
        assert!(matches!(r, Err((1, v)) if v.is_nan()));
        assert_eq!(out, b"1.5,");
        // Many elements (several reservation blocks).
        let ints: Vec<u8> = (0..10_000i32)
            .flat_map(|v| (v - 5000).to_ne_bytes())
            .collect();
        let e = Elem::from_buffer_format(b"i", 4).unwrap();
        out.clear();
        unsafe { e.write_row(&mut out, ints.as_ptr(), 10_000, 4, b", ", false) }.unwrap();
        let want: Vec<String> = (0..10_000).map(|v| (v - 5000).to_string()).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want.join(", "));
    }

    #[test]
    fn formats() {
        assert_eq!(text("?", 1, &[1]).unwrap(), "true");
        assert_eq!(text("?", 1, &[0]).unwrap(), "false");
        assert_eq!(text("b", 1, &[0xff]).unwrap(), "-1");
        assert_eq!(text("B", 1, &[0xff]).unwrap(), "255");
        assert_eq!(text("<h", 2, &(-300i16).to_le_bytes()).unwrap(), "-300");
        assert_eq!(text(">h", 2, &(-300i16).to_be_bytes()).unwrap(), "-300");
        assert_eq!(
            text("l", 8, &i64::MIN.to_ne_bytes()).unwrap(),
            i64::MIN.to_string()
        );
        assert_eq!(
            text(">Q", 8, &u64::MAX.to_be_bytes()).unwrap(),
            u64::MAX.to_string()
        );
        assert_eq!(
            text("f", 4, &0.1f32.to_ne_bytes()).unwrap(),
            "0.10000000149011612"
        );
        assert_eq!(text(">d", 8, &1e16f64.to_be_bytes()).unwrap(), "1e+16");
        assert_eq!(text("e", 2, &0x3c00u16.to_ne_bytes()).unwrap(), "1.0");
        assert_eq!(
            text("e", 2, &0x0001u16.to_ne_bytes()).unwrap(),
            "5.960464477539063e-08"
        );
        assert!(text("d", 8, &f64::NAN.to_ne_bytes()).unwrap_err().is_nan());
        assert_eq!(
            text("e", 2, &0xfc00u16.to_ne_bytes()),
            Err(f64::NEG_INFINITY)
        );
    }

    #[test]
    fn unsupported_formats() {
        for (f, n) in [
            ("g", 16),
            ("Zf", 8),
            ("2s", 2),
            ("3w", 12),
            ("T{b:a:}", 1),
            ("f", 8),
            ("?", 2),
        ] {
            assert_eq!(Elem::from_buffer_format(f.as_bytes(), n), None, "{f}");
        }
    }

    #[test]
    fn half_precision() {
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0x0400), 2f64.powi(-14));
        assert_eq!(f16_to_f64(0x8000).to_bits(), (-0.0f64).to_bits());
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0xfc00), f64::NEG_INFINITY);
        assert_eq!(f16_to_f64(0x8001), -(2f64.powi(-24)));
        // Every half against the arithmetic definition.
        for h in 0..=u16::MAX {
            let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
            let (e, m) = (((h >> 10) & 0x1f) as i32, (h & 0x3ff) as f64);
            let want = match e {
                0 => sign * m * 2f64.powi(-24),
                0x1f => continue,
                _ => sign * (1.0 + m / 1024.0) * 2f64.powi(e - 15),
            };
            assert_eq!(f16_to_f64(h).to_bits(), want.to_bits(), "{h:#x}");
        }
    }
}
