"""ferrocodec.base64: CPython's base64 module, byte-identical, in Rust.

``from ferrocodec import base64`` instead of ``import base64``: the same
functions, arguments, results, exceptions and warnings as CPython 3.15's
module, on every Python >= 3.11. Differences are listed in
docs/compatibility.md.
"""

from operator import index as _index

from ferrocodec import _ferrocodec as _native
from ferrocodec import binascii as _binascii

__all__ = [
    # Legacy interface exports traditional RFC 2045 Base64 encodings
    'encode', 'decode', 'encodebytes', 'decodebytes',
    # Generalized interface for other encodings
    'b64encode', 'b64decode', 'b32encode', 'b32decode',
    'b32hexencode', 'b32hexdecode', 'b16encode', 'b16decode',
    # Base85 and Ascii85 encodings
    'b85encode', 'b85decode', 'a85encode', 'a85decode', 'z85encode', 'z85decode',
    # Standard Base64 encoding
    'standard_b64encode', 'standard_b64decode',
    # Some common Base64 alternatives.
    'urlsafe_b64encode', 'urlsafe_b64decode',
]

bytes_types = (bytes, bytearray)  # Types acceptable as binary data

_INT_MAX = 2 ** 31 - 1



def _bytes_from_decode_data(s):
    if isinstance(s, str):
        try:
            return s.encode('ascii')
        except UnicodeEncodeError:
            raise ValueError('string argument should contain only ASCII characters')
    if isinstance(s, bytes_types):
        return s
    try:
        return memoryview(s).tobytes()
    except TypeError:
        raise TypeError("argument should be a bytes-like object or ASCII "
                        "string, not %r" % s.__class__.__name__) from None


# str, bytes and bytearray go to the native decoder as they are (it checks
# ASCII itself); other objects are first converted as the stdlib converts them
# (which also copies non-contiguous buffers). Checked inline: a helper call
# would cost more than the whole decode of a short input.
_DIRECT = frozenset((str, bytes, bytearray))
_b64encode = _native._b64encode
_b64decode = _native._b64decode


# Base64 encoding/decoding

def _b64encode_general(s, altchars, padded, wrapcol):
    # b64encode (native, in ferrocodec._ferrocodec) for every call with
    # altchars or padded: 3.15's code.
    if altchars is not None:
        if len(altchars) != 2:
            raise ValueError(f'invalid altchars: {altchars!r}')
        # Built as 3.15 builds it, so a str altchars raises the same TypeError;
        # its last two bytes are altchars as bytes, whatever buffer type was given.
        alphabet = _binascii.BASE64_ALPHABET[:-2] + altchars
        if padded is not True:
            return _native.b2a_base64(s, padded=padded, wrapcol=wrapcol,
                                      newline=False, alphabet=alphabet)
        return _b64encode(s, alphabet[-2:], wrapcol)
    return _native.b2a_base64(s, padded=padded, wrapcol=wrapcol, newline=False)


b64encode = _native.b64encode


_NOT_SPECIFIED = ['NOT SPECIFIED']


def _b64decode_general(s, altchars, validate, padded, ignorechars, canonical):
    # b64decode (native, in ferrocodec._ferrocodec) for every call other than
    # bytes/bytearray/str data without altchars, padded, ignorechars and
    # canonical: 3.15's code.
    if validate is _NOT_SPECIFIED:
        validate = ignorechars is not _NOT_SPECIFIED
    else:
        validate = bool(validate)
    padded = bool(padded)
    canonical = bool(canonical)
    s = _bytes_from_decode_data(s)
    if ignorechars is _NOT_SPECIFIED:
        ignorechars = None
    if altchars is None:
        return _b64decode(s, None, validate, False, ignorechars, padded, canonical)
    altchars = _bytes_from_decode_data(altchars)
    if len(altchars) != 2:
        raise ValueError(f'invalid altchars: {altchars!r}')
    if ignorechars is not None:
        # 3.15 decodes with the altchars as the alphabet's last two
        # characters: '+' and '/' are then not data (and get no warning).
        return _b64decode(s, altchars, validate, False, ignorechars, padded, canonical)
    badchar = None
    for b in b'+/':
        if b not in altchars and b in s:
            badchar = b
            break
    result = _b64decode(s, altchars, validate, False, None, padded, canonical)
    if badchar is not None:
        import warnings
        if validate:
            warnings.warn(f'invalid character {chr(badchar)!a} in Base64 data '
                          f'with altchars={altchars!r} and validate=True '
                          f'will be an error in future Python versions',
                          DeprecationWarning, stacklevel=2)
        else:
            warnings.warn(f'invalid character {chr(badchar)!a} in Base64 data '
                          f'with altchars={altchars!r} and validate=False '
                          f'will be discarded in future Python versions',
                          FutureWarning, stacklevel=2)
    return result


