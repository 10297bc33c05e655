//! The JSON scanner: CPython's `_json` scanner (3.14), byte for byte.
//!
//! The grammar, the order of the checks and the error positions are those of
//! `scan_once_unicode`, `_parse_object_unicode`, `_parse_array_unicode`,
//! `scanstring_unicode` and `_match_number_unicode` in CPython's
//! `Modules/_json.c`. The scanner works on UTF-8 text (or the generalised
//! UTF-8 of a `str` holding lone surrogates); positions are byte offsets,
//! which the caller turns into character offsets only when it reports an
//! error. Every decision the C code makes on a code point it makes here on
//! an ASCII byte, and a non-ASCII code point is never a delimiter, a digit
//! or an escape letter, so both take the same path on the same text.
//!
//! Values are produced by a [`Visitor`]: the Python extension builds Python
//! objects while scanning, without an intermediate tree.

use super::number::scan_number;
pub use super::number::{Number, NumberValue};
use super::SyntaxError;
use super::SyntaxErrorKind as K;

/// The named constants of the JSON superset that Python accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant {
    NaN,
    Infinity,
    NegInfinity,
}

impl Constant {
    /// The text as it appears in a document (and is passed to `parse_constant`).
    pub fn text(self) -> &'static str {
        match self {
            Constant::NaN => "NaN",
            Constant::Infinity => "Infinity",
            Constant::NegInfinity => "-Infinity",
        }
    }
}

/// Which container a nesting level is (for the recursion guard's message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Object,
    Array,
}

/// The decoded content of a JSON string, borrowed from the input or from the
/// scanner's scratch buffer.
#[derive(Clone, Copy, Debug)]
pub struct Str<'a> {
    /// UTF-8 (generalised UTF-8 if `surrogates`).
    pub bytes: &'a [u8],
    /// Every byte is ASCII.
    pub ascii: bool,
    /// The bytes may encode surrogate code points (from `\uD800`-style escapes
    /// or from a `str` input that held them): decode with `surrogatepass`.
    pub surrogates: bool,
}

/// Receives the values of a document as the scanner reads them.
///
/// Containers are built bottom-up: `array_start`, then `array_push` for each
/// element, then `array_end`. If scanning fails half-way the partial
/// containers are dropped, so their types must release what they hold.
pub trait Visitor {
    type Value;
    type Key;
    type Array;
    type Object;
    /// Errors of the visitor itself (failed hooks, ...) and syntax errors.
    type Error: From<SyntaxError>;

