//! The encoder's text: strings escaped as `json.encoder`'s
//! `encode_basestring_ascii` / `encode_basestring`, floats as `float.__repr__`,
//! integers as `int.__repr__`.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `encode_basestring_ascii`: `"`, `\`, control characters, DEL and every
/// non-ASCII character escaped (astral characters as a surrogate pair), in
/// quotes. `s` is UTF-8, or generalised UTF-8 holding surrogates.
pub fn write_str_ascii(out: &mut Vec<u8>, s: &[u8]) {
    write_str::<true>(out, s)
}

/// `encode_basestring`: only `"`, `\` and control characters escaped.
pub fn write_str_unicode(out: &mut Vec<u8>, s: &[u8]) {
    write_str::<false>(out, s)
}

/// Input bytes escaped per reservation: the worst case (6 output bytes per
/// input byte) is reserved for one segment at a time, not a whole string.
const SEGMENT: usize = 4096;

#[inline]
fn write_str<const ASCII: bool>(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut a = 0;
    while a < s.len() {
        let mut b = (a + SEGMENT).min(s.len());
        // Never split a UTF-8 sequence.
        while b < s.len() && (s[b] as i8) < -0x40 {
            b += 1;
        }
        escape_segment::<ASCII>(out, &s[a..b]);
        a = b;
    }
    out.push(b'"');
}

fn escape_segment<const ASCII: bool>(out: &mut Vec<u8>, s: &[u8]) {
    // At most 6 output bytes per input byte (a control character), plus 16
    // of slack for the vector loop's stores.
    out.reserve(s.len() * 6 + 16);
    // SAFETY: every write below stays within the reservation (the vector
    // loop may store 16 bytes ahead, inside the slack) and only written
    // bytes are exposed by `set_len`.
    unsafe {
        let mut o = out.as_mut_ptr().add(out.len());
        let mut i = 0;
        let n = s.len();
        loop {
            let run = copy_plain_run::<ASCII>(s, i, o);
            i += run;
            o = o.add(run);
            if i >= n {
                break;
            }
            let b = s[i];
            if b < 0x80 {
                o = put_ascii_escape(o, b);
                i += 1;
            } else {
                // Only reached for ASCII output: non-ASCII bytes are plain otherwise.
                let (cp, len) = decode_code_point(&s[i..]);
                if cp >= 0x10000 {
                    let v = cp - 0x10000;
                    o = put_u_escape(o, 0xD800 | (v >> 10));
                    o = put_u_escape(o, 0xDC00 | (v & 0x3FF));
                } else {
                    o = put_u_escape(o, cp);
                }
                i += len;
            }
        }
        out.set_len(o.offset_from(out.as_ptr()) as usize);
    }
}

/// Copies the bytes from `s[i..]` that need no escaping to `o`; returns
/// how many. May write up to 16 bytes past them (inside the reserved slack).
#[inline(always)]
unsafe fn copy_plain_run<const ASCII: bool>(s: &[u8], i: usize, o: *mut u8) -> usize {
    let n = s.len();
    let mut k = i;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let ctrl_max = _mm_set1_epi8(0x1f);
        let tilde = _mm_set1_epi8(b'~' as i8);
        while k + 16 <= n {
            let v = _mm_loadu_si128(s.as_ptr().add(k) as *const __m128i);
            _mm_storeu_si128(o.add(k - i) as *mut __m128i, v);
            let mut m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
            m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, ctrl_max), v));
            let mut mask = _mm_movemask_epi8(m);
            if ASCII {
                // Bytes above '~': DEL and every non-ASCII byte.
                mask |= !_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, tilde), tilde)) & 0xFFFF;
            }
            if mask != 0 {
                return k - i + mask.trailing_zeros() as usize;
            }
            k += 16;
        }
    }
    while k < n {
        let b = s[k];
        if if ASCII {
            needs_ascii_escape(b)
        } else {
            needs_unicode_escape(b)
        } {
            break;
        }
        *o.add(k - i) = b;
        k += 1;
    }
    k - i
}

#[inline]
unsafe fn put_ascii_escape(o: *mut u8, b: u8) -> *mut u8 {
    let two = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => return put_u_escape(o, b as u32),
    };
    *o = b'\\';
    *o.add(1) = two;
    o.add(2)
}

#[inline]
unsafe fn put_u_escape(o: *mut u8, c: u32) -> *mut u8 {
    let bytes = [
        b'\\',
        b'u',
        HEX[(c >> 12) as usize & 0xF],
        HEX[(c >> 8) as usize & 0xF],
        HEX[(c >> 4) as usize & 0xF],
        HEX[c as usize & 0xF],
    ];
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), o, 6);
    o.add(6)
}

