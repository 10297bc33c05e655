r"""``json``, the standard library's JSON module, on a Rust engine.

Every function, argument, result and exception is the one of CPython's
``json`` module (3.14): replace ``import json`` by
``from ferrocodec import json`` and nothing else changes. Exceptions are the
stdlib's classes or subclasses of them (``JSONDecodeError`` subclasses
``json.JSONDecodeError``).
"""

import json as _std_json

from .decoder import JSONDecoder, JSONDecodeError
from .encoder import JSONEncoder

__all__ = [
    'dump', 'dumps', 'load', 'loads',
    'JSONDecoder', 'JSONDecodeError', 'JSONEncoder',
    'dumpb',
]

detect_encoding = _std_json.detect_encoding

_default_encoder = JSONEncoder(
    skipkeys=False,
    ensure_ascii=True,
    check_circular=True,
    allow_nan=True,
    indent=None,
    separators=None,
    default=None,
)
_default_native = _default_encoder._native()
_ENCODE = JSONEncoder.encode
_ITERENCODE = JSONEncoder.iterencode


def _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                 indent, separators, default, sort_keys, kw):
    if cls is None:
        cls = JSONEncoder
    return cls(
        skipkeys=skipkeys, ensure_ascii=ensure_ascii,
        check_circular=check_circular, allow_nan=allow_nan, indent=indent,
        separators=separators, default=default, sort_keys=sort_keys,
        **kw)


def dump(obj, fp, *, skipkeys=False, ensure_ascii=True, check_circular=True,
        allow_nan=True, cls=None, indent=None, separators=None,
        default=None, sort_keys=False, **kw):
    """Serialize ``obj`` as a JSON formatted stream to ``fp`` (a
    ``.write()``-supporting file-like object), as ``json.dump``.

    Arguments as for ``dumps``. The text is what ``dumps`` returns; it is
    written with one ``fp.write`` call unless ``cls`` overrides ``iterencode``.
    """
    enc = _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                       indent, separators, default, sort_keys, kw)
    if type(enc).iterencode is _ITERENCODE:
        fp.write(enc._native().encode(obj))
        return
    for chunk in enc.iterencode(obj):
        fp.write(chunk)


def dumps(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True,
        allow_nan=True, cls=None, indent=None, separators=None,
        default=None, sort_keys=False, **kw):
    """Serialize ``obj`` to a JSON formatted ``str``, as ``json.dumps``:
    the same text for the same arguments.

    ``skipkeys``: skip dict keys that are not str, int, float, bool or None
    (else TypeError). ``ensure_ascii``: escape every non-ASCII character.
    ``check_circular``: detect reference cycles (ValueError). ``allow_nan``:
    write NaN/Infinity/-Infinity (else ValueError). ``indent``: an int or
    str to pretty-print with. ``separators``: ``(item_separator,
    key_separator)``. ``default``: called for objects that cannot be
    serialized otherwise. ``sort_keys``: sort dicts by key. ``cls``: a
    ``JSONEncoder`` subclass to use.
    """
    if (not skipkeys and ensure_ascii and
        check_circular and allow_nan and
        cls is None and indent is None and separators is None and
        default is None and not sort_keys and not kw):
        if type(obj) is str:
            return _default_encoder.encode(obj)
        return _default_native.encode(obj)
    return _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                        indent, separators, default, sort_keys, kw).encode(obj)


def dumpb(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True,
        allow_nan=True, cls=None, indent=None, separators=None,
        default=None, sort_keys=False, **kw):
    """``dumps(obj, ...)`` as UTF-8 ``bytes``, written directly (no str in
    between). Not in the stdlib. A ``cls`` that overrides ``encode`` or
    ``iterencode`` is honoured (its text, encoded). Lone surrogates in the
    output raise the UnicodeEncodeError that ``str.encode`` raises.
    """
    if (not skipkeys and ensure_ascii and
        check_circular and allow_nan and
        cls is None and indent is None and separators is None and
        default is None and not sort_keys and not kw):
        return _default_native.encode_bytes(obj)
    enc = _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                       indent, separators, default, sort_keys, kw)
    if type(enc).encode is _ENCODE and type(enc).iterencode is _ITERENCODE and not isinstance(obj, str):
        return enc._native().encode_bytes(obj)
    return enc.encode(obj).encode('utf-8')


_default_decoder = JSONDecoder(object_hook=None, object_pairs_hook=None)
_default_loads = _default_decoder.scan_once.loads


def load(fp, *, cls=None, object_hook=None, parse_float=None,
        parse_int=None, parse_constant=None, object_pairs_hook=None, **kw):
    """Deserialize ``fp`` (a ``.read()``-supporting file-like object containing
    a JSON document) to a Python object. Arguments as for ``loads``.
    """
    return loads(fp.read(),
        cls=cls, object_hook=object_hook,
        parse_float=parse_float, parse_int=parse_int,
        parse_constant=parse_constant, object_pairs_hook=object_pairs_hook, **kw)


def loads(s, *, cls=None, object_hook=None, parse_float=None,
        parse_int=None, parse_constant=None, object_pairs_hook=None, **kw):
    """Deserialize ``s`` (a ``str``, ``bytes`` or ``bytearray`` instance
    containing a JSON document) to a Python object, as ``json.loads``.

    ``object_hook``, ``object_pairs_hook``, ``parse_float``, ``parse_int``
    and ``parse_constant`` are the decoder's hooks; ``cls`` a
    ``JSONDecoder`` subclass to use instead. Bytes are decoded as
    ``json.detect_encoding`` says (UTF-8, -16 or -32).
    """
    if (cls is None and object_hook is None and
            parse_int is None and parse_float is None and
            parse_constant is None and object_pairs_hook is None and not kw):
        return _default_loads(s)
    if object_hook is not None:
        kw['object_hook'] = object_hook
    if object_pairs_hook is not None:
        kw['object_pairs_hook'] = object_pairs_hook
    if parse_float is not None:
        kw['parse_float'] = parse_float
    if parse_int is not None:
        kw['parse_int'] = parse_int
    if parse_constant is not None:
        kw['parse_constant'] = parse_constant
    if isinstance(s, str):
        if s.startswith('\ufeff'):
            raise JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)",
                                  s, 0)
    else:
        if not isinstance(s, (bytes, bytearray)):
            raise TypeError(f'the JSON object must be str, bytes or bytearray, '
                            f'not {s.__class__.__name__}')
        s = s.decode(detect_encoding(s), 'surrogatepass')
    if cls is None:
        cls = JSONDecoder
    return cls(**kw).decode(s)