    fn null(&mut self) -> Result<Self::Value, Self::Error>;
    fn boolean(&mut self, value: bool) -> Result<Self::Value, Self::Error>;
    fn constant(&mut self, constant: Constant) -> Result<Self::Value, Self::Error>;
    /// A number, with its value when the scanner computed it.
    fn number(&mut self, number: Number<'_>) -> Result<Self::Value, Self::Error>;
    fn string(&mut self, s: Str<'_>) -> Result<Self::Value, Self::Error>;
    fn key(&mut self, s: Str<'_>) -> Result<Self::Key, Self::Error>;

    /// Called before a container is read: the place for a recursion limit.
    fn enter(&mut self, container: Container) -> Result<(), Self::Error>;
    /// Called after a container was read (also when reading it failed).
    fn leave(&mut self);

    fn array_start(&mut self) -> Result<Self::Array, Self::Error>;
    fn array_push(
        &mut self,
        array: &mut Self::Array,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    fn array_end(&mut self, array: Self::Array) -> Result<Self::Value, Self::Error>;

    fn object_start(&mut self) -> Result<Self::Object, Self::Error>;
    fn object_insert(
        &mut self,
        object: &mut Self::Object,
        key: Self::Key,
        value: Self::Value,
    ) -> Result<(), Self::Error>;
    fn object_end(&mut self, object: Self::Object) -> Result<Self::Value, Self::Error>;
}

/// JSON whitespace as the stdlib defines it (`[ \t\n\r]`).
#[inline(always)]
pub fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The index of the first non-whitespace byte at or after `pos`.
#[inline(always)]
pub fn skip_whitespace(data: &[u8], pos: usize) -> usize {
    match data.get(pos) {
        Some(&b) if is_whitespace(b) => skip_whitespace_run(data, pos),
        _ => pos,
    }
}

#[inline(never)]
fn skip_whitespace_run(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() {
        let b = data[pos];
        if !is_whitespace(b) {
            return pos;
        }
        pos += 1;
        if b == b'\n' {
            // Indentation: skip whole words of spaces.
            while pos + 8 <= data.len()
                && u64::from_le_bytes(data[pos..pos + 8].try_into().unwrap())
                    == 0x2020_2020_2020_2020
            {
                pos += 8;
            }
        }
    }
    pos
}

/// A scanner over one document.
pub struct Scanner<'a> {
    data: &'a [u8],
    strict: bool,
    /// Whether the input itself may hold encoded surrogates.
    input_surrogates: bool,
    scratch: Vec<u8>,
}

impl<'a> Scanner<'a> {
    /// `strict`: control characters inside strings are errors (the stdlib's
    /// default). `input_surrogates`: `data` is the `surrogatepass` encoding
    /// of a `str` that holds lone surrogates.
    pub fn new(data: &'a [u8], strict: bool, input_surrogates: bool) -> Self {
        Scanner {
            data,
            strict,
            input_surrogates,
            scratch: Vec::new(),
        }
    }

    /// [`Scanner::new`] with a scratch buffer to reuse (its capacity is kept;
    /// [`Scanner::into_scratch`] gives it back).
    pub fn with_scratch(
        data: &'a [u8],
        strict: bool,
        input_surrogates: bool,
        scratch: Vec<u8>,
    ) -> Self {
        Scanner {
            data,
            strict,
            input_surrogates,
            scratch,
        }
    }

    /// The scratch buffer, to reuse in another scanner.
    pub fn into_scratch(self) -> Vec<u8> {
        self.scratch
    }

    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// `JSONDecoder.decode`: whitespace, one value, whitespace, end of input.
    pub fn document<V: Visitor>(&mut self, v: &mut V) -> Result<V::Value, V::Error> {
        let start = skip_whitespace(self.data, 0);
        let (value, end) = self.value(v, start)?;
        let end = skip_whitespace(self.data, end);
        if end != self.data.len() {
            return Err(SyntaxError::new(K::ExtraData, end).into());
        }
        Ok(value)
    }

    /// `scan_once(s, idx)`: the value starting exactly at `pos` and the
    /// offset after it. A missing value is [`SyntaxErrorKind::ExpectingValue`]
    /// (the C scanner's `StopIteration(idx)`).
    ///
    /// [`SyntaxErrorKind::ExpectingValue`]: super::SyntaxErrorKind::ExpectingValue
    pub fn value<V: Visitor>(
        &mut self,
        v: &mut V,
        pos: usize,
    ) -> Result<(V::Value, usize), V::Error> {
        let data = self.data;
        let Some(&b) = data.get(pos) else {
            return Err(SyntaxError::new(K::ExpectingValue, pos).into());
        };
        let rest = &data[pos..];
        match b {
            b'"' => self.visit_string(pos + 1, |s| v.string(s)),
            b'{' => {
                v.enter(Container::Object)?;
                let r = self.object(v, pos + 1);
                v.leave();
                r
            }
            b'[' => {
                v.enter(Container::Array)?;
                let r = self.array(v, pos + 1);
                v.leave();
                r
            }
            b'n' if rest.starts_with(b"null") => Ok((v.null()?, pos + 4)),
            b't' if rest.starts_with(b"true") => Ok((v.boolean(true)?, pos + 4)),
            b'f' if rest.starts_with(b"false") => Ok((v.boolean(false)?, pos + 5)),
            b'N' if rest.starts_with(b"NaN") => Ok((v.constant(Constant::NaN)?, pos + 3)),
            b'I' if rest.starts_with(b"Infinity") => Ok((v.constant(Constant::Infinity)?, pos + 8)),
            b'-' if rest.starts_with(b"-Infinity") => {
                Ok((v.constant(Constant::NegInfinity)?, pos + 9))
            }
            _ => {
                let (end, number) = scan_number(data, pos)?;
                Ok((v.number(number)?, end))
            }
        }
    }

    /// [`Scanner::value`] for a member of an array or object, with numbers
    /// and strings read here instead of in a call: a call per leaf cost its
    /// prologue and passing the result through memory.
    #[inline(always)]
    fn member<V: Visitor>(&mut self, v: &mut V, pos: usize) -> Result<(V::Value, usize), V::Error> {
        let data = self.data;
        match data.get(pos) {
            Some(b'"') => return self.visit_string(pos + 1, |s| v.string(s)),
            // "-Infinity" and bad numbers are left to `value`.
            Some(&b) if b.is_ascii_digit() || b == b'-' => {
                if let Ok((end, number)) = scan_number(data, pos) {
                    return Ok((v.number(number)?, end));
                }
            }
            _ => {}
        }
        self.value(v, pos)
    }

    fn object<V: Visitor>(
        &mut self,
        v: &mut V,
        mut idx: usize,
    ) -> Result<(V::Value, usize), V::Error> {
        let data = self.data;
        let mut object = v.object_start()?;
        idx = skip_whitespace(data, idx);
        if data.get(idx) != Some(&b'}') {
            loop {
                if data.get(idx) != Some(&b'"') {
                    return Err(SyntaxError::new(K::ExpectingPropertyName, idx).into());
                }
                let (key, next) = self.visit_string(idx + 1, |s| v.key(s))?;
                idx = skip_whitespace(data, next);
                if data.get(idx) != Some(&b':') {
                    return Err(SyntaxError::new(K::ExpectingColon, idx).into());
                }
                idx = skip_whitespace(data, idx + 1);
                let (value, next) = self.member(v, idx)?;
                v.object_insert(&mut object, key, value)?;
                match after_member(data, next, b'}', K::TrailingCommaObject)? {
                    Ok(close) => {
                        idx = close;
                        break;
                    }
                    Err(following) => idx = following,
                }
            }
        }
        Ok((v.object_end(object)?, idx + 1))
    }

    fn array<V: Visitor>(
        &mut self,
        v: &mut V,
        mut idx: usize,
    ) -> Result<(V::Value, usize), V::Error> {
        let data = self.data;
        let mut array = v.array_start()?;
        idx = skip_whitespace(data, idx);
        if data.get(idx) != Some(&b']') {
            loop {
                let (value, next) = self.member(v, idx)?;
                v.array_push(&mut array, value)?;
                match after_member(data, next, b']', K::TrailingCommaArray)? {
                    Ok(close) => {
                        idx = close;
                        break;
                    }
                    Err(following) => idx = following,
                }
            }
        }
        Ok((v.array_end(array)?, idx + 1))
    }

    /// `scanstring`: `end` is the offset after the opening quote. Returns the
    /// content and the offset after the closing quote.
    pub fn string(&mut self, end: usize) -> Result<(Str<'_>, usize), SyntaxError> {
        let (next, ascii) = find_string_special(self.data, end, self.strict);
        if self.data.get(next) == Some(&b'"') {
            return Ok((self.plain_str(end, next, ascii), next + 1));
        }
        self.string_slow(end, next, ascii)
    }

    /// The string whose content starts at `begin`, handed to `f` (the
    /// visitor), and the offset after the closing quote. `f` is called on
    /// each path separately: merging the two `Str`s first made the compiler
    /// pass them through memory with loads that straddle the stores (a
    /// store-forwarding stall per string).
    #[inline(always)]
    fn visit_string<T, E: From<SyntaxError>>(
        &mut self,
        begin: usize,
        f: impl FnOnce(Str<'_>) -> Result<T, E>,
    ) -> Result<(T, usize), E> {
        let (next, ascii) = find_string_special(self.data, begin, self.strict);
        if self.data.get(next) == Some(&b'"') {
            return Ok((f(self.plain_str(begin, next, ascii))?, next + 1));
        }
        let (s, end) = self.string_slow(begin, next, ascii)?;
        Ok((f(s)?, end))
    }

    /// A string without escapes: `data[begin..end]`.
    #[inline(always)]
    fn plain_str(&self, begin: usize, end: usize, ascii: bool) -> Str<'a> {
        Str {
            bytes: &self.data[begin..end],
            ascii,
            surrogates: self.input_surrogates && !ascii,
        }
    }

    /// [`Self::string`] from the first backslash or bad character at `next`.
    #[inline(never)]
    fn string_slow(
        &mut self,
        end: usize,
        next: usize,
        ascii: bool,
    ) -> Result<(Str<'_>, usize), SyntaxError> {
        let data = self.data;
        let begin = end - 1;
        match data.get(next) {
            Some(b'\\') => {}
            Some(_) => return Err(SyntaxError::new(K::InvalidControlCharacter, next)),
            None => return Err(SyntaxError::new(K::UnterminatedString, begin)),
        }
        // Slow path: the string has escapes; unescape into the scratch buffer.
        self.scratch.clear();
        let mut ascii = ascii;
        let mut surrogates = self.input_surrogates && !ascii;
        let mut end = end;
        let mut next = next;
        loop {
            // data[next] is a backslash.
            self.scratch.extend_from_slice(&data[end..next]);
            next += 1;
            let Some(&c) = data.get(next) else {
                return Err(SyntaxError::new(K::UnterminatedString, begin));
            };
            if c != b'u' {
                let unescaped = match c {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => return Err(SyntaxError::new(K::InvalidEscape, next - 1)),
                };
                self.scratch.push(unescaped);
                end = next + 1;
            } else {
                let u = next;
                end = u + 5;
                if end > data.len() {
                    return Err(SyntaxError::new(K::InvalidUnicodeEscape, u));
                }
                let Some(mut cp) = hex4(&data[u + 1..end]) else {
                    return Err(SyntaxError::new(K::InvalidUnicodeEscape, u));
                };
                if (0xD800..0xDC00).contains(&cp)
                    && end + 6 < data.len()
                    && data[end] == b'\\'
                    && data[end + 1] == b'u'
                {
                    let Some(low) = hex4(&data[end + 2..end + 6]) else {
                        return Err(SyntaxError::new(K::InvalidUnicodeEscape, end + 1));
                    };
                    if (0xDC00..0xE000).contains(&low) {
                        cp = 0x10000 + (((cp - 0xD800) << 10) | (low - 0xDC00));
                        end += 6;
                    }
                }
                if cp >= 0x80 {
                    ascii = false;
                }
                if (0xD800..0xE000).contains(&cp) {
                    surrogates = true;
                }
                push_code_point(&mut self.scratch, cp);
            }
            let (n, chunk_ascii) = find_string_special(data, end, self.strict);
            ascii &= chunk_ascii;
            if !chunk_ascii && self.input_surrogates {
                surrogates = true;
            }
            next = n;
            match data.get(next) {
                Some(b'"') => {
                    self.scratch.extend_from_slice(&data[end..next]);
                    return Ok((
                        Str {
                            bytes: &self.scratch,
                            ascii,
                            surrogates,
                        },
                        next + 1,
                    ));
                }
                Some(b'\\') => {}
                Some(_) => return Err(SyntaxError::new(K::InvalidControlCharacter, next)),
                None => return Err(SyntaxError::new(K::UnterminatedString, begin)),
            }
        }
    }
}

/// After a member of an object or an array (`pos` is the offset after it):
/// `Ok(Ok(i))` when the container closes at `i`, `Ok(Err(j))` when another
/// member follows at `j`, else the C scanner's errors (a missing comma, or a
/// trailing comma reported at the comma).
#[inline]
fn after_member(
    data: &[u8],
    pos: usize,
    close: u8,
    trailing: K,
) -> Result<Result<usize, usize>, SyntaxError> {
    let idx = skip_whitespace(data, pos);
    match data.get(idx) {
        Some(&b) if b == close => return Ok(Ok(idx)),
        Some(b',') => {}
        _ => return Err(SyntaxError::new(K::ExpectingComma, idx)),
    }
    let next = skip_whitespace(data, idx + 1);
    if data.get(next) == Some(&close) {
        return Err(SyntaxError::new(trailing, idx));
    }
    Ok(Err(next))
}

#[inline]
fn hex4(h: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &d in &h[..4] {
        let x = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | x as u32;
    }
    Some(v)
}

/// Append `cp` as (generalised, for surrogates) UTF-8.
#[inline]
fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

/// The first offset at or after `pos` holding `"`, `\` or (if `strict`) a
/// control character, or `data.len()`; and whether the bytes before it are
/// all ASCII.
#[inline]
fn find_string_special(data: &[u8], pos: usize, strict: bool) -> (usize, bool) {
    #[cfg(simd_x86)]
    {
        // SSE2 is part of x86_64.
        unsafe { find_string_special_sse2(data, pos, strict) }
    }
    #[cfg(not(simd_x86))]
    {
        find_string_special_swar(data, pos, strict)
    }
}

#[inline]
fn is_special(b: u8, strict: bool) -> bool {
    b == b'"' || b == b'\\' || (strict && b < 0x20)
}

#[cfg(simd_x86)]
#[inline]
unsafe fn find_string_special_sse2(data: &[u8], mut pos: usize, strict: bool) -> (usize, bool) {
    use std::arch::x86_64::*;
    let len = data.len();
    let mut high = 0i32;
    let quote = _mm_set1_epi8(b'"' as i8);
    let backslash = _mm_set1_epi8(b'\\' as i8);
    let ctrl_max = _mm_set1_epi8(0x1f);
    let ctrl_on = if strict { -1i32 } else { 0 };
    while pos + 16 <= len {
        let v = _mm_loadu_si128(data.as_ptr().add(pos) as *const __m128i);
        let q = _mm_cmpeq_epi8(v, quote);
        let b = _mm_cmpeq_epi8(v, backslash);
        let c = _mm_cmpeq_epi8(_mm_min_epu8(v, ctrl_max), v);
        let mask = _mm_movemask_epi8(_mm_or_si128(q, b)) | (_mm_movemask_epi8(c) & ctrl_on);
        let hi = _mm_movemask_epi8(v);
        if mask != 0 {
            let first = mask.trailing_zeros();
            high |= hi & ((1i32 << first) - 1);
            return (pos + first as usize, high == 0);
        }
        high |= hi;
        pos += 16;
    }
    let mut ascii = high == 0;
    while pos < len {
        let b = data[pos];
        if is_special(b, strict) {
            break;
        }
        ascii &= b < 0x80;
        pos += 1;
    }
    (pos, ascii)
}

#[cfg(not(simd_x86))]
#[inline]
fn find_string_special_swar(data: &[u8], mut pos: usize, strict: bool) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let len = data.len();
    let mut high = 0u64;
    while pos + 8 <= len {
        let w = u64::from_le_bytes(data[pos..pos + 8].try_into().unwrap());
        let q = w ^ (ONES * b'"' as u64);
        let b = w ^ (ONES * b'\\' as u64);
        let mut hit = (q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b);
        if strict {
            hit |= w.wrapping_sub(ONES * 0x20) & !w;
        }
        if hit & HIGH != 0 {
            break;
        }
        high |= w;
        pos += 8;
    }
    let mut ascii = high & HIGH == 0;
    while pos < len {
        let b = data[pos];
        if is_special(b, strict) {
            break;
        }
        ascii &= b < 0x80;
        pos += 1;
    }
    (pos, ascii)
}
