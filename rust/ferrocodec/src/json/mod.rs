//! JSON as CPython's `json` module reads and writes it.
//!
//! [`elem`] writes NumPy array elements (`numpy=True`).
//! [`number`] reads number text as `float()` does (correctly rounded).
//! [`scan`] is the decoder's scanner (a [`scan::Visitor`] builds the values);
//! [`tape`] keeps a scanned document to build it later (on another thread);
//! [`write`] holds the encoder's pieces: string escaping, float and integer
//! text, indentation.

pub mod elem;
pub mod number;
mod pow5;
pub mod scan;
pub mod tape;
pub mod write;

use thiserror::Error;

/// The decoder's error messages, exactly as CPython's `json` words them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SyntaxErrorKind {
    /// Also the C scanner's `StopIteration(idx)`: no value starts here.
    #[error("Expecting value")]
    ExpectingValue,
    #[error("Expecting property name enclosed in double quotes")]
    ExpectingPropertyName,
    #[error("Expecting ':' delimiter")]
    ExpectingColon,
    #[error("Expecting ',' delimiter")]
    ExpectingComma,
    #[error("Illegal trailing comma before end of object")]
    TrailingCommaObject,
    #[error("Illegal trailing comma before end of array")]
    TrailingCommaArray,
    #[error("Unterminated string starting at")]
    UnterminatedString,
    #[error("Invalid control character at")]
    InvalidControlCharacter,
    #[error("Invalid \\escape")]
    InvalidEscape,
    #[error("Invalid \\uXXXX escape")]
    InvalidUnicodeEscape,
    #[error("Extra data")]
    ExtraData,
}

/// A malformed document: what is wrong and where (a byte offset; see
/// [`char_offset`] for the character offset Python reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("{kind} at byte {pos}")]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub pos: usize,
}

impl SyntaxError {
    pub fn new(kind: SyntaxErrorKind, pos: usize) -> Self {
        SyntaxError { kind, pos }
    }
}

/// The number of characters in `utf8[..byte_pos]` (`utf8` is UTF-8 or
/// generalised UTF-8, so a character is a byte that is not a continuation byte).
pub fn char_offset(utf8: &[u8], byte_pos: usize) -> usize {
    let end = byte_pos.min(utf8.len());
    let head = &utf8[..end];
    let continuation = head.iter().filter(|&&b| (b as i8) < -0x40).count();
    end - continuation + (byte_pos - end)
}

/// The byte offset of character `char_pos` in `utf8`; offsets past the end
/// stay past the end by the same number of characters.
pub fn byte_offset(utf8: &[u8], char_pos: usize) -> usize {
    let mut chars = 0;
    for (i, &b) in utf8.iter().enumerate() {
        if (b as i8) >= -0x40 {
            if chars == char_pos {
                return i;
            }
            chars += 1;
        }
    }
    utf8.len() + (char_pos - chars)
}

/// `json.detect_encoding`: the codec the stdlib would decode `b` with.
pub fn detect_encoding(b: &[u8]) -> &'static str {
    if b.starts_with(&[0, 0, 0xFE, 0xFF]) || b.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return "utf-32";
    }
    if b.starts_with(&[0xFE, 0xFF]) || b.starts_with(&[0xFF, 0xFE]) {
        return "utf-16";
    }
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return "utf-8-sig";
    }
    if b.len() >= 4 {
        if b[0] == 0 {
            return if b[1] != 0 { "utf-16-be" } else { "utf-32-be" };
        }
        if b[1] == 0 {
            return if b[2] != 0 || b[3] != 0 {
                "utf-16-le"
            } else {
                "utf-32-le"
            };
        }
    } else if b.len() == 2 {
        if b[0] == 0 {
            return "utf-16-be";
        }
        if b[1] == 0 {
            return "utf-16-le";
        }
    }
    "utf-8"
}
