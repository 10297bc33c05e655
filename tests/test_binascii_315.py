"""CPython 3.15's binascii additions in ferrocodec.binascii, and the base64
keywords built on them (padded, canonical, alphabets).

The running stdlib (3.11-3.14) has none of them, so the oracles are the
stdlib's codecs with the 3.15 rule applied (an alphabet is a translation of
the standard one, no padding is the padded text without its '=', canonical
input is what the encoder writes), tests/b32_reference.py, and the messages
of 3.15's binascii (docs/compatibility.md says where each comes from).
"""

import array
import base64 as std
import binascii
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ferrocodec import base64 as fb
from ferrocodec import binascii as fa
from test_base64 import outcome

STD64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_constants():
    assert fa.BASE64_ALPHABET == STD64
    assert fa.URLSAFE_BASE64_ALPHABET == STD64[:-2] + b"-_"
    assert fa.BASE32_ALPHABET == b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    assert fa.BASE32HEX_ALPHABET == b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
    assert fa.ASCII85_ALPHABET == bytes(range(33, 118))
    assert fa.UU_ALPHABET == bytes(range(32, 96))
    assert fa.CRYPT_ALPHABET == b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    for name, size in [("BASE64_ALPHABET", 64), ("URLSAFE_BASE64_ALPHABET", 64), ("CRYPT_ALPHABET", 64),
                       ("UU_ALPHABET", 64), ("BINHEX_ALPHABET", 64), ("BASE32_ALPHABET", 32),
                       ("BASE32HEX_ALPHABET", 32), ("ASCII85_ALPHABET", 85), ("BASE85_ALPHABET", 85),
                       ("Z85_ALPHABET", 85)]:
        value = getattr(fa, name)
        assert type(value) is bytes and len(value) == len(set(value)) == size, name
    assert fa.Error is binascii.Error and fa.crc32 is binascii.crc32


alphabets64 = st.sampled_from([STD64, STD64[:-2] + b"-_", fa.CRYPT_ALPHABET, fa.UU_ALPHABET,
                               fa.BINHEX_ALPHABET])


def unpadded_len(n):
    return n // 3 * 4 + (0, 2, 3)[n % 3]


@given(data=st.binary(max_size=200), alphabet=alphabets64, padded=st.booleans(),
       wrapcol=st.sampled_from([0, 1, 4, 7, 76]), newline=st.booleans())
def test_b2a_base64_alphabet_and_padded(data, alphabet, padded, wrapcol, newline):
    text = std.b64encode(data).translate(bytes.maketrans(STD64, alphabet))
    if not padded:
        text = text[:unpadded_len(len(data))]
    width = max(4, wrapcol) // 4 * 4 if wrapcol else 0
    if width:
        text = b"\n".join(text[i:i + width] for i in range(0, len(text), width))
    expected = text + b"\n" * newline
    got = fa.b2a_base64(data, padded=padded, wrapcol=wrapcol, newline=newline, alphabet=alphabet)
    assert got == expected
    if b"=" in alphabet:
        return  # '=' is always the pad character when decoding (UU_ALPHABET)
    body = got.replace(b"\n", b"")
    for strict in (False, True):
        assert fa.a2b_base64(body, strict_mode=strict, padded=padded, alphabet=alphabet) == data
    assert fa.a2b_base64(got, padded=padded, alphabet=alphabet, ignorechars=b"\n") == data


@given(data=st.binary(min_size=1, max_size=40), bump=st.integers(1, 63), strict=st.booleans())
def test_canonical_is_what_the_encoder_writes(data, bump, strict):
    text = std.b64encode(data)
    body = text.rstrip(b"=")
    last = STD64[(STD64.index(body[-1]) + bump) % 64]
    tweaked = body[:-1] + bytes([last]) + text[len(body):]
    decoded = fa.a2b_base64(tweaked, strict_mode=strict)
    canonical = outcome(fa.a2b_base64, tweaked, strict_mode=strict, canonical=True)
    if std.b64encode(decoded) == tweaked:
        assert canonical == ("ok", decoded)
    else:
        assert canonical == ("raise", binascii.Error, "Non-zero padding bits")


@given(data=st.binary(min_size=1, max_size=40), bump=st.integers(1, 84), pad=st.booleans())
def test_base85_canonical(data, bump, pad):
    text = fa.b2a_base85(data, pad=pad)
    assert fa.a2b_base85(text, canonical=True)[:len(data)] == data
    last = fa.BASE85_ALPHABET[(fa.BASE85_ALPHABET.index(text[-1]) + bump) % 85]
    tweaked = text[:-1] + bytes([last])
    plain = outcome(fa.a2b_base85, tweaked)
    canonical = outcome(fa.a2b_base85, tweaked, canonical=True)
    if plain[0] == "ok" and fa.b2a_base85(plain[1], pad=len(tweaked) % 5 == 0) != tweaked:
        assert canonical == ("raise", binascii.Error, "Non-zero padding bits")
    else:
        assert canonical == plain


