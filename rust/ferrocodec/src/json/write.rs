//! The encoder's text: strings escaped as `json.encoder`'s
//! `encode_basestring_ascii` / `encode_basestring`, floats as `float.__repr__`,
//! integers as `int.__repr__`.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `encode_basestring_ascii`: `"`, `\`, control characters, DEL and every
/// non-ASCII character escaped (astral characters as a surrogate pair), in
/// quotes. `s` is UTF-8, or generalised UTF-8 holding surrogates.
pub fn write_str_ascii(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        i = find_ascii_escape(s, i);
        if i >= s.len() {
            break;
        }
        out.extend_from_slice(&s[start..i]);
        let b = s[i];
        if b < 0x80 {
            write_ascii_escape(out, b);
            i += 1;
        } else {
            let (cp, n) = decode_code_point(&s[i..]);
            if cp >= 0x10000 {
                let v = cp - 0x10000;
                write_u_escape(out, 0xD800 | (v >> 10));
                write_u_escape(out, 0xDC00 | (v & 0x3FF));
            } else {
                write_u_escape(out, cp);
            }
            i += n;
        }
        start = i;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// `encode_basestring`: only `"`, `\` and control characters escaped.
pub fn write_str_unicode(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        i = find_unicode_escape(s, i);
        if i >= s.len() {
            break;
        }
        out.extend_from_slice(&s[start..i]);
        write_ascii_escape(out, s[i]);
        i += 1;
        start = i;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

#[inline]
fn write_ascii_escape(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => write_u_escape(out, b as u32),
    }
}

#[inline]
fn write_u_escape(out: &mut Vec<u8>, c: u32) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[(c >> 12) as usize & 0xF],
        HEX[(c >> 8) as usize & 0xF],
        HEX[(c >> 4) as usize & 0xF],
        HEX[c as usize & 0xF],
    ]);
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

/// First offset at or after `i` whose byte needs `encode_basestring_ascii`'s escaping.
#[inline]
fn find_ascii_escape(s: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        find_escape_sse2::<true>(s, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        s[i..]
            .iter()
            .position(|&b| needs_ascii_escape(b))
            .map_or(s.len(), |p| p + i)
    }
}

/// First offset at or after `i` whose byte needs `encode_basestring`'s escaping.
#[inline]
fn find_unicode_escape(s: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        find_escape_sse2::<false>(s, i)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        s[i..]
            .iter()
            .position(|&b| needs_unicode_escape(b))
            .map_or(s.len(), |p| p + i)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn find_escape_sse2<const ASCII: bool>(s: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::*;
    let quote = _mm_set1_epi8(b'"' as i8);
    let backslash = _mm_set1_epi8(b'\\' as i8);
    let ctrl_max = _mm_set1_epi8(0x1f);
    let tilde = _mm_set1_epi8(b'~' as i8);
    while i + 16 <= s.len() {
        let v = _mm_loadu_si128(s.as_ptr().add(i) as *const __m128i);
        let mut m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, ctrl_max), v));
        if ASCII {
            // Bytes above '~' (DEL and every non-ASCII byte).
            m = _mm_or_si128(
                m,
                _mm_xor_si128(
                    _mm_cmpeq_epi8(_mm_max_epu8(v, tilde), tilde),
                    _mm_set1_epi8(-1),
                ),
            );
        }
        let mask = _mm_movemask_epi8(m);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    while i < s.len() {
        let b = s[i];
        if if ASCII {
            needs_ascii_escape(b)
        } else {
            needs_unicode_escape(b)
        } {
            return i;
        }
        i += 1;
    }
    s.len()
}

/// `float.__repr__` of a finite `v` ("1.0", "1e-07", "1e+16", "-0.0", "5e-324").
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    debug_assert!(v.is_finite());
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    // Shortest round-trip digits and the decimal point position (value =
    // 0.d1d2... x 10^decpt), from ryu's text, then Python's layout.
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut digits = [0u8; 20];
    let mut n = 0usize;
    let mut decpt: i32;
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(e) => (&text[..e], parse_exp(&text[e + 1..])),
        None => (text, 0),
    };
    let dot = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len());
    decpt = dot as i32 + exp;
    let mut leading = true;
    for &b in mantissa {
        if b == b'.' {
            continue;
        }
        if leading && b == b'0' {
            decpt -= 1;
            continue;
        }
        leading = false;
        digits[n] = b;
        n += 1;
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[..n];
    if negative {
        out.push(b'-');
    }
    if decpt <= -4 || decpt > 16 {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        let e = decpt - 1;
        out.push(b'e');
        out.push(if e < 0 { b'-' } else { b'+' });
        let e = e.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(e).as_bytes());
    } else if decpt <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-decpt) as usize, b'0');
        out.extend_from_slice(digits);
    } else if (decpt as usize) < n {
        out.extend_from_slice(&digits[..decpt as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[decpt as usize..]);
    } else {
        out.extend_from_slice(digits);
        out.resize(out.len() + (decpt as usize - n), b'0');
        out.extend_from_slice(b".0");
    }
}

fn parse_exp(t: &[u8]) -> i32 {
    let (neg, t) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, t),
    };
    let v = t.iter().fold(0i32, |a, &d| a * 10 + (d - b'0') as i32);
    if neg {
        -v
    } else {
        v
    }
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
}
