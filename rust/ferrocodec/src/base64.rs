//! Base64 as CPython's `binascii.a2b_base64` / `b2a_base64` define it.
//!
//! Decoding follows CPython's state machine exactly (3.14.7 and 3.15 share it):
//! in the default, non-strict mode every byte outside the alphabet is skipped
//! and a pad character is ignored wherever it does not end a quad; in strict
//! mode each deviation from canonical RFC 4648 data is an error with its own
//! message. The SIMD engine (simdutf) is only a fast path: it runs when the
//! input can be decoded by it, and any input it refuses goes through the
//! scalar state machine, which then gives the exact result or error. So the
//! fast path can never change an answer, only its speed.

use thiserror::Error;

/// The standard alphabet (RFC 4648 section 4).
pub const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The URL- and filesystem-safe alphabet (RFC 4648 section 5).
pub const URLSAFE_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const PAD: u8 = b'=';
/// Class of a pad character in a [`DecodeTable`].
const CLASS_PAD: u8 = 0x40;
/// Class of a byte outside the alphabet.
const CLASS_INVALID: u8 = 0xFF;
/// Class of a byte outside the alphabet that strict mode skips (`ignorechars`).
const CLASS_IGNORED: u8 = 0xFE;

/// Errors of `a2b_base64`, with CPython's messages (raised as `binascii.Error`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("Leading padding not allowed")]
    LeadingPadding,
    #[error("Excess padding not allowed")]
    ExcessPadding,
    #[error("Only base64 data is allowed")]
    NonBase64,
    #[error("Excess data after padding")]
    ExcessData,
    #[error("Discontinuous padding not allowed")]
    DiscontinuousPadding,
    #[error(
        "Invalid base64-encoded string: number of data characters ({0}) cannot be 1 more than a multiple of 4"
    )]
    InvalidLength(usize),
    #[error("Incorrect padding")]
    IncorrectPadding,
    /// A `=` in strict mode when `padded=False` (3.15).
    #[error("Padding not allowed")]
    PaddingNotAllowed,
    /// `canonical=True` (3.15): the bits below the last byte are not zero.
    #[error("Non-zero padding bits")]
    NonZeroPaddingBits,
}

/// Which SIMD alphabet, if any, a table corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Simd {
    Standard,
    /// Standard and URL-safe characters both decode (`urlsafe_b64decode`).
    Either,
    None,
}

/// Maps each input byte to its 6-bit value, [`CLASS_PAD`], [`CLASS_IGNORED`]
/// or [`CLASS_INVALID`].
#[derive(Clone, Debug)]
pub struct DecodeTable {
    class: [u8; 256],
    simd: Simd,
    /// `=` is among `ignorechars`: strict mode skips misplaced pads.
    ignore_pad: bool,
}

impl DecodeTable {
    const fn from_alphabet(alphabet: &[u8; 64], simd: Simd) -> Self {
        let mut class = [CLASS_INVALID; 256];
        let mut i = 0;
        while i < 64 {
            class[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        class[PAD as usize] = CLASS_PAD;
        DecodeTable {
            class,
            simd,
            ignore_pad: false,
        }
    }

    /// 3.15's `a2b_base64(alphabet=...)` (what `b64decode(s, altchars,
    /// ignorechars=...)` uses): `+` and `/` are not data unless among the
    /// two replacements. For a repeated character the later index wins.
    pub fn with_alphabet_altchars(altchars: [u8; 2]) -> DecodeTable {
        let mut alphabet = *STANDARD_ALPHABET;
        alphabet[62] = altchars[0];
        alphabet[63] = altchars[1];
        let simd = if altchars == *b"+/" {
            Simd::Standard
        } else {
            Simd::None
        };
        DecodeTable::from_alphabet(&alphabet, simd)
    }

    /// This table for 3.15's strict `a2b_base64(ignorechars=...)`: the bytes of
    /// `ignorechars` outside the alphabet are skipped, and with `=` among them
    /// so are misplaced pads and data after pads. Alphabet characters in
    /// `ignorechars` stay data, as in CPython (the table is looked at first).
    pub fn ignoring(&self, ignorechars: &[u8]) -> DecodeTable {
        let mut t = self.clone();
        for &b in ignorechars {
            if t.class[b as usize] == CLASS_INVALID {
                t.class[b as usize] = CLASS_IGNORED;
            }
            if b == PAD {
                t.ignore_pad = true;
            }
        }
        t
    }

    /// 3.15's `a2b_base64(alphabet=...)`: any 64 bytes; for a repeated byte the
    /// later index wins, and `=` is always the pad character.
    pub fn with_alphabet(alphabet: &[u8; 64]) -> DecodeTable {
        let simd = if alphabet == STANDARD_ALPHABET {
            Simd::Standard
        } else {
            Simd::None
        };
        DecodeTable::from_alphabet(alphabet, simd)
    }

    /// The table of `a2b_base64` with the standard alphabet.
    pub const fn standard() -> &'static DecodeTable {
        &STANDARD_TABLE
    }

    /// `urlsafe_b64decode`: `-` and `_` decode as 62 and 63, and so (as in
    /// CPython, which translates `-_` to `+/` first) do `+` and `/`.
    pub const fn urlsafe_or_standard() -> &'static DecodeTable {
        &EITHER_TABLE
    }

