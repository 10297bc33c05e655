"""Reference for CPython 3.15's binascii.a2b_base32, which base64.b32decode calls.

3.11-3.14 decode Base32 in Python (length a multiple of 8, "Incorrect
padding", "Non-base32 digit found"); 3.15 decodes it in C with its own checks
and messages. The tests compare ferrocodec with this transcription of 3.15's
state machine (a third-party port of the 3.15 source, checked against the
error fragments of a public test of 3.15: "Leading padding", "cannot be 1,
3, or 6", "Non-zero padding bits"), and check that wherever the running
stdlib decodes, the result is the same bytes.
"""

import binascii

BASE32_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BASE32HEX_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"


def a2b_base32(data, padded=True, alphabet=BASE32_ALPHABET, ignorechars=b"", canonical=False):
    table = {c: i for i, c in enumerate(alphabet)}
    table[ord("=")] = 32
    ignore = set(ignorechars)
    out = bytearray()
    octa_pos = leftchar = pads = 0
    for c in data:
        if padded and c == ord("="):
            pads += 1
            if octa_pos in (2, 4, 5, 7) and octa_pos + pads <= 8:
                continue
            if c in ignore:
                continue
            if octa_pos in (1, 3, 6):
                break
            raise binascii.Error("Leading padding not allowed" if octa_pos == 0 and not out
                                 else "Excess padding not allowed")
        v = table.get(c, 255)
        if v >= 32:
            if c not in ignore:
                raise binascii.Error("Padding not allowed" if c == ord("=")
                                     else "Only base32 data is allowed")
            continue
        if pads and ord("=") not in ignore:
            raise binascii.Error("Excess data after padding" if octa_pos + pads == 8
                                 else "Discontinuous padding not allowed")
        if octa_pos == 0:
            leftchar = v
        elif octa_pos == 1:
            out.append((leftchar << 3 | v >> 2) & 0xFF)
            leftchar = v & 0x03
        elif octa_pos in (2, 5):
            leftchar = (leftchar << 5 | v) & 0xFF
        elif octa_pos == 3:
            out.append((leftchar << 1 | v >> 4) & 0xFF)
            leftchar = v & 0x0F
        elif octa_pos == 4:
            out.append((leftchar << 4 | v >> 1) & 0xFF)
            leftchar = v & 0x01
        elif octa_pos == 6:
            out.append((leftchar << 2 | v >> 3) & 0xFF)
            leftchar = v & 0x07
        else:
            out.append((leftchar << 5 | v) & 0xFF)
            leftchar = pads = 0
        octa_pos = (octa_pos + 1) % 8
    if octa_pos in (1, 3, 6):
        raise binascii.Error(
            "Invalid base32-encoded string: number of data characters "
            f"({len(out) // 5 * 8 + octa_pos}) cannot be 1, 3, or 6 more than a multiple of 8")
    if padded and octa_pos and octa_pos + pads < 8:
        raise binascii.Error("Incorrect padding")
    if canonical and leftchar:
        raise binascii.Error("Non-zero padding bits")
    return bytes(out)


def b32decode(s, casefold=False, map01=None, *, padded=True, ignorechars=b"", canonical=False,
              alphabet=BASE32_ALPHABET):
    """3.15's base64.b32decode (b32hexdecode with the hex alphabet and no map01)."""
    import base64
    s = base64._bytes_from_decode_data(s)
    if map01 is not None:
        map01 = base64._bytes_from_decode_data(map01)
        s = s.translate(bytes.maketrans(b"01", b"O" + map01))
    if casefold:
        s = s.upper()
    return a2b_base32(s, padded, alphabet, bytes(ignorechars), canonical)