def test_messages_of_315():
    # Each row: 3.15's answer (from its binascii source, a port of it, and a
    # public regression test of 3.15's base-N codecs).
    E = binascii.Error
    cases = [
        (fa.a2b_base64, b"YQ==YQ==", {}, ("ok", b"a\x06\x10")),
        (fa.a2b_base64, b"YQ==YQ==", {"strict_mode": True}, ("raise", E, "Excess data after padding")),
        (fa.a2b_base64, b"YQ==@", {}, ("ok", b"a")),
        (fa.a2b_base64, b"YQ==@", {"ignorechars": b""}, ("raise", E, "Only base64 data is allowed")),
        (fa.a2b_base64, b"YQ==@", {"ignorechars": b"@"}, ("ok", b"a")),
        (fa.a2b_base64, b"YQ==@", {"ignorechars": b"", "strict_mode": None}, ("ok", b"a")),
        (fa.a2b_base64, b"Y=Q", {"padded": False, "ignorechars": b"="}, ("ok", b"a")),
        (fa.a2b_base64, b"YQ==", {"padded": False, "strict_mode": True}, ("raise", E, "Padding not allowed")),
        (fa.a2b_base64, b"YR==", {"canonical": True}, ("raise", E, "Non-zero padding bits")),
        (fa.a2b_base64, b"YQ", {"padded": False}, ("ok", b"a")),
        (fa.b2a_base64, b"a", {"padded": False}, ("ok", b"YQ\n")),
        (fa.b2a_base64, b"a", {"padded": [], "newline": []}, ("ok", b"YQ")),
        (fa.b2a_base32, b"a", {}, ("ok", b"ME======")),
        (fa.b2a_base32, b"a", {"padded": False}, ("ok", b"ME")),
        (fa.b2a_base32, b"abcdefghij", {"wrapcol": 11}, ("ok", b"MFRGGZDF\nMZTWQ2LK")),
        (fa.a2b_base32, b"ME", {"padded": False}, ("ok", b"a")),
        (fa.a2b_base32, b"M E=\n=====", {"ignorechars": b" \n"}, ("ok", b"a")),
        (fa.a2b_base32, b"MF======", {"canonical": True}, ("raise", E, "Non-zero padding bits")),
        (fa.a2b_base32, b"=", {}, ("raise", E, "Leading padding not allowed")),
        (fa.b2a_base85, b"abcd", {}, ("ok", b"VPa!s")),
        (fa.b2a_ascii85, b"abcd", {}, ("ok", b"@:E_W")),
        (fa.b2a_ascii85, b"\0" * 4 + b" " * 4, {"foldspaces": True}, ("ok", b"zy")),
        (fa.b2a_ascii85, b"\0" * 4, {"adobe": True, "wrapcol": 1}, ("ok", b"<~\nz\n~>")),
        (fa.a2b_ascii85, b"<~zy~>", {"adobe": True, "foldspaces": True}, ("ok", b"\0" * 4 + b" " * 4)),
        (fa.a2b_ascii85, b"!!!!!", {}, ("ok", b"\0" * 4)),
        (fa.a2b_ascii85, b"!!!!!", {"canonical": True},
         ("raise", E, "Non-canonical encoding, use 'z' for all-zero groups")),
        (fa.a2b_base85, b"0", {}, ("raise", E, "Incomplete Base85 group")),
        (fa.a2b_ascii85, b"!", {}, ("raise", E, "Incomplete Ascii85 group")),
        (fa.a2b_ascii85, b"uuuuu", {}, ("raise", E, "Ascii85 overflow")),
        (fa.a2b_base85, b"VG", {"canonical": True}, ("raise", E, "Non-zero padding bits")),
        (fa.a2b_base85, b"|NsC0~", {}, ("raise", E, "Base85 overflow in hunk starting at byte 5")),
        (fa.a2b_base85, b"ab\"cd", {"alphabet": fa.Z85_ALPHABET}, ("raise", E, "bad Base85 character at position 2")),
        # a2b_hex/unhexlify gained ignorechars; hex digits stay digits even
        # when listed, and a bad character is reported before an odd count.
        (fa.a2b_hex, b"4 1\n42", {"ignorechars": b" \n"}, ("ok", b"AB")),
        (fa.unhexlify, "4142", {"ignorechars": b"4"}, ("ok", b"AB")),
        (fa.a2b_hex, b"6162", {"ignorechars": b"6"}, ("ok", b"ab")),
        (fa.a2b_hex, b"\x8061", {"ignorechars": b"\x80"}, ("ok", b"a")),
        (fa.unhexlify, b"--61-62--", {"ignorechars": b"-"}, ("ok", b"ab")),
        (fa.a2b_hex, b" ", {"ignorechars": b" "}, ("ok", b"")),
        (fa.a2b_hex, b"4 \n", {"ignorechars": b" \n"}, ("raise", E, "Odd number of hexadecimal digits")),
        (fa.unhexlify, b"616", {}, ("raise", E, "Odd number of hexadecimal digits")),
        (fa.unhexlify, b"61 6", {"ignorechars": b" "}, ("raise", E, "Odd number of hexadecimal digits")),
        (fa.a2b_hex, b"61 62", {}, ("raise", E, "Non-hexadecimal digit found")),
        (fa.a2b_hex, b"61 62", {"ignorechars": b"\n"}, ("raise", E, "Non-hexadecimal digit found")),
        (fa.a2b_hex, b"4@", {}, ("raise", E, "Non-hexadecimal digit found")),
        (fb.b16decode, b"4 1", {"ignorechars": b" "}, ("ok", b"A")),
    ]
    for func, data, kw, expected in cases:
        assert outcome(func, data, **kw) == expected, (func.__name__, data, kw)


