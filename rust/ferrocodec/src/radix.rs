//! Base16, Base32, Ascii85, Base85 and Z85: the rest of CPython's `base64`
//! module, with the results and error messages of CPython 3.15, where these
//! codecs moved from pure Python into `binascii` (see docs/compatibility.md
//! for where 3.15 differs from 3.11-3.14).
//!
//! Every decoder takes an `ignore` set (`ignorechars`): bytes that are skipped
//! wherever they appear. Encoders write into a caller-allocated buffer of the
//! exact length their `*_len` function returns, except Ascii85, whose `z`/`y`
//! folding makes the length data-dependent.

use thiserror::Error;

/// Why a decoder rejected its input; `Display` is the stdlib's message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RadixError {
    #[error("Incorrect padding")]
    IncorrectPadding,
    #[error("Leading padding not allowed")]
    LeadingPadding,
    #[error("Excess padding not allowed")]
    ExcessPadding,
    /// A `=` with `padded=False`.
    #[error("Padding not allowed")]
    PaddingNotAllowed,
    #[error("Only base32 data is allowed")]
    NonBase32,
    #[error("Excess data after padding")]
    ExcessData,
    #[error("Discontinuous padding not allowed")]
    DiscontinuousPadding,
    /// The number of data characters decoded before the error.
    #[error(
        "Invalid base32-encoded string: number of data characters ({0}) cannot be 1, 3, or 6 more than a multiple of 8"
    )]
    Base32Length(usize),
    /// `canonical=True`: the bits below the last byte are not those an
    /// encoder writes (zero for Base32, the encoder's digits for Base85).
    #[error("Non-zero padding bits")]
    NonZeroPaddingBits,
    /// A last group of one digit, which no encoder writes; the name is
    /// "Ascii85" or "Base85".
    #[error("Incomplete {0} group")]
    IncompleteGroup(&'static str),
    /// `canonical=True`: `!!!!!` where an encoder writes `z`.
    #[error("Non-canonical encoding, use 'z' for all-zero groups")]
    Ascii85NotZ,
    #[error("Non-base16 digit found")]
    NonBase16Digit,
    #[error("Non-hexadecimal digit found")]
    NonHexDigit,
    #[error("Odd number of hexadecimal digits")]
    OddLength,
    #[error("Ascii85 encoded byte sequences must end with b'~>'")]
    Ascii85MissingEnd,
    /// A `z` (or, with foldspaces, `y`) inside a group of five digits.
    #[error("'{}' inside Ascii85 5-tuple", char::from(*.0))]
    Ascii85FoldInsideTuple(u8),
    #[error("Ascii85 overflow")]
    Ascii85Overflow,
    #[error("Non-Ascii85 digit found: {}", char::from(*.0))]
    Ascii85NonDigit(u8),
    /// `name` is "Base85" or "Z85"; `pos` indexes the input.
    #[error("bad {name} character at position {pos}")]
    Base85BadChar { name: &'static str, pos: usize },
    /// `pos` is where the five-digit group starts in the input.
    #[error("{name} overflow in hunk starting at byte {pos}")]
    Base85Overflow { name: &'static str, pos: usize },
}

/// A set of bytes to skip while decoding (`ignorechars`): 256 bits.
#[derive(Clone)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    pub const EMPTY: ByteSet = ByteSet([0; 4]);

    pub fn new(bytes: &[u8]) -> ByteSet {
        let mut set = [0u64; 4];
        for &b in bytes {
            set[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        ByteSet(set)
    }

    #[inline]
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 != 0
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// Length of `body` once a newline is inserted after every `wrapcol`
/// characters (none after the last line); `wrapcol == 0` means no wrapping.
pub fn wrapped_len(n: usize, wrapcol: usize) -> usize {
    if wrapcol == 0 || n == 0 {
        n
    } else {
        n + (n - 1) / wrapcol
    }
}

/// Copies `body` into `out` (of `wrapped_len(body.len(), wrapcol)` bytes)
/// with the newlines inserted.
pub fn wrap_into(body: &[u8], wrapcol: usize, out: &mut [u8]) {
    if wrapcol == 0 {
        out.copy_from_slice(body);
        return;
    }
    let mut at = 0;
    for (i, line) in body.chunks(wrapcol).enumerate() {
        if i != 0 {
            out[at] = b'\n';
            at += 1;
        }
        out[at..at + line.len()].copy_from_slice(line);
        at += line.len();
    }
    debug_assert_eq!(at, out.len());
}

/// Encodes `body` with an encoder writing exactly `len` bytes, wrapping it.
fn encode_wrapped(len: usize, wrapcol: usize, fill: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut body = vec![0u8; len];
    fill(&mut body);
    if wrapcol == 0 || len <= wrapcol {
        return body;
    }
    let mut out = vec![0u8; wrapped_len(len, wrapcol)];
    wrap_into(&body, wrapcol, &mut out);
    out
}

// ---------------------------------------------------------------- Base16

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Line length `b16encode(wrapcol=w)` really uses: whole bytes (two digits),
/// at least one. 0 means no wrapping.
pub fn base16_wrapcol(wrapcol: usize) -> usize {
    if wrapcol == 0 {
        0
    } else {
        wrapcol.max(2) / 2 * 2
    }
}

/// Length of `b16encode` output for `n` input bytes and a `base16_wrapcol`.
pub fn base16_encoded_len(n: usize, wrapcol: usize) -> Option<usize> {
    Some(wrapped_len(n.checked_mul(2)?, wrapcol))
}

/// `binascii.hexlify(input).upper()` into `out` (exactly `2 * input.len()` bytes).
pub fn base16_encode_into(input: &[u8], out: &mut [u8]) {
    assert_eq!(out.len(), input.len() * 2);
    // SAFETY: SSE2 is part of the x86_64 baseline; the helper stays in bounds.
    #[cfg(simd_x86)]
    let done = unsafe { base16_encode_sse2(input, out) };
    #[cfg(not(simd_x86))]
    let done = 0;
    for (i, &b) in input[done..].iter().enumerate() {
        let o = 2 * (done + i);
        out[o] = UPPER_HEX[usize::from(b >> 4)];
        out[o + 1] = UPPER_HEX[usize::from(b & 15)];
    }
}

#[cfg(simd_x86)]
#[target_feature(enable = "sse2")]
unsafe fn base16_encode_sse2(input: &[u8], out: &mut [u8]) -> usize {
    use std::arch::x86_64::*;
    let blocks = input.len() / 16;
    let mask = _mm_set1_epi8(0x0f);
    let zero = _mm_set1_epi8(b'0' as i8);
    let nine = _mm_set1_epi8(9);
    let gap = _mm_set1_epi8(7); // 'A' - '0' - 10
    let digits = |n: __m128i| {
        _mm_add_epi8(
            _mm_add_epi8(n, zero),
            _mm_and_si128(_mm_cmpgt_epi8(n, nine), gap),
        )
    };
    for i in 0..blocks {
        let v = _mm_loadu_si128(input.as_ptr().add(16 * i) as *const __m128i);
        let hi = digits(_mm_and_si128(_mm_srli_epi16(v, 4), mask));
        let lo = digits(_mm_and_si128(v, mask));
        let dst = out.as_mut_ptr().add(32 * i);
        _mm_storeu_si128(dst as *mut __m128i, _mm_unpacklo_epi8(hi, lo));
        _mm_storeu_si128(dst.add(16) as *mut __m128i, _mm_unpackhi_epi8(hi, lo));
    }
    blocks * 16
}

/// `b16encode(input, wrapcol=wrapcol)`.
pub fn base16_encode(input: &[u8], wrapcol: usize) -> Vec<u8> {
    let wrap = base16_wrapcol(wrapcol);
    encode_wrapped(input.len() * 2, wrap, |out| base16_encode_into(input, out))
}

const fn hex_table(lower: bool) -> [u8; 256] {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        if lower {
            t[b'a' as usize + i] = 10 + i as u8;
        }
        i += 1;
    }
    t
}
static HEX_UPPER: [u8; 256] = hex_table(false);
static HEX_ANY: [u8; 256] = hex_table(true);

/// `binascii.a2b_hex(input, ignorechars=ignore)` as CPython 3.15 decodes:
/// hexadecimal digits of either case are digits (even when they are in
/// `ignore`), other bytes in `ignore` are skipped, any other byte is "Non-hexadecimal
/// digit found" (reported before an odd count, in one pass), and an odd
/// number of digits is "Odd number of hexadecimal digits".
pub fn hex_decode(input: &[u8], ignore: &ByteSet) -> Result<Vec<u8>, RadixError> {
    hex_decode_with(input, true, ignore)
}

/// `b16decode(input, casefold, ignorechars=ignore)` as 3.15's `base64` does
/// it: without `casefold` a lowercase digit that is not in `ignore` is
/// "Non-base16 digit found" (wherever it is), and lowercase digits in
/// `ignore` are removed; then `unhexlify(..., ignorechars=ignore)`.
pub fn base16_decode(
    input: &[u8],
    casefold: bool,
    ignore: &ByteSet,
) -> Result<Vec<u8>, RadixError> {
    if casefold {
        return hex_decode(input, ignore);
    }
    // Uppercase only makes lowercase digits non-digits: skipped when in `ignore`
    // (3.15 deletes them), an error otherwise, which is then reported as
    // 3.15 reports it, before anything else.
    hex_decode_with(input, false, ignore).map_err(|e| {
        let stray_lower = |b: &u8| (b'a'..=b'f').contains(b) && !ignore.contains(*b);
        if input.iter().any(stray_lower) {
            RadixError::NonBase16Digit
        } else {
            e
        }
    })
}

/// The common case of both decoders, SIMD: `input` of even length made of
/// digits only (uppercase only unless `any_case`) decoded into `out`
/// (`input.len() / 2` bytes). False if any byte is not such a digit (or the
/// lengths do not match); the caller then runs [`hex_decode`] or
/// [`base16_decode`], which find the error.
pub fn hex_decode_digits(input: &[u8], any_case: bool, out: &mut [u8]) -> bool {
    // faster-hex 0.10 does not export its case check; among digits, the
    // lowercase ones are the bytes from b'a' on (a loop the compiler vectorizes).
    input.len() == 2 * out.len()
        && (any_case || !input.iter().fold(false, |lower, &b| lower | (b >= b'a')))
        && faster_hex::hex_decode(input, out).is_ok()
}

fn hex_decode_with(input: &[u8], any_case: bool, ignore: &ByteSet) -> Result<Vec<u8>, RadixError> {
    if input.len().is_multiple_of(2) && ignore.is_empty() {
        let mut out = vec![0u8; input.len() / 2];
        if hex_decode_digits(input, any_case, &mut out) {
            return Ok(out);
        }
        return Err(RadixError::NonHexDigit);
    }
    let table = if any_case { &HEX_ANY } else { &HEX_UPPER };
    let mut out = Vec::with_capacity(input.len() / 2);
    let mut high: Option<u8> = None;
    for &b in input {
        let v = table[usize::from(b)];
        if v & 0x80 != 0 {
            if ignore.contains(b) {
                continue;
            }
            return Err(RadixError::NonHexDigit);
        }
        match high.take() {
            None => high = Some(v << 4),
            Some(h) => out.push(h | v),
        }
    }
    match high {
        None => Ok(out),
        Some(_) => Err(RadixError::OddLength),
    }
}

// ---------------------------------------------------------------- Base32

pub const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const BASE32HEX_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";

/// Line length `b32encode(wrapcol=w)` really uses: whole 8-character quanta,
/// at least one (as `b64encode` rounds to whole quads). 0 means no wrapping.
pub fn base32_wrapcol(wrapcol: usize) -> usize {
    if wrapcol == 0 {
        0
    } else {
        wrapcol.max(8) / 8 * 8
    }
}

/// Unwrapped length of Base32 text for `n` bytes.
pub fn base32_encoded_len(n: usize, padded: bool) -> Option<usize> {
    if padded {
        n.div_ceil(5).checked_mul(8)
    } else {
        // 8 characters per 5 bytes, then 2, 4, 5 or 7 for a 1..4-byte tail.
        let tail = [0, 2, 4, 5, 7][n % 5];
        (n / 5).checked_mul(8)?.checked_add(tail)
    }
}

/// Base32 of `input` into `out` (exactly `base32_encoded_len` bytes).
pub fn base32_encode_into(input: &[u8], alphabet: &[u8; 32], padded: bool, out: &mut [u8]) {
    let mut chunks = input.chunks_exact(5);
    let mut o = 0;
    for c in chunks.by_ref() {
        let v = u64::from(c[0]) << 32
            | u64::from(c[1]) << 24
            | u64::from(c[2]) << 16
            | u64::from(c[3]) << 8
            | u64::from(c[4]);
        let dst = &mut out[o..o + 8];
        for (j, d) in dst.iter_mut().enumerate() {
            *d = alphabet[((v >> (35 - 5 * j)) & 31) as usize];
        }
        o += 8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut v = 0u64;
        for (j, &b) in rest.iter().enumerate() {
            v |= u64::from(b) << (32 - 8 * j);
        }
        let digits = [0, 2, 4, 5, 7][rest.len()];
        for j in 0..digits {
            out[o + j] = alphabet[((v >> (35 - 5 * j)) & 31) as usize];
        }
        o += digits;
        if padded {
            out[o..o + 8 - digits].fill(b'=');
            o += 8 - digits;
        }
    }
    debug_assert_eq!(o, out.len());
}

/// `b32encode(input, wrapcol=wrapcol)` (or b32hexencode with the hex alphabet).
pub fn base32_encode(input: &[u8], alphabet: &[u8; 32], wrapcol: usize) -> Vec<u8> {
    let len = base32_encoded_len(input.len(), true).expect("input too large to encode");
    encode_wrapped(len, base32_wrapcol(wrapcol), |out| {
        base32_encode_into(input, alphabet, true, out)
    })
}

/// Decoding table for a Base32 alphabet: digit value, [`BASE32_PAD`] for
/// `=` (whatever the alphabet holds), or 0xff. For a repeated character the
/// later index wins.
pub fn base32_table(alphabet: &[u8; 32]) -> [u8; 256] {
    let mut t = [0xffu8; 256];
    for (i, &c) in alphabet.iter().enumerate() {
        t[usize::from(c)] = i as u8;
    }
    t[usize::from(b'=')] = BASE32_PAD;
    t
}

/// The class of `=` in a [`base32_table`].
const BASE32_PAD: u8 = 32;

/// Whether a pad may follow `octa_pos` characters of a final group (after
/// 2, 4, 5 or 7 characters; 1, 3 and 6 are impossible lengths).
#[inline]
fn base32_pad_position(octa_pos: usize) -> bool {
    matches!(octa_pos, 2 | 4 | 5 | 7)
}

/// CPython 3.15's `binascii.a2b_base32(data, padded=, alphabet=,
/// ignorechars=, canonical=)`, which `b32decode` and `b32hexdecode` call on
/// input already case-folded and 0/1-mapped. There is no lenient mode: bytes
/// outside the alphabet are errors unless in `ignore`. With `=` in `ignore`,
/// misplaced pads are skipped; with `padded` false, `=` is an ordinary
/// non-alphabet byte and no padding is required.
pub fn base32_decode(
    input: &[u8],
    table: &[u8; 256],
    ignore: &ByteSet,
    padded: bool,
    canonical: bool,
) -> Result<Vec<u8>, RadixError> {
    let mut out = Vec::with_capacity(input.len().div_ceil(8) * 5);
    let ignore_pad = ignore.contains(b'=');
    let mut octa_pos = 0usize;
    let mut leftchar = 0u8;
    let mut pads = 0usize;
    let mut i = 0;
    while i < input.len() {
        if octa_pos == 0 {
            // Fast path: whole groups of eight digits.
            while let Some(group) = input.get(i..i + 8) {
                let mut acc = 0u64;
                let mut bad = 0u8;
                for &c in group {
                    let d = table[usize::from(c)];
                    bad |= d;
                    acc = (acc << 5) | u64::from(d & 31);
                }
                if bad >= 32 {
                    break;
                }
                out.extend_from_slice(&acc.to_be_bytes()[3..]);
                pads = 0;
                i += 8;
            }
            if i == input.len() {
                break;
            }
        }
        let c = input[i];
        i += 1;
        let d = table[usize::from(c)];
        if d == BASE32_PAD && padded {
            pads += 1;
            if base32_pad_position(octa_pos) && octa_pos + pads <= 8 {
                continue;
            }
            if ignore_pad {
                continue;
            }
            if matches!(octa_pos, 1 | 3 | 6) {
                break; // reported below as an invalid length
            }
            return Err(if octa_pos == 0 && out.is_empty() {
                RadixError::LeadingPadding
            } else {
                RadixError::ExcessPadding
            });
        }
        if d >= 32 {
            if !ignore.contains(c) {
                return Err(if c == b'=' {
                    RadixError::PaddingNotAllowed
                } else {
                    RadixError::NonBase32
                });
            }
            continue;
        }
        if pads != 0 && !ignore_pad {
            return Err(if octa_pos + pads == 8 {
                RadixError::ExcessData
            } else {
                RadixError::DiscontinuousPadding
            });
        }
        // Pads that were skipped stay counted until the group is complete,
        // as in CPython, whose counter is reset where a group ends.
        match octa_pos {
            0 => leftchar = d,
            1 => {
                out.push((leftchar << 3) | (d >> 2));
                leftchar = d & 0x03;
            }
            2 | 5 => leftchar = (leftchar << 5) | d,
            3 => {
                out.push((leftchar << 1) | (d >> 4));
                leftchar = d & 0x0f;
            }
            4 => {
                out.push((leftchar << 4) | (d >> 1));
                leftchar = d & 0x01;
            }
            6 => {
                out.push((leftchar << 2) | (d >> 3));
                leftchar = d & 0x07;
            }
            _ => {
                out.push((leftchar << 5) | d);
                leftchar = 0;
                pads = 0;
            }
        }
        octa_pos = (octa_pos + 1) % 8;
    }
    if matches!(octa_pos, 1 | 3 | 6) {
        return Err(RadixError::Base32Length(out.len() / 5 * 8 + octa_pos));
    }
    if padded && octa_pos != 0 && octa_pos + pads < 8 {
        return Err(RadixError::IncorrectPadding);
    }
    if canonical && leftchar != 0 {
        return Err(RadixError::NonZeroPaddingBits);
    }
    Ok(out)
}

// ---------------------------------------------------------------- Base85

pub const BASE85_ALPHABET: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
pub const Z85_ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Line length `b2a_base85(wrapcol=w)` really uses: whole five-character
/// groups, at least one (as Base64 and Base32 round to whole groups).
/// 0 means no wrapping. (Ascii85, whose `z` and `y` make groups of one
/// character, wraps at exactly `wrapcol`.)
pub fn base85_wrapcol(wrapcol: usize) -> usize {
    if wrapcol == 0 {
        0
    } else {
        wrapcol.max(5) / 5 * 5
    }
}

/// Unwrapped length of Base85/Z85 text for `n` bytes: five characters per
/// four bytes; a partial last word gives `pad ? 5 : bytes + 1`.
pub fn base85_encoded_len(n: usize, pad: bool) -> Option<usize> {
    let tail = match n % 4 {
        0 => 0,
        _ if pad => 5,
        r => r + 1,
    };
    (n / 4).checked_mul(5)?.checked_add(tail)
}

#[inline]
fn base85_digits(mut word: u32, alphabet: &[u8; 85]) -> [u8; 5] {
    let mut d = [0u8; 5];
    for slot in d.iter_mut().rev() {
        *slot = alphabet[(word % 85) as usize];
        word /= 85;
    }
    d
}

/// Base85 (or Z85) of `input` into `out` (exactly `base85_encoded_len` bytes).
pub fn base85_encode_into(input: &[u8], alphabet: &[u8; 85], pad: bool, out: &mut [u8]) {
    let mut chunks = input.chunks_exact(4);
    let mut o = 0;
    for c in chunks.by_ref() {
        let word = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        out[o..o + 5].copy_from_slice(&base85_digits(word, alphabet));
        o += 5;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 4];
        w[..rest.len()].copy_from_slice(rest);
        let digits = base85_digits(u32::from_be_bytes(w), alphabet);
        let keep = if pad { 5 } else { rest.len() + 1 };
        out[o..o + keep].copy_from_slice(&digits[..keep]);
        o += keep;
    }
    debug_assert_eq!(o, out.len());
}

/// `b85encode(input, pad, wrapcol=wrapcol)` (or z85encode with its alphabet).
pub fn base85_encode(input: &[u8], alphabet: &[u8; 85], pad: bool, wrapcol: usize) -> Vec<u8> {
    let len = base85_encoded_len(input.len(), pad).expect("input too large to encode");
    encode_wrapped(len, base85_wrapcol(wrapcol), |out| {
        base85_encode_into(input, alphabet, pad, out)
    })
}

/// Decoding table for a Base85 alphabet: digit value, or 0xff.
pub fn base85_table(alphabet: &[u8; 85]) -> [u8; 256] {
    let mut t = [0xffu8; 256];
    for (i, &c) in alphabet.iter().enumerate() {
        t[usize::from(c)] = i as u8;
    }
    t
}

/// Adds one digit to a group, or `None` if the 32-bit word overflows.
#[inline]
fn push85(acc: u32, digit: u8) -> Option<u32> {
    acc.checked_mul(85)?.checked_add(u32::from(digit))
}

/// Powers of 85: the weight of the padding digits of a short last group.
const POW85: [u32; 5] = [1, 85, 7225, 614_125, 52_200_625];

/// The last group of `digits` real digits (1..=4), padded with the largest
/// digit, 84, as CPython does: `digits - 1` bytes. `overflow` is the error
/// for a padded group past 32 bits, `name` names the codec in "Incomplete
/// ... group" (one digit, checked after the overflow, in CPython's order).
/// With `canonical`, the digits must be those an encoder writes for the bytes.
fn finish_group(
    out: &mut Vec<u8>,
    acc: u32,
    digits: usize,
    overflow: RadixError,
    name: &'static str,
    canonical: bool,
) -> Result<(), RadixError> {
    let mut acc = acc;
    for _ in digits..5 {
        acc = push85(acc, 84).ok_or_else(|| overflow.clone())?;
    }
    if digits == 1 {
        return Err(RadixError::IncompleteGroup(name));
    }
    out.extend_from_slice(&acc.to_be_bytes()[..digits - 1]);
    if canonical {
        // The encoder zero-fills the word and keeps its first `digits`
        // digits; the digits given must be those.
        let pad = 5 - digits;
        let top = (acc >> (8 * pad)) << (8 * pad);
        if top / POW85[pad] != acc / POW85[pad] {
            return Err(RadixError::NonZeroPaddingBits);
        }
    }
    Ok(())
}

/// CPython 3.15's `binascii.a2b_base85(data, alphabet=, ignorechars=,
/// canonical=)` (`b85decode`, and `z85decode` with the Z85 table): groups of
/// five digits; a short last group is padded with the largest digit and gives
/// one byte less than its digits. Errors name "Base85" whatever the
/// alphabet, and report positions in `input`.
pub fn base85_decode(
    input: &[u8],
    table: &[u8; 256],
    ignore: &ByteSet,
    canonical: bool,
) -> Result<Vec<u8>, RadixError> {
    const NAME: &str = "Base85";
    // CPython reports an overflow at the hunk of five input characters
    // holding the group's fifth digit (ignored characters count).
    let overflow = |fifth: usize| RadixError::Base85Overflow {
        name: NAME,
        pos: fifth / 5 * 5,
    };
    let mut out = Vec::with_capacity(input.len().div_ceil(5) * 4);
    // Fast path: whole groups with no ignored characters.
    let mut i = 0;
    while i + 5 <= input.len() {
        let g = &input[i..i + 5];
        let d = [
            table[usize::from(g[0])],
            table[usize::from(g[1])],
            table[usize::from(g[2])],
            table[usize::from(g[3])],
            table[usize::from(g[4])],
        ];
        if (d[0] | d[1] | d[2] | d[3] | d[4]) & 0x80 != 0 {
            break;
        }
        let acc = d.iter().try_fold(0u32, |acc, &x| push85(acc, x));
        match acc {
            Some(acc) => out.extend_from_slice(&acc.to_be_bytes()),
            None => return Err(overflow(i + 4)),
        }
        i += 5;
    }
    // General path: the rest, one character at a time.
    let mut acc = 0u32;
    let mut digits = 0usize;
    for (pos, &c) in input.iter().enumerate().skip(i) {
        let d = table[usize::from(c)];
        if d == 0xff {
            if ignore.contains(c) {
                continue;
            }
            return Err(RadixError::Base85BadChar { name: NAME, pos });
        }
        acc = push85(acc, d).ok_or_else(|| overflow(pos))?;
        digits += 1;
        if digits == 5 {
            out.extend_from_slice(&acc.to_be_bytes());
            acc = 0;
            digits = 0;
        }
    }
    if digits != 0 {
        // The padding digits count as characters past the end.
        let fifth = input.len() + 4 - digits;
        finish_group(&mut out, acc, digits, overflow(fifth), NAME, canonical)?;
    }
    Ok(out)
}

// ---------------------------------------------------------------- Ascii85

/// `a85encode(input, foldspaces, wrapcol, pad, adobe)`.
pub fn ascii85_encode(
    input: &[u8],
    foldspaces: bool,
    wrapcol: usize,
    pad: bool,
    adobe: bool,
) -> Vec<u8> {
    let mut body = Vec::with_capacity(input.len().div_ceil(4) * 5 + 4);
    if adobe {
        body.extend_from_slice(b"<~");
    }
    let mut chunks = input.chunks_exact(4);
    for c in chunks.by_ref() {
        let word = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        if word == 0 {
            body.push(b'z');
        } else if foldspaces && word == 0x2020_2020 {
            body.push(b'y');
        } else {
            body.extend_from_slice(&ascii85_digits(word));
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 4];
        w[..rest.len()].copy_from_slice(rest);
        let word = u32::from_be_bytes(w);
        if pad && word == 0 {
            body.push(b'z');
        } else {
            let keep = if pad { 5 } else { rest.len() + 1 };
            body.extend_from_slice(&ascii85_digits(word)[..keep]);
        }
    }
    let mut out = if wrapcol == 0 {
        body
    } else {
        let wrap = wrapcol.max(if adobe { 2 } else { 1 });
        let mut out = Vec::with_capacity(wrapped_len(body.len(), wrap) + 3);
        for (i, line) in body.chunks(wrap).enumerate() {
            if i != 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(line);
        }
        // The closing "~>" is never split across lines: when the last line
        // has no room for it, it starts a new one.
        let last = match body.len() % wrap {
            0 => wrap,
            r => r,
        };
        if adobe && last + 2 > wrap {
            out.push(b'\n');
        }
        out
    };
    if adobe {
        out.extend_from_slice(b"~>");
    }
    out
}

#[inline]
fn ascii85_digits(mut word: u32) -> [u8; 5] {
    let mut d = [0u8; 5];
    for slot in d.iter_mut().rev() {
        *slot = b'!' + (word % 85) as u8;
        word /= 85;
    }
    d
}

/// CPython 3.15's `binascii.a2b_ascii85(data, foldspaces=, adobe=,
/// ignorechars=, canonical=)` (`a85decode`).
pub fn ascii85_decode(
    input: &[u8],
    foldspaces: bool,
    adobe: bool,
    ignore: &ByteSet,
    canonical: bool,
) -> Result<Vec<u8>, RadixError> {
    let mut data = input;
    if adobe {
        if !data.ends_with(b"~>") {
            return Err(RadixError::Ascii85MissingEnd);
        }
        data = &data[..data.len() - 2];
        if data.starts_with(b"<~") {
            data = &data[2..];
        }
    }
    let mut out = Vec::with_capacity(data.len().div_ceil(5) * 4);
    let mut acc = 0u32;
    let mut digits = 0usize;
    for &c in data {
        if (b'!'..=b'u').contains(&c) {
            acc = push85(acc, c - b'!').ok_or(RadixError::Ascii85Overflow)?;
            digits += 1;
            if digits == 5 {
                if canonical && acc == 0 {
                    return Err(RadixError::Ascii85NotZ);
                }
                out.extend_from_slice(&acc.to_be_bytes());
                acc = 0;
                digits = 0;
            }
        } else if c == b'z' || (c == b'y' && foldspaces) {
            if digits != 0 {
                return Err(RadixError::Ascii85FoldInsideTuple(c));
            }
            out.extend_from_slice(if c == b'z' { b"\0\0\0\0" } else { b"    " });
        } else if !ignore.contains(c) {
            return Err(RadixError::Ascii85NonDigit(c));
        }
    }
    if digits != 0 {
        finish_group(
            &mut out,
            acc,
            digits,
            RadixError::Ascii85Overflow,
            "Ascii85",
            canonical,
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base16_round_trip_and_errors() {
        let data: Vec<u8> = (0..=255).collect();
        let enc = base16_encode(&data, 0);
        assert_eq!(
            enc,
            data.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<String>()
                .into_bytes()
        );
        assert_eq!(base16_decode(&enc, false, &ByteSet::EMPTY).unwrap(), data);
        assert_eq!(base16_encode(b"abcde", 5), b"6162\n6364\n65");
        let none = ByteSet::EMPTY;
        assert_eq!(
            base16_decode(b"ab", false, &none),
            Err(RadixError::NonBase16Digit)
        );
        assert_eq!(base16_decode(b"ab", true, &none).unwrap(), b"\xab");
        assert_eq!(
            base16_decode(b"ABC", false, &none),
            Err(RadixError::OddLength)
        );
        assert_eq!(
            base16_decode(b"AG", false, &none),
            Err(RadixError::NonHexDigit)
        );
        assert_eq!(
            base16_decode(b"A B\n", false, &ByteSet::new(b" \n")).unwrap(),
            b"\xab"
        );
        // Lowercase digits in ignorechars are removed by b16decode ...
        assert_eq!(
            base16_decode(b"AaB", false, &ByteSet::new(b"a")).unwrap(),
            b"\xab"
        );
        // ... and a stray one is reported before anything else.
        assert_eq!(
            base16_decode(b"G a", false, &none),
            Err(RadixError::NonBase16Digit)
        );
    }

    #[test]
    fn hex_decode_ignorechars() {
        let none = ByteSet::EMPTY;
        let ws = ByteSet::new(b" \n");
        assert_eq!(hex_decode(b"4 1\n42", &ws).unwrap(), b"AB");
        assert_eq!(hex_decode(b"aB", &none).unwrap(), b"\xab");
        // Digits stay digits when they are in ignorechars.
        assert_eq!(hex_decode(b"4142", &ByteSet::new(b"4")).unwrap(), b"AB");
        assert_eq!(hex_decode(b" ", &ws).unwrap(), b"");
        assert_eq!(hex_decode(b"4 \n", &ws), Err(RadixError::OddLength));
        assert_eq!(hex_decode(b"616", &none), Err(RadixError::OddLength));
        // A bad character is found before the count is known to be odd.
        assert_eq!(hex_decode(b"61 62", &none), Err(RadixError::NonHexDigit));
        assert_eq!(
            hex_decode(b"61 62", &ByteSet::new(b"\n")),
            Err(RadixError::NonHexDigit)
        );
        assert_eq!(hex_decode(b"\x8061", &ByteSet::new(b"\x80")).unwrap(), b"a");
        assert_eq!(hex_decode(b"4@", &none), Err(RadixError::NonHexDigit));
    }

    #[test]
    fn base32_vectors() {
        let t = base32_table(BASE32_ALPHABET);
        let none = ByteSet::EMPTY;
        let dec = |input: &[u8]| base32_decode(input, &t, &none, true, false);
        for (raw, enc) in [
            (&b""[..], &b""[..]),
            (b"f", b"MY======"),
            (b"fo", b"MZXQ===="),
            (b"foo", b"MZXW6==="),
            (b"foob", b"MZXW6YQ="),
            (b"fooba", b"MZXW6YTB"),
            (b"foobar", b"MZXW6YTBOI======"),
        ] {
            assert_eq!(base32_encode(raw, BASE32_ALPHABET, 0), enc);
            assert_eq!(dec(enc).unwrap(), raw);
        }
        // CPython 3.15's a2b_base32 errors.
        let errors: &[(&[u8], RadixError)] = &[
            (b"MY=====", RadixError::IncorrectPadding),
            (b"MZXW6", RadixError::IncorrectPadding),
            (b"MY1=====", RadixError::NonBase32),
            (b"my======", RadixError::NonBase32),
            (b"M=======", RadixError::Base32Length(1)),
            (b"A", RadixError::Base32Length(1)),
            (b"MZXW6YTBOIA", RadixError::Base32Length(11)),
            (b"=", RadixError::LeadingPadding),
            (b"========", RadixError::LeadingPadding),
            (b"MZXW6YTB=", RadixError::ExcessPadding),
            (b"MY=======", RadixError::ExcessPadding),
            (b"MY======MY======", RadixError::ExcessData),
            (b"MY==A", RadixError::DiscontinuousPadding),
        ];
        for (input, err) in errors {
            assert_eq!(
                dec(input).as_ref(),
                Err(err),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        assert_eq!(
            RadixError::Base32Length(1).to_string(),
            "Invalid base32-encoded string: number of data characters (1) cannot be 1, 3, or 6 more than a multiple of 8"
        );
        // padded=False: no padding needed, and '=' is not padding.
        let unpadded = |input: &[u8]| base32_decode(input, &t, &none, false, false);
        assert_eq!(unpadded(b"ME").unwrap(), b"a");
        assert_eq!(unpadded(b"ME======"), Err(RadixError::PaddingNotAllowed));
        assert_eq!(unpadded(b"A"), Err(RadixError::Base32Length(1)));
        // canonical=True: the bits below the last byte must be zero.
        let canonical = |input: &[u8]| base32_decode(input, &t, &none, true, true);
        assert_eq!(canonical(b"ME======").unwrap(), b"a");
        assert_eq!(canonical(b"MF======"), Err(RadixError::NonZeroPaddingBits));
        assert_eq!(dec(b"MF======").unwrap(), b"a");
        assert_eq!(
            base32_encode(b"abcdefghij", BASE32_ALPHABET, 11),
            b"MFRGGZDF\nMZTWQ2LK"
        );
        let eq = ByteSet::new(b"= \n");
        assert_eq!(
            base32_decode(b"M E=\n=====", &t, &eq, true, false).unwrap(),
            b"a"
        );
        assert_eq!(
            base32_decode(b"ME=========", &t, &eq, true, false).unwrap(),
            b"a"
        );
        assert_eq!(
            base32_decode(b"M=E======", &t, &eq, true, false).unwrap(),
            b"a"
        );
        let ws = ByteSet::new(b" \n");
        assert_eq!(
            base32_decode(b"M E=\n=====", &t, &ws, true, false).unwrap(),
            b"a"
        );
    }

    #[test]
    fn base85_vectors() {
        let t = base85_table(BASE85_ALPHABET);
        let none = ByteSet::EMPTY;
        for n in 0..12 {
            let data: Vec<u8> = (0..n as u8).map(|x| x.wrapping_mul(37)).collect();
            for pad in [false, true] {
                let enc = base85_encode(&data, BASE85_ALPHABET, pad, 0);
                let mut dec = base85_decode(&enc, &t, &none, true).unwrap();
                if pad {
                    dec.truncate(n);
                }
                assert_eq!(dec, data);
            }
        }
        assert_eq!(
            base85_decode(b"|NsC0~", &t, &none, false),
            Err(RadixError::Base85Overflow {
                name: "Base85",
                pos: 5
            })
        );
        assert_eq!(
            base85_decode(b"ab\"cd", &t, &none, false)
                .unwrap_err()
                .to_string(),
            "bad Base85 character at position 2"
        );
        assert_eq!(
            base85_decode(b"0", &t, &none, false)
                .unwrap_err()
                .to_string(),
            "Incomplete Base85 group"
        );
        assert_eq!(
            base85_decode(b"VG", &t, &none, true),
            Err(RadixError::NonZeroPaddingBits)
        );
        assert_eq!(base85_decode(b"VG", &t, &none, false).unwrap(), b"a");
        assert_eq!(
            base85_encode(b"abcdefgh", BASE85_ALPHABET, false, 7),
            b"VPa!s\nWoBn+"
        );
    }

    #[test]
    fn ascii85_vectors() {
        assert_eq!(
            ascii85_encode(b"\0\0\0\0    ", true, 0, false, false),
            b"zy"
        );
        assert_eq!(ascii85_encode(b"\0", false, 0, false, false), b"!!");
        assert_eq!(ascii85_encode(b"\0", false, 0, true, false), b"z");
        assert_eq!(ascii85_encode(b"", false, 1, false, true), b"<~\n~>");
        assert_eq!(
            ascii85_encode(b"hello", false, 0, false, true),
            b"<~BOu!rDZ~>"
        );
        let none = ByteSet::EMPTY;
        let ascii85_decode = |input: &[u8], foldspaces, adobe, ignore: &ByteSet| {
            ascii85_decode(input, foldspaces, adobe, ignore, false)
        };
        assert_eq!(
            ascii85_decode(b"<~BOu!rDZ~>", false, true, &none).unwrap(),
            b"hello"
        );
        assert_eq!(
            ascii85_decode(b"zy", true, false, &none).unwrap(),
            b"\0\0\0\0    "
        );
        assert_eq!(
            ascii85_decode(b"!z", false, false, &none),
            Err(RadixError::Ascii85FoldInsideTuple(b'z'))
        );
        assert_eq!(
            ascii85_decode(b"uuuuu", false, false, &none),
            Err(RadixError::Ascii85Overflow)
        );
        assert_eq!(
            ascii85_decode(b"x", false, false, &none)
                .unwrap_err()
                .to_string(),
            "Non-Ascii85 digit found: x"
        );
        assert_eq!(
            ascii85_decode(b"abc", false, true, &none),
            Err(RadixError::Ascii85MissingEnd)
        );
        assert_eq!(
            ascii85_decode(b"!", false, false, &none)
                .unwrap_err()
                .to_string(),
            "Incomplete Ascii85 group"
        );
        assert_eq!(
            ascii85_decode(b"!!!!!", false, false, &none).unwrap(),
            b"\0\0\0\0"
        );
        let canonical =
            |input: &[u8]| super::ascii85_decode(input, false, false, &ByteSet::EMPTY, true);
        assert_eq!(
            canonical(b"!!!!!").unwrap_err().to_string(),
            "Non-canonical encoding, use 'z' for all-zero groups"
        );
        assert_eq!(canonical(b"z").unwrap(), b"\0\0\0\0");
        assert_eq!(canonical(b"BOu!rDZ").unwrap(), b"hello");
        assert_eq!(canonical(b"BOu!rD["), Err(RadixError::NonZeroPaddingBits));
    }
}