b64decode = _native.b64decode


def standard_b64encode(s):
    """Encode bytes-like object s using the standard Base64 alphabet.

    The result is returned as a bytes object.
    """
    return _b64encode(s, None, 0)


def standard_b64decode(s):
    """Decode bytes encoded with the standard Base64 alphabet.

    Argument s is a bytes-like object or ASCII string to decode.  The result
    is returned as a bytes object.  A binascii.Error is raised if the input
    is incorrectly padded.  Characters that are not in the standard alphabet
    are discarded prior to the padding check.
    """
    return b64decode(s)


def urlsafe_b64encode(s, *, padded=True):
    """Encode bytes using the URL- and filesystem-safe Base64 alphabet.

    Argument s is a bytes-like object to encode.  The result is returned as a
    bytes object.  The alphabet uses '-' instead of '+' and '_' instead of
    '/'.  If padded is false, the padding ('=' characters) is omitted.
    """
    if padded is not True:
        return _native.b2a_base64(s, padded=padded, newline=False,
                                  alphabet=_binascii.URLSAFE_BASE64_ALPHABET)
    return _b64encode(s, b'-_', 0)


def urlsafe_b64decode(s, *, padded=True, canonical=False):
    """Decode bytes using the URL- and filesystem-safe Base64 alphabet.

    Argument s is a bytes-like object or ASCII string to decode.  The result
    is returned as a bytes object.  A binascii.Error is raised if the input
    is incorrectly padded.  Characters that are not in the URL-safe base-64
    alphabet, and are not a plus '+' or slash '/', are discarded prior to the
    padding check.

    The alphabet uses '-' instead of '+' and '_' instead of '/'.
    padded and canonical are binascii.a2b_base64's.
    """
    if type(s) not in _DIRECT:
        s = _bytes_from_decode_data(s)
    result = _b64decode(s, None, False, True, None, bool(padded), bool(canonical))
    badchar = None
    for c in '+/':
        if (c if isinstance(s, str) else ord(c)) in s:
            badchar = c
            break
    if badchar is not None:
        import warnings
        warnings.warn(f'invalid character {badchar!a} in URL-safe Base64 data '
                      f'will be discarded in future Python versions',
                      FutureWarning, stacklevel=2)
    return result


# ferrocodec's additions (not in the stdlib, not in __all__): many payloads
# per call, coded across cores with the GIL released, and NumPy output.

def _check_batch(items, name):
    if isinstance(items, (str, bytes, bytearray, memoryview)):
        raise TypeError(f'{name}() takes an iterable of payloads, '
                        f'not a single {type(items).__name__!r}')


def _decode_altchars(altchars):
    altchars = _bytes_from_decode_data(altchars)
    if len(altchars) != 2:
        raise ValueError(f'invalid altchars: {altchars!r}')
    return altchars


def _warn_altchars_badchar(items, altchars, validate):
    # b64decode's 3.15 warning for '+' or '/' that are not altchars, raised
    # once per call for the first item that has one.
    for s in items:
        s = _bytes_from_decode_data(s)
        for b in b'+/':
            if b not in altchars and b in s:
                import warnings
                what, category = (('an error', DeprecationWarning) if validate
                                  else ('discarded', FutureWarning))
                warnings.warn(f'invalid character {chr(b)!a} in Base64 data '
                              f'with altchars={altchars!r} and '
                              f'validate={bool(validate)} will be {what} in '
                              f'future Python versions', category, stacklevel=3)
                return


def b64encode_many(items, altchars=None, *, wrapcol=0):
    """``[b64encode(s, altchars, wrapcol=wrapcol) for s in items]``, in one call.

    The payloads are encoded across cores with the GIL released. An item
    that is not bytes-like raises b64encode's exception, its message starting
    with ``item N:``.
    """
    _check_batch(items, 'b64encode_many')
    if altchars is not None:
        if len(altchars) != 2:
            raise ValueError(f'invalid altchars: {altchars!r}')
        altchars = (_binascii.BASE64_ALPHABET[:-2] + altchars)[-2:]
    return _native._b64encode_many(items, altchars, wrapcol)