    /// CPython's `b64decode(s, altchars)` without `ignorechars`: the input is
    /// first translated with `bytes.maketrans(altchars, b'+/')`, then decoded
    /// with the standard alphabet. The table composes both steps.
    pub fn with_altchars(altchars: [u8; 2]) -> DecodeTable {
        let mut translate: [u8; 256] = core::array::from_fn(|i| i as u8);
        // maketrans: later pairs win for a repeated source byte, like bytes.maketrans.
        translate[altchars[0] as usize] = b'+';
        translate[altchars[1] as usize] = b'/';
        let std = &STANDARD_TABLE.class;
        let class = core::array::from_fn(|i| std[translate[i] as usize]);
        let simd = if altchars == *b"+/" {
            Simd::Standard
        } else if altchars == *b"-_" {
            Simd::Either
        } else {
            Simd::None
        };
        DecodeTable {
            class,
            simd,
            ignore_pad: false,
        }
    }
}

static STANDARD_TABLE: DecodeTable = DecodeTable::from_alphabet(STANDARD_ALPHABET, Simd::Standard);
static EITHER_TABLE: DecodeTable = {
    let mut t = DecodeTable::from_alphabet(URLSAFE_ALPHABET, Simd::Either);
    t.class[b'+' as usize] = 62;
    t.class[b'/' as usize] = 63;
    t
};

/// Exact output length when the SIMD decoder can take the input, else `None`.
///
/// Strict mode accepts only canonical data, so the length follows from the
/// input length. Non-strict mode additionally lets the SIMD decoder skip ASCII
/// whitespace (as CPython skips every non-alphabet byte); it is counted first
/// so that the output can be allocated at its final size.
pub fn simd_decoded_len(input: &[u8], table: &DecodeTable, strict: bool) -> Option<usize> {
    if table.simd == Simd::None {
        return None;
    }
    let n = if strict {
        input.len()
    } else {
        input.len() - count_ascii_whitespace(input)
    };
    if n % 4 != 0 {
        return None;
    }
    // Pads are the last one or two non-whitespace bytes; find them.
    let mut pads = 0;
    let mut seen = 0;
    for &b in input.iter().rev() {
        if is_ascii_whitespace(b) {
            if strict {
                return None;
            }
            continue;
        }
        seen += 1;
        if b == PAD && pads + 1 == seen {
            pads += 1;
        }
        if seen == 3 {
            break;
        }
    }
    if pads > 2 {
        return None;
    }
    Some(n / 4 * 3 - pads)
}

#[inline]
fn is_ascii_whitespace(b: u8) -> bool {
    // The set simdutf's forgiving decoder skips (WHATWG ASCII whitespace).
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

fn count_ascii_whitespace(input: &[u8]) -> usize {
    if input.len() < 64 {
        // Short inputs (most calls): no dispatch, no lanes to sum.
        return input.iter().filter(|&&b| is_ascii_whitespace(b)).count();
    }
    #[cfg(simd_x86)]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { count_ascii_whitespace_avx2(input) };
    }
    count_ascii_whitespace_lanes(input)
}

#[cfg(simd_x86)]
#[target_feature(enable = "avx2")]
unsafe fn count_ascii_whitespace_avx2(input: &[u8]) -> usize {
    count_ascii_whitespace_lanes(input)
}

