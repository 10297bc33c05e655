//! JSON numbers: the scanner's number reader, which finds where a number
//! ends and computes its value in the same pass,
//! and text to `f64`, correctly rounded as Python's `float()` reads it:
//! Clinger's fast path, then Eisel-Lemire (Lemire, "Number Parsing at a
//! Gigabyte per Second", 2021). What they cannot decide — more than 19
//! significant digits, or a product too close to a halfway point — is left to
//! core's parser, which is also correctly rounded.

use super::pow5::{LARGEST_POWER_OF_FIVE, POWER_OF_FIVE_128, SMALLEST_POWER_OF_FIVE};
use super::{SyntaxError, SyntaxErrorKind};

/// A number token of a document.
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    /// Matches `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`.
    pub text: &'a [u8],
    /// It has a fraction or an exponent.
    pub is_float: bool,
    /// Its value when the reader could compute it.
    pub value: NumberValue,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberValue {
    /// An integer of at most 18 digits.
    Int(i64),
    /// A float, correctly rounded.
    Float(f64),
    /// Left to the text: a longer integer, or a float the fast algorithms
    /// could not decide ([`Number::to_f64`] reads it).
    Text,
}

impl Number<'_> {
    /// The float's value (for an integer token, the float it denotes).
    #[inline]
    pub fn to_f64(&self) -> f64 {
        match self.value {
            NumberValue::Float(v) => v,
            // Exact conversion with one rounding, as float(text); "-0" is -0.0.
            NumberValue::Int(0) if self.text[0] == b'-' => -0.0,
            NumberValue::Int(i) => i as f64,
            NumberValue::Text => slow_f64(self.text),
        }
    }
}

/// `text` must match JSON's number grammar (see [`Number::text`]).
pub fn parse_f64(text: &[u8]) -> f64 {
    match scan_number(text, 0) {
        Ok((end, n)) if end == text.len() => n.to_f64(),
        _ => slow_f64(text),
    }
}

