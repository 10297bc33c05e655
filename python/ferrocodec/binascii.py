"""ferrocodec.binascii: CPython 3.15's binascii codecs in Rust, on every Python >= 3.11.

``a2b_base64`` / ``b2a_base64`` (with 3.15's ``padded``, ``alphabet``,
``ignorechars``, ``canonical`` and ``wrapcol``), ``a2b_base32`` /
``b2a_base32``, ``a2b_base85`` / ``b2a_base85``, ``a2b_ascii85`` /
``b2a_ascii85``, ``a2b_hex`` / ``unhexlify`` (with ``ignorechars``) and the
alphabet constants are ferrocodec's, with 3.15's
results and messages (see docs/compatibility.md). ``Error`` and
``Incomplete`` are the standard library's own classes, so ``except
binascii.Error`` catches ferrocodec's errors. The other functions
(``hexlify``, ``crc32``, ...) are the running interpreter's.
"""

from binascii import *  # noqa: F403  (crc32, hexlify, ... as the stdlib has them)
from binascii import Error, Incomplete

from ferrocodec._ferrocodec import (
    a2b_ascii85, a2b_base32, a2b_base64, a2b_base85, a2b_hex,
    b2a_ascii85, b2a_base32, b2a_base64, b2a_base85, unhexlify,
)

BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
URLSAFE_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CRYPT_ALPHABET = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UU_ALPHABET = bytes(range(32, 96))
BINHEX_ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
BASE32_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BASE32HEX_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
ASCII85_ALPHABET = bytes(range(33, 118))
BASE85_ALPHABET = (b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   b"abcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~")
Z85_ALPHABET = (b"0123456789abcdefghijklmnopqrstuvwxyz"
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

__all__ = [
    "Error", "Incomplete",
    "a2b_base64", "b2a_base64", "a2b_base32", "b2a_base32",
    "a2b_base85", "b2a_base85", "a2b_ascii85", "b2a_ascii85", "a2b_hex", "unhexlify",
    "BASE64_ALPHABET", "URLSAFE_BASE64_ALPHABET", "CRYPT_ALPHABET", "UU_ALPHABET",
    "BINHEX_ALPHABET", "BASE32_ALPHABET", "BASE32HEX_ALPHABET",
    "ASCII85_ALPHABET", "BASE85_ALPHABET", "Z85_ALPHABET",
]