#[inline(always)]
fn count_ascii_whitespace_lanes(input: &[u8]) -> usize {
    // 64 byte-wide counters, each fed every 64th byte of a block of up to
    // 255 rows of 64 bytes (so none can overflow), summed per block: the
    // compiler turns the row loop into whole-register compares and
    // subtracts. (Summing into a usize per byte widens every lane and runs
    // about 10x slower; so does a row loop written with iterator adaptors.)
    const LANES: usize = 64;
    let mut total = 0;
    for block in input.chunks(LANES * 255) {
        let mut lanes = [0u8; LANES];
        let mut rows = block.chunks_exact(LANES);
        for row in rows.by_ref() {
            let row: &[u8; LANES] = row.try_into().expect("a whole row");
            for j in 0..LANES {
                lanes[j] = lanes[j].wrapping_add(is_ascii_whitespace(row[j]) as u8);
            }
        }
        total += lanes.iter().map(|&n| n as usize).sum::<usize>();
        total += rows
            .remainder()
            .iter()
            .filter(|&&b| is_ascii_whitespace(b))
            .count();
    }
    total
}

/// Decodes with the SIMD engine into `out`, which must be exactly
/// [`simd_decoded_len`] bytes. Returns `false` (with `out` in an unspecified
/// state) when the engine refuses the input; then use [`decode_scalar`].
///
/// A success implies that CPython's state machine gives the same bytes: the
/// engine only accepts canonically padded data with zero trailing bits and no
/// pad before the end, after skipping ASCII whitespace, which CPython skips in
/// non-strict mode; in strict mode none was present (the length check).
pub fn decode_simd(input: &[u8], table: &DecodeTable, out: &mut [u8]) -> bool {
    let options = match table.simd {
        Simd::Standard => simdutf::Base64Options::Default,
        Simd::Either => simdutf::Base64Options::DefaultOrUrl,
        Simd::None => return false,
    };
    if input.len() <= SMALL_MAX {
        return decode_small(input, table, out);
    }
    // More characters than `out` needs, padded: there is whitespace.
    #[cfg(simd_x86)]
    if input.len() >= COMPACT_MIN
        && input.len() > out.len().div_ceil(3) * 4
        && std::is_x86_feature_detected!("avx512vbmi2")
    {
        // SAFETY: the CPU has AVX-512 VBMI2 (which implies F and BW).
        return unsafe { compact::decode(input, options, out) };
    }
    simd_chunk(input, options, out, true) == Some(out.len())
}

/// Up to this many characters, [`decode_small`] instead of simdutf, whose
/// set-up costs more than the whole decode of a short input.
const SMALL_MAX: usize = 64;

/// Canonical quads (no whitespace, pads only at the end) decoded with the
/// table into `out` (its exact size); false for anything else. Trailing bits
/// are dropped, as CPython drops them.
fn decode_small(input: &[u8], table: &DecodeTable, out: &mut [u8]) -> bool {
    let full = input.len() / 4 * 3;
    if !input.len().is_multiple_of(4) || out.len() > full || full - out.len() > 2 {
        return false;
    }
    let pads = full - out.len();
    let mut o = 0;
    for (q, quad) in input.chunks_exact(4).enumerate() {
        let last = (q + 1) * 4 == input.len();
        let v = [quad[0], quad[1], quad[2], quad[3]].map(|ch| table.class[ch as usize]);
        let [a, b, c, d] = v;
        let data = if last { 4 - pads } else { 4 };
        if v[..data].iter().any(|&x| x >= 64) || v[data..].iter().any(|&x| x != CLASS_PAD) {
            return false;
        }
        let n = (a as u32) << 18 | (b as u32) << 12 | ((c & 63) as u32) << 6 | (d & 63) as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let take = data - 1;
        out[o..o + take].copy_from_slice(&bytes[..take]);
        o += take;
    }
    o == out.len()
}

/// Inputs with whitespace from this size on are compacted before decoding
/// where the CPU can (simdutf's own whitespace path runs at about 4 GB/s here,
/// compaction plus its plain path at about 7).
#[cfg(simd_x86)]
const COMPACT_MIN: usize = 4096;

/// simdutf on `input` into `out`: the bytes written, or None if it refused.
/// A chunk that is not the last must be whole quads without padding.
fn simd_chunk(
    input: &[u8],
    options: simdutf::Base64Options,
    out: &mut [u8],
    last: bool,
) -> Option<usize> {
    let mut written = out.len();
    // SAFETY: input and out are valid, non-overlapping slices; the `_safe`
    // variant writes at most `written` bytes and reports how many it wrote.
    let r = unsafe {
        simdutf::base64_to_binary_safe(
            input.as_ptr(),
            input.len(),
            out.as_mut_ptr(),
            &mut written,
            options,
            simdutf::LastChunkHandlingOptions::Strict,
            false,
        )
    };
    let whole = last || written == input.len() / 4 * 3;
    (r.error == simdutf::ErrorCode::Success && whole).then_some(written)
}