#[cold]
#[inline(never)]
fn slow_f64(text: &[u8]) -> f64 {
    // JSON number text is ASCII, which is UTF-8, and Rust's grammar accepts it.
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

/// `_match_number_unicode`: the number starting at `start` (a '-' or a
/// digit, else `ExpectingValue` at `start`) and the offset after it, with
/// its value computed on the way. Inlined into the scanner: returned
/// through memory, the token's fields were read back with wider loads than
/// they were written with (a store-forwarding stall per number).
#[inline(always)]
pub fn scan_number(data: &[u8], start: usize) -> Result<(usize, Number<'_>), SyntaxError> {
    let len = data.len();
    let expecting = || SyntaxError::new(SyntaxErrorKind::ExpectingValue, start);
    let mut idx = start;
    let negative = data.get(idx) == Some(&b'-');
    if negative {
        idx += 1;
    }
    let mut m = 0u64;
    let int_start = idx;
    match data.get(idx) {
        Some(b'1'..=b'9') => idx = digits(data, idx, &mut m),
        Some(b'0') => idx += 1,
        _ => return Err(expecting()),
    }
    let mut n_digits = idx - int_start;
    let mut is_float = false;
    let mut exponent = 0i64;
    if idx + 1 < len && data[idx] == b'.' && data[idx + 1].is_ascii_digit() {
        is_float = true;
        let frac_start = idx + 1;
        idx = digits(data, frac_start, &mut m);
        n_digits += idx - frac_start;
        exponent = -((idx - frac_start) as i64);
    }
    if idx + 1 < len && (data[idx] == b'e' || data[idx] == b'E') {
        let e_start = idx;
        idx += 1;
        let mut negative_exp = false;
        if idx + 1 < len && (data[idx] == b'-' || data[idx] == b'+') {
            negative_exp = data[idx] == b'-';
            idx += 1;
        }
        let mut e = 0i64;
        while idx < len && data[idx].is_ascii_digit() {
            // Beyond any exponent that matters, whatever the digits.
            if e < 1 << 40 {
                e = e * 10 + i64::from(data[idx] - b'0');
            }
            idx += 1;
        }
        if data[idx - 1].is_ascii_digit() {
            is_float = true;
            exponent += if negative_exp { -e } else { e };
        } else {
            idx = e_start;
        }
    }
    let text = &data[start..idx];
    let value = if !is_float {
        if n_digits <= 18 {
            let v = m as i64;
            NumberValue::Int(if negative { -v } else { v })
        } else {
            NumberValue::Text
        }
    } else if n_digits > 19 && significant_digits(&data[int_start..idx], n_digits) > 19 {
        NumberValue::Text
    } else {
        match float_value(m, exponent) {
            Some(v) => NumberValue::Float(if negative { -v } else { v }),
            None => NumberValue::Text,
        }
    };
    Ok((
        idx,
        Number {
            text,
            is_float,
            value,
        },
    ))
}

/// `n_digits` less the leading zeros (`0.000...`), which add nothing to the
/// mantissa.
#[cold]
fn significant_digits(unsigned: &[u8], n_digits: usize) -> usize {
    let zeros = unsigned
        .iter()
        .take_while(|&&b| b == b'0' || b == b'.')
        .filter(|&&b| b == b'0')
        .count();
    n_digits - zeros
}

const SIG_BITS: i32 = 52;
const MINIMUM_EXPONENT: i32 = -1023;
const INFINITE_POWER: i32 = 0x7FF;
const MIN_EXPONENT_ROUND_TO_EVEN: i64 = -4;
const MAX_EXPONENT_ROUND_TO_EVEN: i64 = 23;

/// Exactly representable powers of ten (Clinger's fast path).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads the run of digits at `s[i..]` into `m` (wrapping: the caller
/// counts digits). Returns the index after the run.
#[inline(always)]
fn digits(s: &[u8], i: usize, m: &mut u64) -> usize {
    #[cfg(simd_x86)]
    if s.len() - i >= 16 {
        return digits_sse2(s, i, m);
    }
    digits_scalar(s, i, m)
}

/// One digit at a time. Eight at a time in a 64-bit word (SWAR, with a
/// branch-free count and loads past the run) measured slower than this
/// loop (docs/benchmarks.md, session 11): each chunk's load address waited
/// on the previous chunk's count.
#[inline(always)]
fn digits_scalar(s: &[u8], mut i: usize, m: &mut u64) -> usize {
    while let Some(&d) = s.get(i) {
        if !d.is_ascii_digit() {
            break;
        }
        *m = m.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        i += 1;
    }
    i
}

/// `10^n` for `n` in 0..=16.
#[cfg(simd_x86)]
const POW10_U64: [u64; 17] = {
    let mut t = [1u64; 17];
    let mut n = 1;
    while n < 17 {
        t[n] = t[n - 1] * 10;
        n += 1;
    }
    t
};

/// The digits at `s[i..]` sixteen bytes at a time, without a branch on
/// where the run ends: one SSE2 load finds the run's length (so the next
/// token's position does not wait on the value), and the value of up to
/// sixteen digits is two eight-digit words (the one-digit loop took a turn
/// and a branch per digit: 15 to 17 for canada.json's floats).
/// `s.len() - i >= 16`.
#[cfg(simd_x86)]
#[inline(always)]
fn digits_sse2(s: &[u8], mut i: usize, m: &mut u64) -> usize {
    use std::arch::x86_64::*;
    loop {
        debug_assert!(s.len() - i >= 16);
        // SAFETY: sixteen bytes from `i` are in `s`; SSE2 is part of x86_64.
        let (n, lo, hi) = unsafe {
            let chunk = _mm_loadu_si128(s.as_ptr().add(i).cast());
            let t = _mm_sub_epi8(chunk, _mm_set1_epi8(b'0' as i8));
            let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
            let n = (!(_mm_movemask_epi8(is_digit) as u32)).trailing_zeros() as usize;
            let lo = _mm_cvtsi128_si64(t) as u64;
            let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(t, t)) as u64;
            (n, lo, hi)
        };
        if n == 0 {
            return i;
        }
        // The first min(n, 8) digits, then the rest, each moved to the top
        // of its word (little-endian: the digits after the run are shifted
        // out, zeros come in as leading zeros).
        let first = eight_digits(lo << (8 * (8 - n.min(8))));
        let rest = if n > 8 {
            eight_digits(hi << (8 * (16 - n)))
        } else {
            0
        };
        let value = first * POW10_U64[n.saturating_sub(8)] + rest;
        *m = m.wrapping_mul(POW10_U64[n]).wrapping_add(value);
        i += n;
        if n < 16 {
            return i;
        }
        if s.len() - i < 16 {
            return digits_scalar(s, i, m);
        }
    }
}

