"""ferrocodec.binascii: CPython's binascii with Rust/SIMD base64 codecs.

``a2b_base64`` and ``b2a_base64`` are ferrocodec's (CPython 3.15 semantics on
every Python >= 3.11; see docs/compatibility.md). ``Error`` and ``Incomplete``
are the standard library's own classes, so ``except binascii.Error`` catches
ferrocodec's errors. The other functions are the running interpreter's.
"""

from binascii import *  # noqa: F403  (crc32, hexlify, ... as the stdlib has them)
from binascii import Error, Incomplete

from ferrocodec._ferrocodec import a2b_base64, b2a_base64

BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URLSAFE_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

__all__ = [
    "Error", "Incomplete", "a2b_base64", "b2a_base64",
    "BASE64_ALPHABET", "URLSAFE_BASE64_ALPHABET",
]