#[cfg(simd_x86)]
mod compact {
    //! Whitespace removed 64 bytes at a time (AVX-512 VBMI2 compress) into a
    //! small buffer that is decoded whenever it fills, so that long inputs
    //! with line breaks take simdutf's whitespace-free path.
    use super::simd_chunk;
    use std::arch::x86_64::*;

    const CHUNK: usize = 16 * 1024;

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
    pub unsafe fn decode(input: &[u8], options: simdutf::Base64Options, out: &mut [u8]) -> bool {
        // Room for one more 64-byte store past a full chunk.
        let mut buf = [0u8; CHUNK + 64];
        let mut filled = 0;
        let mut pos = 0;
        let mut blocks = input.chunks_exact(64);
        for block in blocks.by_ref() {
            let v = _mm512_loadu_si512(block.as_ptr().cast());
            let space = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b' ' as i8))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\n' as i8))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\r' as i8))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\t' as i8))
                | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x0C));
            let keep = !space;
            let kept = _mm512_maskz_compress_epi8(keep, v);
            // SAFETY: filled < CHUNK here, and buf has 64 bytes past CHUNK.
            _mm512_storeu_si512(buf.as_mut_ptr().add(filled).cast(), kept);
            filled += keep.count_ones() as usize;
            if filled >= CHUNK {
                let whole = filled / 4 * 4;
                let Some(n) = simd_chunk(&buf[..whole], options, &mut out[pos..], false) else {
                    return false;
                };
                pos += n;
                buf.copy_within(whole..filled, 0);
                filled -= whole;
            }
        }
        for &b in blocks.remainder() {
            if !super::is_ascii_whitespace(b) {
                buf[filled] = b;
                filled += 1;
            }
        }
        simd_chunk(&buf[..filled], options, &mut out[pos..], true) == Some(out.len() - pos)
    }
}

/// CPython's `a2b_base64` state machine, byte for byte.
pub fn decode_scalar(
    input: &[u8],
    table: &DecodeTable,
    strict: bool,
) -> Result<Vec<u8>, DecodeError> {
    decode_scalar_with(input, table, strict, true, false)
}

/// [`decode_scalar`] with 3.15's `padded` (false: `=` is not padding but a
/// byte outside the alphabet) and `canonical` (the bits the last character
/// holds below the data must be zero, RFC 4648 section 3.5).
pub fn decode_scalar_with(
    input: &[u8],
    table: &DecodeTable,
    strict: bool,
    padded: bool,
    canonical: bool,
) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(input.len().div_ceil(4) * 3);
    let mut quad_pos = 0u8;
    let mut leftchar = 0u8;
    let mut pads = 0usize;
    for (i, &byte) in input.iter().enumerate() {
        let class = table.class[byte as usize];
        if class == CLASS_PAD && !padded {
            if strict && !table.ignore_pad {
                return Err(DecodeError::PaddingNotAllowed);
            }
            continue;
        }
        if class == CLASS_PAD {
            pads += 1;
            if quad_pos >= 2 && quad_pos as usize + pads <= 4 {
                continue;
            }
            // RFC 4648 3.3: a pad before the end may be ignored as non-alphabet data.
            if !strict || table.ignore_pad {
                continue;
            }
            if quad_pos == 1 {
                break; // reported below as an invalid length
            }
            return Err(if quad_pos == 0 && i == 0 {
                DecodeError::LeadingPadding
            } else {
                DecodeError::ExcessPadding
            });
        }
        if class >= 64 {
            if strict && class != CLASS_IGNORED {
                return Err(DecodeError::NonBase64);
            }
            continue;
        }
        if pads != 0 && strict && !table.ignore_pad {
            return Err(if quad_pos as usize + pads == 4 {
                DecodeError::ExcessData
            } else {
                DecodeError::DiscontinuousPadding
            });
        }
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                leftchar = class;
            }
            1 => {
                quad_pos = 2;
                out.push((leftchar << 2) | (class >> 4));
                leftchar = class & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((leftchar << 4) | (class >> 2));
                leftchar = class & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((leftchar << 6) | class);
                leftchar = 0;
            }
        }
    }
    if quad_pos == 1 {
        return Err(DecodeError::InvalidLength(out.len() / 3 * 4 + 1));
    }
    if padded && quad_pos != 0 && quad_pos as usize + pads < 4 {
        return Err(DecodeError::IncorrectPadding);
    }
    if canonical && leftchar != 0 {
        return Err(DecodeError::NonZeroPaddingBits);
    }
    Ok(out)
}