/// The value of eight digits, given as bytes 0..=9 with the first digit in
/// the low byte (fast_float's `parse_eight_digits_unrolled`).
#[cfg(simd_x86)]
#[inline(always)]
fn eight_digits(v: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    ((v & MASK)
        .wrapping_mul(MUL1)
        .wrapping_add(((v >> 16) & MASK).wrapping_mul(MUL2)))
        >> 32
}

/// `m * 10^exponent` (`m` exact), or `None` when the fast algorithms cannot
/// decide.
#[inline(always)]
fn float_value(m: u64, exponent: i64) -> Option<f64> {
    if m == 0 {
        return Some(0.0);
    }
    if (-22..=22).contains(&exponent) && m <= 1 << 53 {
        // Clinger: both m and 10^|e| are exact, so one rounding.
        let v = m as f64;
        return Some(if exponent < 0 {
            v / POW10[(-exponent) as usize]
        } else {
            v * POW10[exponent as usize]
        });
    }
    let (mantissa, power2) = eisel_lemire(exponent, m)?;
    Some(f64::from_bits(
        mantissa | (u64::from(power2 as u32) << SIG_BITS),
    ))
}

/// `w * 10^q` as the biased exponent and mantissa bits of an `f64`, or
/// `None` when the 128-bit product cannot decide the rounding.
#[inline(always)]
fn eisel_lemire(q: i64, mut w: u64) -> Option<(u64, i32)> {
    if w == 0 || q < SMALLEST_POWER_OF_FIVE {
        return Some((0, 0));
    }
    if q > LARGEST_POWER_OF_FIVE {
        return Some((0, INFINITE_POWER));
    }
    let lz = w.leading_zeros();
    w <<= lz;
    let (lo, hi) = product_approx(q, w, SIG_BITS as u32 + 3);
    if lo == u64::MAX && !(-27..=55).contains(&q) {
        // The truncated product might be off by one across a halfway point.
        return None;
    }
    let upperbit = (hi >> 63) as i32;
    let mut mantissa = hi >> (upperbit + 64 - SIG_BITS - 3);
    let mut power2 = power(q as i32) + upperbit - lz as i32 - MINIMUM_EXPONENT;
    if power2 <= 0 {
        // Subnormal (or zero).
        if -power2 + 1 >= 64 {
            return Some((0, 0));
        }
        mantissa >>= -power2 + 1;
        mantissa += mantissa & 1;
        mantissa >>= 1;
        power2 = i32::from(mantissa >= 1 << SIG_BITS);
        return Some((mantissa & !(1 << SIG_BITS), power2));
    }
    // Exactly halfway between two floats: round to even (down here).
    if lo <= 1
        && (MIN_EXPONENT_ROUND_TO_EVEN..=MAX_EXPONENT_ROUND_TO_EVEN).contains(&q)
        && mantissa & 3 == 1
        && (mantissa << (upperbit + 64 - SIG_BITS - 3)) == hi
    {
        mantissa &= !1;
    }
    mantissa += mantissa & 1;
    mantissa >>= 1;
    if mantissa >= 2 << SIG_BITS {
        mantissa = 1 << SIG_BITS;
        power2 += 1;
    }
    mantissa &= !(1 << SIG_BITS);
    if power2 >= INFINITE_POWER {
        return Some((0, INFINITE_POWER));
    }
    Some((mantissa, power2))
}