/// Decode one (generalised) UTF-8 sequence: the code point and its length.
#[inline]
fn decode_code_point(s: &[u8]) -> (u32, usize) {
    let b0 = s[0] as u32;
    let cont = |i: usize| s.get(i).map_or(0, |&b| (b & 0x3F) as u32);
    if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    }
}

#[inline]
fn needs_ascii_escape(b: u8) -> bool {
    !(b' '..=b'~').contains(&b) || b == b'"' || b == b'\\'
}

#[inline]
fn needs_unicode_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `float.__repr__` of a finite `v` ("1.0", "1e-07", "1e+16", "-0.0", "5e-324").
///
/// ryu gives the same shortest round-trip digits as CPython's repr; only the
/// layout differs. ryu uses fixed notation for decimal exponents -5 < k <= 16
/// and "1.5e-7" otherwise; Python switches at -4 and writes "1.5e-07" /
/// "1e+16". So ryu's text is used as it is, except for the exponent's sign
/// and width and for the one fixed case (0.0000ddd) Python writes as an exponent.
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    debug_assert!(v.is_finite());
    let mut buf = ryu::Buffer::new();
    let t = buf.format_finite(v).as_bytes();
    if let Some(e) = t.iter().rposition(|&b| b == b'e') {
        out.extend_from_slice(&t[..e]);
        out.push(b'e');
        let exp = &t[e + 1..];
        let digits = match exp.split_first() {
            Some((b'-', rest)) => {
                out.push(b'-');
                rest
            }
            _ => {
                out.push(b'+');
                exp
            }
        };
        if digits.len() == 1 {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
        return;
    }
    let (sign, unsigned) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, t),
    };
    if let Some(digits) = unsigned.strip_prefix(b"0.0000") {
        // 1e-5 <= |v| < 1e-4: Python writes d.ddde-05.
        if sign {
            out.push(b'-');
        }
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.extend_from_slice(b"e-05");
        return;
    }
    out.extend_from_slice(t);
}

/// `int.__repr__` of a machine integer.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn float_repr() {
        for (v, s) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e-7, "1e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (12345.678, "12345.678"),
            (100.0, "100.0"),
            (0.00001234, "1.234e-05"),
            (-0.00001, "-1e-05"),
            (0.000123, "0.000123"),
            (1e-100, "1e-100"),
            (-1.5e300, "-1.5e+300"),
            (2e22, "2e+22"),
        ] {
            assert_eq!(f(v), s);
        }
    }

    fn esc(s: &str, ascii: bool) -> String {
        let mut out = Vec::new();
        if ascii {
            write_str_ascii(&mut out, s.as_bytes());
        } else {
            write_str_unicode(&mut out, s.as_bytes());
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes() {
        assert_eq!(
            esc("a\"b\\c\n\u{1}\u{7f}é€😀", true),
            r#""a\"b\\c\n\u0001\u007f\u00e9\u20ac\ud83d\ude00""#
        );
        assert_eq!(
            esc("a\"b\\c\n\u{1}\u{7f}é€😀", false),
            "\"a\\\"b\\\\c\\n\\u0001\u{7f}é€😀\""
        );
        let long = "x".repeat(40) + "\u{8}" + &"y".repeat(40);
        assert_eq!(
            esc(&long, true),
            format!("\"{}\\b{}\"", "x".repeat(40), "y".repeat(40))
        );
    }

    /// The stdlib's escaping, one character at a time.
    fn reference(s: &str, ascii: bool) -> String {
        let mut r = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => r.push_str("\\\""),
                '\\' => r.push_str("\\\\"),
                '\n' => r.push_str("\\n"),
                '\r' => r.push_str("\\r"),
                '\t' => r.push_str("\\t"),
                '\u{8}' => r.push_str("\\b"),
                '\u{c}' => r.push_str("\\f"),
                c if (c as u32) < 0x20 || (ascii && c as u32 >= 0x7f) => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        r.push_str(&format!("\\u{:04x}", unit));
                    }
                }
                c => r.push(c),
            }
        }
        r.push('"');
        r
    }

    proptest::proptest! {
        #[test]
        fn escaping_matches_the_reference(s in "(?s).{0,40}|[a-z\\x00-\\x1f\"\\\\é😀\\u{7f}]{0,9000}") {
            proptest::prop_assert_eq!(esc(&s, true), reference(&s, true));
            proptest::prop_assert_eq!(esc(&s, false), reference(&s, false));
        }
    }
}