/// `a2b_base64`: the fast path when it applies, the state machine otherwise.
pub fn decode(input: &[u8], table: &DecodeTable, strict: bool) -> Result<Vec<u8>, DecodeError> {
    if let Some(len) = simd_decoded_len(input, table, strict) {
        let mut out = vec![0u8; len];
        if decode_simd(input, table, &mut out) {
            return Ok(out);
        }
    }
    decode_scalar(input, table, strict)
}

/// An encoding alphabet: standard, URL-safe, standard with two other
/// characters for 62 and 63 (`b64encode(s, altchars)`), or any 64 bytes
/// (3.15's `b2a_base64(alphabet=...)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeAlphabet {
    chars: [u8; 64],
}

/// Index of each standard-alphabet character; 64 for everything else.
static STANDARD_INDEX: [u8; 256] = {
    let mut t = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        t[STANDARD_ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

impl EncodeAlphabet {
    pub const STANDARD: EncodeAlphabet = EncodeAlphabet {
        chars: *STANDARD_ALPHABET,
    };
    pub const URLSAFE: EncodeAlphabet = EncodeAlphabet {
        chars: *URLSAFE_ALPHABET,
    };

    pub fn with_altchars(alt: [u8; 2]) -> Self {
        let mut chars = *STANDARD_ALPHABET;
        chars[62] = alt[0];
        chars[63] = alt[1];
        EncodeAlphabet { chars }
    }

    pub fn from_chars(chars: &[u8; 64]) -> Self {
        EncodeAlphabet { chars: *chars }
    }
}

/// Line length actually used for `wrapcol`: whole quads, at least one.
pub fn effective_wrapcol(wrapcol: usize) -> usize {
    if wrapcol == 0 {
        0
    } else {
        (wrapcol / 4 * 4).max(4)
    }
}

/// Characters for `n` bytes, with or without the `=` padding.
fn chars_len(n: usize, padded: bool) -> Option<usize> {
    if padded {
        n.div_ceil(3).checked_mul(4)
    } else {
        (n / 3).checked_mul(4)?.checked_add([0, 2, 3][n % 3])
    }
}

/// Length of `b2a_base64(data, padded=padded, wrapcol=wrapcol,
/// newline=newline)` for `n` input bytes, or `None` if it would overflow.
pub fn encoded_len(n: usize, wrapcol: usize, newline: bool, padded: bool) -> Option<usize> {
    let chars = chars_len(n, padded)?;
    let wrap = effective_wrapcol(wrapcol);
    let breaks = if wrap == 0 || chars == 0 {
        0
    } else {
        (chars - 1) / wrap
    };
    chars.checked_add(breaks)?.checked_add(newline as usize)
}

/// Writes `b2a_base64(input, padded=padded, wrapcol=wrapcol,
/// newline=newline)` into `out`, which must be exactly [`encoded_len`] bytes.
pub fn encode_into(
    input: &[u8],
    alphabet: EncodeAlphabet,
    wrapcol: usize,
    newline: bool,
    padded: bool,
    out: &mut [u8],
) {
    let total = out.len();
    let body = &mut out[..total - newline as usize];
    let wrap = effective_wrapcol(wrapcol);
    if wrap == 0 || body.len() <= wrap {
        encode_line(input, body, alphabet, padded);
    } else {
        let in_line = wrap / 4 * 3;
        let mut src = input.chunks(in_line);
        let mut dst = &mut body[..];
        for chunk in src.by_ref() {
            let len = chars_len(chunk.len(), padded).expect("fits: the line is shorter than out");
            let (line, rest) = dst.split_at_mut(len);
            encode_line(chunk, line, alphabet, padded);
            if rest.is_empty() {
                break;
            }
            rest[0] = b'\n';
            dst = &mut rest[1..];
        }
    }
    if newline {
        out[total - 1] = b'\n';
    }
}

/// One line: [`encode_block`], then the unpadded tail when `!padded`.
fn encode_line(input: &[u8], out: &mut [u8], alphabet: EncodeAlphabet, padded: bool) {
    let whole = input.len() / 3 * 3;
    if padded || whole == input.len() {
        return encode_block(input, out, alphabet);
    }
    let (head, tail) = out.split_at_mut(whole / 3 * 4);
    encode_block(&input[..whole], head, alphabet);
    let mut quad = [0u8; 4];
    encode_block(&input[whole..], &mut quad, alphabet);
    tail.copy_from_slice(&quad[..tail.len()]);
}

fn encode_block(input: &[u8], out: &mut [u8], alphabet: EncodeAlphabet) {
    debug_assert_eq!(out.len(), input.len().div_ceil(3) * 4);
    if input.is_empty() {
        return;
    }
    let options = if alphabet == EncodeAlphabet::URLSAFE {
        simdutf::Base64Options::UrlWithPadding
    } else {
        simdutf::Base64Options::Default
    };
    // SAFETY: `out` holds exactly base64_length_from_binary(input.len()) bytes
    // (padded output), the regions do not overlap.
    let written = unsafe {
        simdutf::binary_to_base64(input.as_ptr(), input.len(), out.as_mut_ptr(), options)
    };
    debug_assert_eq!(written, out.len());
    if alphabet != EncodeAlphabet::STANDARD && alphabet != EncodeAlphabet::URLSAFE {
        for c in out.iter_mut() {
            let i = STANDARD_INDEX[*c as usize];
            if i < 64 {
                *c = alphabet.chars[i as usize];
            }
        }
    }
}

/// `b2a_base64` into a new vector.
pub fn encode(input: &[u8], alphabet: EncodeAlphabet, wrapcol: usize, newline: bool) -> Vec<u8> {
    let len = encoded_len(input.len(), wrapcol, newline, true).expect("input too large to encode");
    let mut out = vec![0u8; len];
    encode_into(input, alphabet, wrapcol, newline, true, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obvious encoder, for comparison: 3 bytes to 4 characters, then lines.
    fn reference_encode(
        input: &[u8],
        alphabet: &[u8; 64],
        wrapcol: usize,
        newline: bool,
        padded: bool,
    ) -> Vec<u8> {
        let mut chars = Vec::new();
        for chunk in input.chunks(3) {
            let mut b = [0u8; 3];
            b[..chunk.len()].copy_from_slice(chunk);
            let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            for k in 0..4 {
                if k <= chunk.len() {
                    chars.push(alphabet[(v >> (18 - 6 * k) & 63) as usize]);
                } else if padded {
                    chars.push(b'=');
                }
            }
        }
        let wrap = effective_wrapcol(wrapcol);
        let mut out = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            if wrap != 0 && i != 0 && i % wrap == 0 {
                out.push(b'\n');
            }
            out.push(*c);
        }
        if newline {
            out.push(b'\n');
        }
        out
    }

    fn alt_alphabet(alt: [u8; 2]) -> [u8; 64] {
        let mut a = *STANDARD_ALPHABET;
        a[62] = alt[0];
        a[63] = alt[1];
        a
    }

    #[test]
    fn cpython_strict_mode_messages() {
        let t = DecodeTable::standard();
        let cases: &[(&[u8], DecodeError)] = &[
            (b"=ab", DecodeError::LeadingPadding),
            (b"ab===", DecodeError::ExcessPadding),
            (b"ab==a", DecodeError::ExcessData),
            (b"ab=c=", DecodeError::DiscontinuousPadding),
            (b"ab\ncd", DecodeError::NonBase64),
            (b"abcde", DecodeError::InvalidLength(5)),
            (b"abc", DecodeError::IncorrectPadding),
            (b"AAAA=", DecodeError::ExcessPadding),
        ];
        for (input, err) in cases {
            assert_eq!(
                decode(input, t, true).as_ref(),
                Err(err),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn cpython_non_strict_results() {
        let t = DecodeTable::standard();
        // 3.14.7 / 3.15: pads before the end are ignored, data after them is decoded.
        assert_eq!(decode(b"ab==cd", t, false).unwrap(), b"i\xb7\x1d");
        assert_eq!(decode(b"abc=d", t, false).unwrap(), b"i\xb7\x1d");
        assert_eq!(decode(b"ab==c=", t, false).unwrap(), b"i\xb7");
        assert_eq!(decode(b"\nab==", t, false).unwrap(), b"i");
        assert_eq!(decode(b"QR==", t, false).unwrap(), b"A"); // trailing bits ignored
        assert_eq!(decode(b"", t, false).unwrap(), b"");
        assert_eq!(decode(b"a", t, false), Err(DecodeError::InvalidLength(1)));
    }

    #[test]
    fn encode_lengths_and_wrapping() {
        assert_eq!(encode(b"", EncodeAlphabet::STANDARD, 0, true), b"\n");
        assert_eq!(encode(b"abc", EncodeAlphabet::STANDARD, 0, false), b"YWJj");
        assert_eq!(encoded_len(57, 76, true, true), Some(77));
        assert_eq!(encoded_len(58, 76, true, true), Some(76 + 1 + 4 + 1));
        assert_eq!(encoded_len(58, 76, true, false), Some(76 + 1 + 2 + 1));
        assert_eq!(encoded_len(usize::MAX, 0, false, true), None);
    }

    #[test]
    fn padded_and_canonical_3_15() {
        let t = DecodeTable::standard();
        let unpadded = |input: &[u8], strict| decode_scalar_with(input, t, strict, false, false);
        assert_eq!(unpadded(b"YQ", false).unwrap(), b"a");
        assert_eq!(unpadded(b"YQ==", false).unwrap(), b"a"); // '=' is skipped like any non-alphabet byte
        assert_eq!(unpadded(b"YQ==", true), Err(DecodeError::PaddingNotAllowed));
        assert_eq!(unpadded(b"Y@Q", true), Err(DecodeError::NonBase64));
        assert_eq!(unpadded(b"Y", false), Err(DecodeError::InvalidLength(1)));
        let ignoring = t.ignoring(b"=");
        assert_eq!(
            decode_scalar_with(b"Y=Q", &ignoring, true, false, false).unwrap(),
            b"a"
        );
        let canonical = |input: &[u8]| decode_scalar_with(input, t, false, true, true);
        assert_eq!(canonical(b"YR=="), Err(DecodeError::NonZeroPaddingBits));
        assert_eq!(canonical(b"YWJ="), Err(DecodeError::NonZeroPaddingBits));
        assert_eq!(canonical(b"YWI=").unwrap(), b"ab");
        assert_eq!(canonical(b"YQ==").unwrap(), b"a");
        // The order of 3.15's final checks: length, then padding, then bits.
        assert_eq!(canonical(b"YR"), Err(DecodeError::IncorrectPadding));
        assert_eq!(canonical(b"YRAAA"), Err(DecodeError::InvalidLength(5)));
    }

    #[test]
    fn custom_alphabets() {
        let crypt: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let data = b"example bytes";
        let enc = encode(data, EncodeAlphabet::from_chars(crypt), 0, false);
        assert_eq!(enc, reference_encode(data, crypt, 0, false, true));
        let t = DecodeTable::with_alphabet(crypt);
        assert_eq!(decode(&enc, &t, true).unwrap(), data);
        // '+' is not in this alphabet.
        assert_eq!(decode(b"+...", &t, true), Err(DecodeError::NonBase64));
        // A repeated character decodes as its last index.
        let mut dup = *STANDARD_ALPHABET;
        dup[1] = b'A';
        assert_eq!(
            decode(b"AAAA", &DecodeTable::with_alphabet(&dup), true).unwrap(),
            [0x04, 0x10, 0x41]
        );
    }

    #[test]
    fn pads_at_the_compaction_chunk_boundary() {
        // One leading newline sends long inputs to the compacting path; pads
        // around the 16 KiB chunk boundary (counted in non-whitespace
        // characters) must leave the state machine's answer.
        let data: Vec<u8> = (0..30000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let enc = encode(&data, EncodeAlphabet::STANDARD, 0, false);
        for at in 16370..16400 {
            for pads in [&b"===="[..], b"QQ==", b"Q===", b"QQQ=", b"\n==\n=="] {
                let mut input = b"\n".to_vec();
                input.extend_from_slice(&enc[..at]);
                input.extend_from_slice(pads);
                input.extend_from_slice(&enc[at..]);
                let t = DecodeTable::standard();
                for strict in [false, true] {
                    assert_eq!(
                        decode(&input, t, strict),
                        decode_scalar(&input, t, strict),
                        "{at} {pads:?}"
                    );
                }
            }
        }
    }

    fn b64ish() -> impl Strategy<Value = Vec<u8>> {
        // Mostly valid data with the characters that change the state machine's path.
        let interesting = prop::sample::select(b"ABCDQRYWJjZab019+/-_===\n\r \t\x0c*\x80".to_vec());
        prop::collection::vec(interesting, 0..64)
    }

    fn tables() -> impl Strategy<Value = DecodeTable> {
        prop_oneof![
            Just(DecodeTable::standard().clone()),
            Just(DecodeTable::urlsafe_or_standard().clone()),
            any::<[u8; 2]>().prop_map(DecodeTable::with_altchars),
            Just(DecodeTable::with_altchars(*b"-_")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn fast_path_never_changes_the_answer(input in b64ish(), table in tables(), strict: bool) {
            prop_assert_eq!(decode(&input, &table, strict), decode_scalar(&input, &table, strict));
        }

        #[test]
        fn fast_path_on_encoded_data(data in prop::collection::vec(any::<u8>(), 0..300), wrapcol in 0usize..90, strict: bool) {
            let enc = encode(&data, EncodeAlphabet::STANDARD, wrapcol, true);
            let t = DecodeTable::standard();
            prop_assert_eq!(decode(&enc, t, strict), decode_scalar(&enc, t, strict));
            prop_assert_eq!(decode(&enc, t, false).unwrap(), data);
        }

        #[test]
        fn encode_matches_reference(data in prop::collection::vec(any::<u8>(), 0..300), wrapcol in 0usize..90,
                                    newline: bool, alt in prop_oneof![Just(*b"+/"), Just(*b"-_"), any::<[u8; 2]>()]) {
            let got = encode(&data, EncodeAlphabet::with_altchars(alt), wrapcol, newline);
            prop_assert_eq!(got.len(), encoded_len(data.len(), wrapcol, newline, true).unwrap());
            prop_assert_eq!(got, reference_encode(&data, &alt_alphabet(alt), wrapcol, newline, true));
        }

        #[test]
        fn unpadded_encode_matches_reference(data in prop::collection::vec(any::<u8>(), 0..300),
                                             wrapcol in 0usize..90, newline: bool, chars: [u8; 64]) {
            let alphabet = EncodeAlphabet::from_chars(&chars);
            for padded in [false, true] {
                let len = encoded_len(data.len(), wrapcol, newline, padded).unwrap();
                let mut got = vec![0u8; len];
                encode_into(&data, alphabet, wrapcol, newline, padded, &mut got);
                prop_assert_eq!(got, reference_encode(&data, &chars, wrapcol, newline, padded));
            }
        }

        #[test]
        fn round_trip_with_altchars(data in prop::collection::vec(any::<u8>(), 0..200),
                                    alt in prop::sample::subsequence(b"+/-_.,~!*:\x00\xff".to_vec(), 2)) {
            // Alphabets whose two characters are distinct and outside the
            // other 62 (and not '=') round-trip, in either order.
            let alt = [alt[1], alt[0]];
            let enc = encode(&data, EncodeAlphabet::with_altchars(alt), 0, false);
            prop_assert_eq!(decode(&enc, &DecodeTable::with_altchars(alt), true).unwrap(), data);
        }
    }

    proptest! {
        // Inputs of 3-55 KB: fewer cases, the same coverage of the chunk
        // boundaries (16 KiB of characters).
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn long_inputs_with_whitespace(data in prop::collection::vec(any::<u8>(), 2500..40000),
                                       wrapcol in prop_oneof![Just(76usize), Just(0usize), 1usize..200],
                                       edits in prop::collection::vec((any::<prop::sample::Index>(),
                                           prop::sample::select(b" \t\n\r\x0c=*A".to_vec())), 0..6),
                                       strict: bool) {
            // Long enough for the compacting path (on CPUs with AVX-512
            // VBMI2), which must agree with the state machine whatever is
            // inserted: whitespace anywhere, pads, non-alphabet bytes.
            let mut enc = encode(&data, EncodeAlphabet::STANDARD, wrapcol, true);
            for (at, c) in edits {
                let i = at.index(enc.len() + 1);
                enc.insert(i, c);
            }
            for t in [DecodeTable::standard(), DecodeTable::urlsafe_or_standard()] {
                prop_assert_eq!(decode(&enc, t, strict), decode_scalar(&enc, t, strict));
            }
        }
    }
}