/// floor(log2(10^q)) + 63, for q in the table's range.
#[inline]
fn power(q: i32) -> i32 {
    (q.wrapping_mul(152_170 + 65536) >> 16) + 63
}

/// The high 128 bits of `w * 5^q` (as (low, high)), computing the second
/// partial product only when the first leaves the bits that matter unsure.
#[inline]
fn product_approx(q: i64, w: u64, precision: u32) -> (u64, u64) {
    let mask = u64::MAX >> precision;
    let (hi5, lo5) = POWER_OF_FIVE_128[(q - SMALLEST_POWER_OF_FIVE) as usize];
    let first = u128::from(w) * u128::from(hi5);
    let (mut first_lo, mut first_hi) = (first as u64, (first >> 64) as u64);
    if first_hi & mask == mask {
        let second_hi = ((u128::from(w) * u128::from(lo5)) >> 64) as u64;
        first_lo = first_lo.wrapping_add(second_hi);
        if second_hi > first_lo {
            first_hi += 1;
        }
    }
    (first_lo, first_hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(text: &str) {
        let want: f64 = text.parse().unwrap();
        let got = parse_f64(text.as_bytes());
        assert_eq!(got.to_bits(), want.to_bits(), "{text}");
        same_with_room(text);
    }

    /// With bytes after it, a number is read sixteen bytes at a time where
    /// the arch has that path: the same token as the one-byte reader gives.
    fn same_with_room(text: &str) {
        let (end, alone) = scan_number(text.as_bytes(), 0).unwrap();
        for tail in [
            " ".repeat(20),
            ",1234567890123456789".into(),
            "]".repeat(40),
        ] {
            let padded = format!("{text}{tail}");
            let (e, n) = scan_number(padded.as_bytes(), 0).unwrap();
            assert_eq!(e, end, "{padded}");
            assert_eq!(n.text, alone.text);
            assert_eq!(n.is_float, alone.is_float);
            match (n.value, alone.value) {
                (NumberValue::Float(a), NumberValue::Float(b)) => {
                    assert_eq!(a.to_bits(), b.to_bits(), "{padded}")
                }
                (a, b) => assert_eq!(a, b, "{padded}"),
            }
        }
    }

    #[test]
    fn known_hard_cases() {
        for t in [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.5",
            "0.1",
            "0.2",
            "0.3",
            "9007199254740993",
            "9007199254740992",
            "9007199254740993.0",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9406564584124654e-324",
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e308",
            "1e309",
            "1e400",
            "-1e400",
            "1e-400",
            "-1e-400",
            "1e23",
            "8.988465674311579e307",
            "7.038531e-26",
            "3.0540412876099033e-25",
            "123456789012345678901234567890",
            "0.000000000000000000000000000001234567890123456789",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
            "9.109e-31",
            "6.62607015e-34",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "123e-310",
            "0e1000",
            "0.0000e-99999999999999999999",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "-65.613616999999977",
            "4.940656458412465441765687928682213723651e-324",
            "100000000000000000000000e-5",
            "0.1e1",
            "10000000000000000000",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999e-20",
        ] {
            check(t);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn any_double_round_trips(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            check(&format!("{v:e}"));
            check(&format!("{v}"));
            check(&format!("{v:.17e}"));
        }

        #[test]
        fn any_digits_and_exponent(
            neg in any::<bool>(),
            int in "(0|[1-9][0-9]{0,24})",
            frac in proptest::option::of("[0-9]{1,24}"),
            exp in proptest::option::of(-400i32..400),
        ) {
            let mut t = String::new();
            if neg { t.push('-'); }
            t.push_str(&int);
            if let Some(f) = frac { t.push('.'); t.push_str(&f); }
            if let Some(e) = exp { t.push_str(&format!("e{e}")); }
            check(&t);
        }

        #[test]
        fn any_integer_with_room(neg in any::<bool>(), int in "(0|[1-9][0-9]{0,40})") {
            same_with_room(&format!("{}{int}", if neg { "-" } else { "" }));
        }
    }
}
