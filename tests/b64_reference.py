"""Reference for CPython 3.15's base64 decoding where the running stdlib is older.

CPython 3.14.7 and 3.15 decode non-strict base64 differently from 3.11-3.13
(gh-145264: a pad before the end is ignored and the data after it decoded,
instead of everything after the first padded quad being dropped), and report
some strict-mode errors differently. On such interpreters the tests compare
with this transcription of the 3.14.7/3.15 state machine instead;
test_reference_matches_stdlib checks it against the real stdlib wherever the
running interpreter has the new semantics.
"""

import binascii

STDLIB_HAS_315_SEMANTICS = binascii.a2b_base64(b"ab==cd") == b"i\xb7\x1d"

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}


def _supports_ignorechars() -> bool:
    try:
        binascii.a2b_base64(b"", ignorechars=b"")
    except TypeError:
        return False
    return True


STDLIB_HAS_IGNORECHARS = STDLIB_HAS_315_SEMANTICS and _supports_ignorechars()


def a2b_base64(data: bytes, strict_mode=None, ignorechars=None, alphabet=_ALPHABET) -> bytes:
    """3.15's a2b_base64; ``ignorechars`` and ``alphabet`` as 3.15 defines them.

    ``ignorechars`` (characters strict mode skips; with ``=`` among them also
    misplaced pads and data after pads) is transcribed from the 3.15
    development ``binascii.c`` that added it; strict mode defaults to true
    when it is given. ``alphabet`` is only the one ``b64decode(s, altchars,
    ignorechars=...)`` passes: the standard one with the altchars last.
    """
    if strict_mode is None:
        strict_mode = ignorechars is not None
    ignore = bytes(ignorechars) if strict_mode and ignorechars else b""
    value = _VALUE if alphabet == _ALPHABET else {c: i for i, c in enumerate(alphabet)}
    out = bytearray()
    quad_pos = leftchar = pads = 0
    for i, ch in enumerate(data):
        if ch == ord("="):
            pads += 1
            if quad_pos >= 2 and quad_pos + pads <= 4:
                continue
            if not strict_mode or ord("=") in ignore:
                continue
            if quad_pos == 1:
                break
            raise binascii.Error("Leading padding not allowed" if quad_pos == 0 and i == 0
                                 else "Excess padding not allowed")
        v = value.get(ch)
        if v is None:
            if strict_mode and ch not in ignore:
                raise binascii.Error("Only base64 data is allowed")
            continue
        if pads and strict_mode and ord("=") not in ignore:
            raise binascii.Error("Excess data after padding" if quad_pos + pads == 4
                                 else "Discontinuous padding not allowed")
        pads = 0
        if quad_pos == 0:
            quad_pos, leftchar = 1, v
        elif quad_pos == 1:
            quad_pos = 2
            out.append(((leftchar << 2) | (v >> 4)) & 0xFF)
            leftchar = v & 0x0F
        elif quad_pos == 2:
            quad_pos = 3
            out.append(((leftchar << 4) | (v >> 2)) & 0xFF)
            leftchar = v & 0x03
        else:
            quad_pos = 0
            out.append(((leftchar << 6) | v) & 0xFF)
            leftchar = 0
    if quad_pos == 1:
        raise binascii.Error(
            "Invalid base64-encoded string: number of data characters (%d) cannot be "
            "1 more than a multiple of 4" % (len(out) // 3 * 4 + 1))
    if quad_pos != 0 and quad_pos + pads < 4:
        raise binascii.Error("Incorrect padding")
    return bytes(out)


def versions_agree(data: bytes) -> bool:
    """True where every supported CPython decodes `data` alike: no pad character."""
    return b"=" not in data