def b64decode_many(items, altchars=None, validate=False):
    """``[b64decode(s, altchars, validate) for s in items]``, in one call.

    The payloads are decoded across cores with the GIL released. The first
    bad item raises b64decode's exception (binascii.Error, ValueError,
    TypeError), its message starting with ``item N:``.
    """
    _check_batch(items, 'b64decode_many')
    validate = bool(validate)
    if altchars is not None:
        altchars = _decode_altchars(altchars)
        items = list(items)
        result = _native._b64decode_many(items, altchars, validate,
                                         _bytes_from_decode_data)
        _warn_altchars_badchar(items, altchars, validate)
        return result
    return _native._b64decode_many(items, None, validate, _bytes_from_decode_data)


def b64decode_array(items, dtype='uint8', *, altchars=None, validate=False):
    """Decode Base64 payloads straight into one NumPy array.

    ``items`` is an iterable of payloads that all decode to the same number
    of bytes, a multiple of ``dtype``'s itemsize: the result has shape
    ``(len(items), nbytes // itemsize)``, the same values as
    ``np.stack([np.frombuffer(b64decode(s), dtype) for s in items])``. A
    single str or bytes-like payload gives a 1-D array. This is the
    embeddings case: float32 vectors sent as Base64 text.

    Decoding runs across cores with the GIL released, into the array's own
    memory. A bad item raises b64decode's exception with ``item N:`` in front
    of its message; sizes that differ from item 0's, or that are not a
    multiple of the itemsize, raise ValueError.
    """
    import numpy as np
    validate = bool(validate)
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        raise TypeError(f'b64decode_array() cannot decode into dtype {dtype}, '
                        f'which holds Python objects')
    single = isinstance(items, (str, bytes, bytearray, memoryview))
    if single:
        items = (items,)
    if altchars is not None:
        altchars = _decode_altchars(altchars)
        items = list(items)
    itemsize = dtype.itemsize

    def alloc(rows, row_bytes):
        return np.empty((rows, row_bytes // itemsize if itemsize else 0), dtype)

    result = _native._b64decode_rows(items, altchars, validate,
                                     _bytes_from_decode_data, itemsize, alloc)
    if altchars is not None:
        _warn_altchars_badchar(items, altchars, validate)
    return result[0] if single else result


# Base32, Base16, Ascii85, Base85 and Z85: CPython 3.15 moved these into
# binascii (C); here they call ferrocodec's binascii functions as 3.15 calls
# its own, with 3.15's signatures and errors.


_B32_ENCODE_DOCSTRING = """
Encode the bytes-like objects using {encoding} and return a bytes object.

If wrapcol is non-zero, insert a newline (b'\\n') character after at most
every wrapcol characters.
"""
_B32_DECODE_DOCSTRING = """
Decode the {encoding} encoded bytes-like object or ASCII string s.

Optional casefold is a flag specifying whether a lowercase alphabet is
acceptable as input.  For security purposes, the default is False.

ignorechars should be a byte string containing characters to ignore
from the input.
{extra_args}
The result is returned as a bytes object.  A binascii.Error is raised if
the input is incorrectly padded or if there are non-alphabet
characters present in the input.
"""
_B32_DECODE_MAP01_DOCSTRING = """
RFC 3548 allows for optional mapping of the digit 0 (zero) to the
letter O (oh), and for optional mapping of the digit 1 (one) to
either the letter I (eye) or letter L (el).  The optional argument
map01 when not None, specifies which letter the digit 1 should be
mapped to (when map01 is not None, the digit 0 is always mapped to
the letter O).  For security purposes the default is None, so that
0 and 1 are not allowed in the input.
"""


def b32encode(s, *, padded=True, wrapcol=0):
    return _native.b2a_base32(s, padded=padded, wrapcol=wrapcol)
b32encode.__doc__ = _B32_ENCODE_DOCSTRING.format(encoding='base32')


def b32decode(s, casefold=False, map01=None, *, padded=True, ignorechars=b'',
              canonical=False):
    s = _bytes_from_decode_data(s)
    # Section 2.4's zero and one mapping: map01 is None, or the letter the
    # digit 1 maps to (L or I); 0 then always maps to O.
    if map01 is not None:
        map01 = _bytes_from_decode_data(map01)
        assert len(map01) == 1, repr(map01)
        s = s.translate(bytes.maketrans(b'01', b'O' + map01))
    if casefold:
        s = s.upper()
    return _native.a2b_base32(s, padded=padded, ignorechars=ignorechars,
                              canonical=canonical)
b32decode.__doc__ = _B32_DECODE_DOCSTRING.format(
    encoding='base32', extra_args=_B32_DECODE_MAP01_DOCSTRING)


def b32hexencode(s, *, padded=True, wrapcol=0):
    return _native.b2a_base32(s, padded=padded, wrapcol=wrapcol,
                              alphabet=_binascii.BASE32HEX_ALPHABET)
b32hexencode.__doc__ = _B32_ENCODE_DOCSTRING.format(encoding='base32hex')


def b32hexdecode(s, casefold=False, *, padded=True, ignorechars=b'',
                 canonical=False):
    s = _bytes_from_decode_data(s)
    # base32hex does not have the 01 mapping
    if casefold:
        s = s.upper()
    return _native.a2b_base32(s, padded=padded, alphabet=_binascii.BASE32HEX_ALPHABET,
                              ignorechars=ignorechars, canonical=canonical)
b32hexdecode.__doc__ = _B32_DECODE_DOCSTRING.format(
    encoding='base32hex', extra_args='')


# RFC 3548, Base 16 Alphabet specifies uppercase, but hexlify() returns
# lowercase.  The RFC also recommends against accepting input case
# insensitively.
def b16encode(s, *, wrapcol=0):
    """Encode the bytes-like object s using Base16 and return a bytes object.

    If wrapcol is non-zero, insert a newline (b'\\n') character after at most
    every wrapcol characters.
    """
    if not wrapcol:
        return _native._b16encode(s, 0)
    if wrapcol < 0:
        raise ValueError('Negative wrapcol')
    if wrapcol < 2:
        wrapcol = 2
    # 3.15 passes -(wrapcol // 2) to hexlify's C int bytes_per_sep.
    per_line = _index(wrapcol // 2)
    if per_line > _INT_MAX:
        raise OverflowError('Python int too large to convert to C int')
    return _native._b16encode(s, 2 * per_line)


def b16decode(s, casefold=False, *, ignorechars=b''):
    """Decode the Base16 encoded bytes-like object or ASCII string s.

    Optional casefold is a flag specifying whether a lowercase alphabet is
    acceptable as input.  For security purposes, the default is False.

    ignorechars should be a byte string containing characters to ignore
    from the input.

    The result is returned as a bytes object.  A binascii.Error is raised if
    s is incorrectly padded or if there are non-alphabet characters present
    in the input.
    """
    if not casefold:
        s = _bytes_from_decode_data(s)
        if not isinstance(ignorechars, bytes):
            ignorechars = bytes(memoryview(ignorechars))
    return _native._b16decode(s, bool(casefold), ignorechars)


def a85encode(b, *, foldspaces=False, wrapcol=0, pad=False, adobe=False):
    """Encode bytes-like object b using Ascii85 and return a bytes object.

    foldspaces is an optional flag that uses the special short sequence 'y'
    instead of 4 consecutive spaces (ASCII 0x20) as supported by 'btoa'. This
    feature is not supported by the "standard" Adobe encoding.

    If wrapcol is non-zero, insert a newline (b'\\n') character after at most
    every wrapcol characters.

    pad controls whether the input is padded to a multiple of 4 before
    encoding. Note that the btoa implementation always pads.

    adobe controls whether the encoded byte sequence is framed with <~ and ~>,
    which is used by the Adobe implementation.
    """
    return _native.b2a_ascii85(b, foldspaces=foldspaces, adobe=adobe,
                               wrapcol=wrapcol, pad=pad)


def a85decode(b, *, foldspaces=False, adobe=False, ignorechars=b' \t\n\r\v',
              canonical=False):
    """Decode the Ascii85 encoded bytes-like object or ASCII string b.

    foldspaces is a flag that specifies whether the 'y' short sequence should be
    accepted as shorthand for 4 consecutive spaces (ASCII 0x20). This feature is
    not supported by the "standard" Adobe encoding.

    adobe controls whether the input sequence is in Adobe Ascii85 format (i.e.
    is framed with <~ and ~>).

    ignorechars should be a byte string containing characters to ignore from the
    input. This should only contain whitespace characters, and by default
    contains all whitespace characters in ASCII.

    The result is returned as a bytes object.
    """
    return _native.a2b_ascii85(b, foldspaces=foldspaces, adobe=adobe,
                               ignorechars=ignorechars, canonical=canonical)


def b85encode(b, pad=False, *, wrapcol=0):
    """Encode bytes-like object b in base85 format and return a bytes object.

    If wrapcol is non-zero, insert a newline (b'\\n') character after at most
    every wrapcol characters.

    If pad is true, the input is padded with b'\\0' so its length is a multiple of
    4 bytes before encoding.
    """
    return _native.b2a_base85(b, wrapcol=wrapcol, pad=pad)


def b85decode(b, *, ignorechars=b'', canonical=False):
    """Decode the base85-encoded bytes-like object or ASCII string b

    The result is returned as a bytes object.
    """
    return _native.a2b_base85(b, ignorechars=ignorechars, canonical=canonical)


def z85encode(s, pad=False, *, wrapcol=0):
    """Encode bytes-like object b in z85 format and return a bytes object.

    If wrapcol is non-zero, insert a newline (b'\\n') character after at most
    every wrapcol characters.

    If pad is true, the input is padded with b'\\0' so its length is a multiple of
    4 bytes before encoding.
    """
    return _native.b2a_base85(s, wrapcol=wrapcol, pad=pad, alphabet=_binascii.Z85_ALPHABET)


def z85decode(s, *, ignorechars=b'', canonical=False):
    """Decode the z85-encoded bytes-like object or ASCII string b

    The result is returned as a bytes object.
    """
    return _native.a2b_base85(s, alphabet=_binascii.Z85_ALPHABET, ignorechars=ignorechars,
                              canonical=canonical)


# Legacy interface.  The files should be opened in binary mode.

MAXLINESIZE = 76  # Excluding the CRLF
MAXBINSIZE = (MAXLINESIZE // 4) * 3


def encode(input, output):
    """Encode a file; input and output are binary files."""
    while s := input.read(MAXBINSIZE):
        while len(s) < MAXBINSIZE and (ns := input.read(MAXBINSIZE - len(s))):
            s += ns
        line = _native.b2a_base64(s)
        output.write(line)


def decode(input, output):
    """Decode a file; input and output are binary files."""
    while line := input.readline():
        s = _native.a2b_base64(line)
        output.write(s)


def _input_type_check(s):
    try:
        m = memoryview(s)
    except TypeError as err:
        msg = "expected bytes-like object, not %s" % s.__class__.__name__
        raise TypeError(msg) from err
    if m.format not in ('c', 'b', 'B'):
        msg = ("expected single byte elements, not %r from %s" %
               (m.format, s.__class__.__name__))
        raise TypeError(msg)
    if m.ndim != 1:
        msg = ("expected 1-D data, not %d-D data from %s" %
               (m.ndim, s.__class__.__name__))
        raise TypeError(msg)


def encodebytes(s):
    """Encode a bytestring into a bytes object containing multiple lines
    of base-64 data."""
    _input_type_check(s)
    result = _native.b2a_base64(s, wrapcol=MAXLINESIZE)
    if result == b'\n':
        return b''
    return result


def decodebytes(s):
    """Decode a bytestring of base-64 data into a bytes object."""
    _input_type_check(s)
    return _native.a2b_base64(s)


# Usable as a script...
def main():
    """Small main program: ``python -m ferrocodec.base64``, as ``python -m base64``."""
    import getopt
    import sys
    usage = f"""usage: {sys.argv[0]} [-h|-d|-e|-u|-t] [file|-]
        -h: print this help message and exit
        -d, -u: decode
        -e: encode (default)
        -t: encode and decode string 'Aladdin:open sesame'"""
    try:
        opts, args = getopt.getopt(sys.argv[1:], 'hdeut')
    except getopt.error as msg:
        sys.stdout = sys.stderr
        print(msg)
        print(usage)
        sys.exit(2)
    func = encode
    for o, a in opts:
        if o == '-e': func = encode
        if o == '-d': func = decode
        if o == '-u': func = decode
        if o == '-t': _test(); return
        if o == '-h': print(usage); return
    if args and args[0] != '-':
        with open(args[0], 'rb') as f:
            func(f, sys.stdout.buffer)
    else:
        if sys.stdin.isatty():
            # gh-138775: read terminal input data all at once to detect EOF
            import io
            data = sys.stdin.buffer.read()
            buffer = io.BytesIO(data)
        else:
            buffer = sys.stdin.buffer
        func(buffer, sys.stdout.buffer)


def _test():
    s0 = b"Aladdin:open sesame"
    print(repr(s0))
    s1 = encodebytes(s0)
    print(repr(s1))
    s2 = decodebytes(s1)
    print(repr(s2))
    assert s0 == s2


if __name__ == '__main__':
    main()