def test_alphabets_and_buffer_types():
    groups = [(fa.b2a_base64, fa.a2b_base64, fa.CRYPT_ALPHABET, 64),
              (fa.b2a_base32, fa.a2b_base32, fa.BASE32HEX_ALPHABET, 32),
              (fa.b2a_base85, fa.a2b_base85, fa.Z85_ALPHABET, 85)]
    for encode, decode, alphabet, size in groups:
        expected = encode(b"example", alphabet=alphabet)
        for make in (bytes, bytearray, memoryview, lambda b: array.array("B", b)):
            assert encode(make(b"example"), alphabet=make(alphabet)) == expected
            encoded = expected.rstrip(b"\n")
            assert decode(make(encoded), alphabet=alphabet) == b"example"
            assert decode(make(encoded + b"\n"), alphabet=alphabet, ignorechars=make(b"\n")) == b"example"
        name = decode.__name__
        # Decoders take bytes only (Argument Clinic's PyBytesObject), encoders any buffer.
        for bad, typename in [(None, "None"), (alphabet.decode(), "str"), (bytearray(alphabet), "bytearray")]:
            assert outcome(decode, b"", alphabet=bad) == \
                ("raise", TypeError, f"{name}() argument 'alphabet' must be bytes, not {typename}")
        for bad, typename in [(None, "NoneType"), (alphabet.decode(), "str")]:
            assert outcome(encode, b"", alphabet=bad) == \
                ("raise", TypeError, f"a bytes-like object is required, not '{typename}'")
        for bad in (alphabet[:-1], alphabet + b"@"):
            assert outcome(encode, b"", alphabet=bad) == ("raise", ValueError, f"alphabet must have length {size}")
            assert outcome(decode, b"", alphabet=bad) == ("raise", ValueError, f"alphabet must have length {size}")
        # Encoders accept repeated characters; decoders take the last index.
        assert len(encode(b"abc", alphabet=b"*" * size)) == len(encode(b"abc"))


class Index:
    def __index__(self):
        return 11


class BoolError:
    def __bool__(self):
        raise RuntimeError("truth conversion")


def test_wrapcol_and_flags_convert_as_argument_clinic():
    for encode in (fa.b2a_base64, fa.b2a_base32, fa.b2a_base85, fa.b2a_ascii85):
        assert encode(b"abcdefghij", wrapcol=Index()) == encode(b"abcdefghij", wrapcol=11)
        assert encode(b"abc", wrapcol=2 * sys.maxsize + 1) == encode(b"abc")
        assert outcome(encode, b"", wrapcol=-1) == ("raise", ValueError, "Cannot convert negative int")
        assert outcome(encode, b"", wrapcol=2 * sys.maxsize + 2) == \
            ("raise", OverflowError, "Python int too large for C size_t")
        for bad in (None, 1.0, "1"):
            assert outcome(encode, b"", wrapcol=bad)[1] is TypeError
    for func, option in [(fa.b2a_base64, "padded"), (fa.b2a_base64, "newline"), (fa.a2b_base64, "strict_mode"),
                         (fa.a2b_base64, "canonical"), (fa.a2b_base32, "canonical"), (fa.a2b_base32, "padded"),
                         (fa.b2a_ascii85, "adobe"), (fa.a2b_ascii85, "foldspaces"), (fa.b2a_base85, "pad"),
                         (fa.a2b_base85, "canonical")]:
        with pytest.raises(RuntimeError, match="truth conversion"):
            func(b"", **{option: BoolError()})
    # ignorechars is a buffer: an explicit None is the buffer protocol's TypeError.
    for decode in (fa.a2b_base64, fa.a2b_base32, fa.a2b_base85, fa.a2b_ascii85):
        assert outcome(decode, b"", ignorechars=None) == \
            ("raise", TypeError, "a bytes-like object is required, not 'NoneType'")


