//! # ferrocodec
//!
//! The pure-Rust core of the `ferrocodec` Python package: implementations of
//! CPython's `base64`/`binascii` and `json` codecs that produce the same
//! bytes and report the same errors as the standard library. Nothing here
//! depends on Python; the `ferrocodec-python` crate converts between Python
//! objects and these functions.

pub mod base64;
pub mod cpu;
pub mod json;
pub mod radix;
