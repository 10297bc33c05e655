r"""``json``, the standard library's JSON module, on a Rust engine.

Every function, argument, result and exception is the one of CPython's
``json`` module (3.14): replace ``import json`` by
``from ferrocodec import json`` and nothing else changes. Exceptions are the
stdlib's classes or subclasses of them (``JSONDecodeError`` subclasses
``json.JSONDecodeError``).
"""

import json as _std_json

from .decoder import JSONDecoder, JSONDecodeError

__all__ = [
    'dump', 'dumps', 'load', 'loads',
    'JSONDecoder', 'JSONDecodeError', 'JSONEncoder',
]

detect_encoding = _std_json.detect_encoding

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