@given(data=st.binary(max_size=100))
def test_base64_module_padded_and_canonical(data):
    text = std.b64encode(data)
    url = std.urlsafe_b64encode(data)
    assert fb.b64encode(data, padded=False) == text.rstrip(b"=")
    assert fb.b64encode(data, b"-_", padded=False) == url.rstrip(b"=")
    assert fb.urlsafe_b64encode(data, padded=False) == url.rstrip(b"=")
    assert fb.urlsafe_b64encode(data, padded=True) == url
    assert fb.b64decode(text.rstrip(b"="), padded=False) == data
    assert fb.b64decode(text, canonical=True, validate=True) == data
    assert fb.urlsafe_b64decode(url.rstrip(b"="), padded=False) == data
    assert fb.b64decode(url.rstrip(b"="), b"-_", padded=False) == data
    for func in (fb.b32decode, fb.b32hexdecode, fb.b85decode, fb.z85decode, fb.a85decode):
        encode = getattr(fb, func.__name__.replace("decode", "encode"))
        assert func(encode(data), canonical=True) == data
    assert fb.b32decode(fb.b32encode(data, padded=False), padded=False) == data


def test_base64_module_canonical_errors():
    assert outcome(fb.b64decode, b"YR==", canonical=True) == ("raise", binascii.Error, "Non-zero padding bits")
    assert outcome(fb.urlsafe_b64decode, b"YR==", canonical=True) == \
        ("raise", binascii.Error, "Non-zero padding bits")
    assert outcome(fb.b64decode, b"YQ", padded=False, validate=True) == ("ok", b"a")
    assert outcome(fb.b64decode, b"YQ", validate=True) == ("raise", binascii.Error, "Incorrect padding")
    assert outcome(fb.a85decode, b"!!!!!", canonical=True)[2] == \
        "Non-canonical encoding, use 'z' for all-zero groups"
    assert fb.b64decode(b"YQ==") == std.b64decode(b"YQ==") == b"a"  # no keywords: the fast path


def ref_unhexlify(s, ignorechars=b""):
    """3.15's a2b_hex as its regression tests describe it: one pass in which
    hex digits (either case) are digits even when in ignorechars, other
    ignorechars are skipped and anything else is an error; then the count."""
    if isinstance(s, str):
        s = s.encode("ascii")
    digits = bytearray()
    for b in bytes(s):
        if b in b"0123456789abcdefABCDEF":
            digits.append(b)
        elif b not in ignorechars:
            raise binascii.Error("Non-hexadecimal digit found")
    if len(digits) % 2:
        raise binascii.Error("Odd number of hexadecimal digits")
    return binascii.unhexlify(bytes(digits))


hexish = st.lists(st.sampled_from(list(b"0129aAfF \n-gG\x80")), max_size=40).map(bytes)


@given(s=hexish, ignore=st.sampled_from([None, b"", b" \n", b"-a", b"g\x80", b"0"]),
       as_str=st.booleans())
def test_unhexlify_matches_315_and_stdlib(s, ignore, as_str):
    data = s.decode("latin-1") if as_str and s.isascii() else s
    kw = {} if ignore is None else {"ignorechars": ignore}
    for func in (fa.a2b_hex, fa.unhexlify):
        got = outcome(func, data, **kw)
        assert got == outcome(ref_unhexlify, data, ignore or b"")
        if not ignore:
            std = outcome(getattr(binascii, func.__name__), data)
            # The same bytes, or binascii.Error from both (3.11-3.14 say
            # "Odd-length string" for any odd length, before bad characters).
            assert got[:2] == std[:2]
            if std[0] == "raise" and std[2] == "Non-hexadecimal digit found":
                assert got == std


def test_unhexlify_arguments():
    for func in (fa.a2b_hex, fa.unhexlify):
        assert func(bytearray(b"aB"), ignorechars=memoryview(b" ")) == b"\xab"
        assert func(array.array("B", b"ab")) == b"\xab"
        assert outcome(func, b"", ignorechars=None) == (
            "raise", TypeError, "a bytes-like object is required, not 'NoneType'")
        assert outcome(func, b"", ignorechars=" ") == (
            "raise", TypeError, "a bytes-like object is required, not 'str'")
        assert outcome(func, "\xe9") == outcome(binascii.a2b_hex, "\xe9")
        assert outcome(func, 5) == outcome(binascii.a2b_hex, 5)
        assert outcome(func, memoryview(b"abcd")[::2]) == outcome(binascii.a2b_hex, memoryview(b"abcd")[::2])
