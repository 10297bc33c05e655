//! The SIMD paths of `a2b_base64` (simdutf, compaction, short inputs) must give
//! the state machine's answer for any input, table and mode, and what decodes
//! must encode back to data that decodes to the same bytes.
#![no_main]

use ferrocodec::base64::{decode, decode_scalar, encode, DecodeTable, EncodeAlphabet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let strict = mode & 1 != 0;
    let owned;
    let table = match (mode >> 1) & 3 {
        0 => DecodeTable::standard(),
        1 => DecodeTable::urlsafe_or_standard(),
        2 => {
            owned = DecodeTable::standard().ignoring(b" \n=");
            &owned
        }
        _ => {
            owned = DecodeTable::with_altchars(*b"-_");
            &owned
        }
    };
    let fast = decode(input, table, strict);
    assert_eq!(fast, decode_scalar(input, table, strict));
    if let Ok(bytes) = fast {
        let again = encode(
            &bytes,
            EncodeAlphabet::STANDARD,
            (mode >> 3) as usize,
            mode & 0x80 != 0,
        );
        assert_eq!(
            decode(&again, DecodeTable::standard(), false).unwrap(),
            bytes
        );
    }
});
