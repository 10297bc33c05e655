r"""``json``, the standard library's JSON module, on a Rust engine.

Every function, argument, result and exception is the one of CPython's
``json`` module (3.14): replace ``import json`` by
``from ferrocodec import json`` and nothing else changes. Exceptions are the
stdlib's classes or subclasses of them (``JSONDecodeError`` subclasses
``json.JSONDecodeError``).
"""

import json as _std_json

from ferrocodec import _ferrocodec as _native_module

from .decoder import JSONDecoder, JSONDecodeError
from .encoder import JSONEncoder

__all__ = [
    'dump', 'dumps', 'load', 'loads',
    'JSONDecoder', 'JSONDecodeError', 'JSONEncoder',
    'dumpb',
    'loads_many', 'dumps_many', 'dumpb_many',
    'loads_lines', 'load_lines', 'dumps_lines', 'dumpb_lines',
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
    # Every call but dumps(obj): ferrocodec._ferrocodec.dumps (the public
    # dumps, bound at the end of this section) takes that one itself and
    # holds the docstring.
    if (not skipkeys and ensure_ascii and
        check_circular and allow_nan and
        cls is None and indent is None and separators is None and
        default is None and not sort_keys and not kw):
        return _default_native.encode(obj)
    return _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                        indent, separators, default, sort_keys, kw).encode(obj)


def dumpb(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True,
        allow_nan=True, cls=None, indent=None, separators=None,
        default=None, sort_keys=False, **kw):
    # Every call but dumpb(obj), as dumps above.
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
    # Every call but loads(s), as dumps above.
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


# The public dumps, dumpb and loads are native: a call with only the object
# (most calls) costs no Python frame; any other call reaches the Python
# function above of the same name.
_native_module._json_entries(_default_native, _default_decoder.scan_once,
                             dumps, dumpb, loads)
dumps = _native_module.dumps
dumpb = _native_module.dumpb
loads = _native_module.loads



# ---------------------------------------------------------------- beyond the stdlib:
# batches and JSON Lines. Each takes the keyword arguments of loads / dumps and
# gives what calling loads / dumps on every item would give (values, or the
# first failing item's exception). On a free-threaded build the items are
# spread over all cores; hooks and `default` may then run in several threads
# at once, in no fixed order.

from .decoder import _RAW_DECODE, _Scanner  # noqa: E402

_DECODE = JSONDecoder.decode


def _decoder_kw(object_hook, parse_float, parse_int, parse_constant, object_pairs_hook, kw):
    kw = dict(kw)
    for name, value in (('object_hook', object_hook), ('parse_float', parse_float),
                        ('parse_int', parse_int), ('parse_constant', parse_constant),
                        ('object_pairs_hook', object_pairs_hook)):
        if value is not None:
            kw[name] = value
    return kw


def _native_scanner(cls, kw):
    """The native scanner ``loads(s, cls=cls, **kw)`` decodes with, or None
    when ``cls`` overrides decoding (then every text goes through ``loads``)."""
    if cls is None and not kw:
        return _default_decoder.scan_once
    decoder = (JSONDecoder if cls is None else cls)(**kw)
    if (type(decoder).decode is _DECODE and type(decoder).raw_decode is _RAW_DECODE
            and type(decoder.scan_once) is _Scanner):
        return decoder.scan_once
    return None


def _shift_lines(e, lines_before):
    """``e`` (a JSONDecodeError) with ``lines_before`` more lines before it."""
    err = JSONDecodeError(e.msg, e.doc, e.pos)
    if lines_before:
        err.lineno += lines_before
        err.args = ('%s: line %d column %d (char %d)'
                    % (err.msg, err.lineno, err.colno, err.pos),)
    return err


def loads_many(texts, *, cls=None, object_hook=None, parse_float=None,
               parse_int=None, parse_constant=None, object_pairs_hook=None, **kw):
    """``[loads(t, ...) for t in texts]``: a list of the values, or the
    exception of the first text that fails. Arguments as for ``loads``."""
    kw = _decoder_kw(object_hook, parse_float, parse_int, parse_constant, object_pairs_hook, kw)
    scanner = _native_scanner(cls, kw)
    if scanner is None:
        return [loads(t, cls=cls, **kw) for t in texts]
    return scanner.loads_many(list(texts))


def _lines_one_by_one(s, cls, kw):
    nl, blank = ('\n', ' \t\r') if isinstance(s, str) else (b'\n', b' \t\r')
    out = []
    for i, line in enumerate(s.split(nl)):
        if line.strip(blank):
            try:
                out.append(loads(line, cls=cls, **kw))
            except _std_json.JSONDecodeError as e:
                raise _shift_lines(e, i) from None
    return out


def loads_lines(s, *, cls=None, object_hook=None, parse_float=None,
                parse_int=None, parse_constant=None, object_pairs_hook=None, **kw):
    """Decode JSON Lines: ``s`` (str, or UTF-8 bytes or bytearray) holds one
    JSON document per line; blank lines are skipped. Returns the list of
    values. A malformed line raises JSONDecodeError whose ``lineno`` is that
    line's number in ``s``. Arguments as for ``loads``."""
    kw = _decoder_kw(object_hook, parse_float, parse_int, parse_constant, object_pairs_hook, kw)
    scanner = _native_scanner(cls, kw)
    if scanner is None:
        if isinstance(s, bytearray):
            s = bytes(s)
        return _lines_one_by_one(s, cls, kw)
    return scanner.loads_lines(s)


_LINES_BLOCK = 1 << 20


def load_lines(fp, *, cls=None, object_hook=None, parse_float=None,
               parse_int=None, parse_constant=None, object_pairs_hook=None,
               block_size=_LINES_BLOCK, **kw):
    """Iterate over the values of a JSON Lines file (``fp`` opened in text or
    binary mode), reading it ``block_size`` characters at a time, so memory
    stays bounded whatever the file's size. A malformed line raises
    JSONDecodeError whose ``lineno`` is the line's number in the file (its
    ``doc`` and ``pos`` refer to the block of lines being decoded).
    Arguments as for ``loads``."""
    kw = _decoder_kw(object_hook, parse_float, parse_int, parse_constant, object_pairs_hook, kw)
    scanner = _native_scanner(cls, kw)

    def decode(block):
        if scanner is None:
            return _lines_one_by_one(block, cls, kw)
        return scanner.loads_lines(block)

    lines_before = 0
    pending = []  # the start of a line longer than one block, piece by piece
    while True:
        chunk = fp.read(block_size)
        if not chunk:
            break
        nl = '\n' if isinstance(chunk, str) else b'\n'
        cut = chunk.rfind(nl) + 1
        if not cut:
            pending.append(chunk)
            continue
        block = chunk[:cut]
        if pending:
            block = chunk[:0].join(pending) + block
        pending = [chunk[cut:]] if cut < len(chunk) else []
        try:
            values = decode(block)
        except _std_json.JSONDecodeError as e:
            raise _shift_lines(e, lines_before) from None
        lines_before += block.count(nl)
        yield from values
    if pending:
        block = pending[0][:0].join(pending)
        try:
            values = decode(block)
        except _std_json.JSONDecodeError as e:
            raise _shift_lines(e, lines_before) from None
        yield from values


def _native_encoder(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                    indent, separators, default, sort_keys, kw):
    """(native encoder, None), or (None, JSONEncoder) when ``cls`` overrides
    encoding."""
    if (not skipkeys and ensure_ascii and check_circular and allow_nan and
            cls is None and indent is None and separators is None and
            default is None and not sort_keys and not kw):
        return _default_native, None
    enc = _encoder_for(skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                       indent, separators, default, sort_keys, kw)
    if type(enc).encode is _ENCODE and type(enc).iterencode is _ITERENCODE:
        return enc._native(), None
    return None, enc


def dumps_many(objs, *, skipkeys=False, ensure_ascii=True, check_circular=True,
               allow_nan=True, cls=None, indent=None, separators=None,
               default=None, sort_keys=False, **kw):
    """``[dumps(o, ...) for o in objs]``. Arguments as for ``dumps``."""
    native, enc = _native_encoder(skipkeys, ensure_ascii, check_circular, allow_nan,
                                  cls, indent, separators, default, sort_keys, kw)
    if native is None:
        return [enc.encode(o) for o in objs]
    return native.encode_many(list(objs), False)


def dumpb_many(objs, *, skipkeys=False, ensure_ascii=True, check_circular=True,
               allow_nan=True, cls=None, indent=None, separators=None,
               default=None, sort_keys=False, **kw):
    """``[dumpb(o, ...) for o in objs]``: UTF-8 bytes. Arguments as for ``dumps``."""
    native, enc = _native_encoder(skipkeys, ensure_ascii, check_circular, allow_nan,
                                  cls, indent, separators, default, sort_keys, kw)
    if native is None:
        return [enc.encode(o).encode('utf-8') for o in objs]
    return native.encode_many(list(objs), True)


def _lines(objs, as_bytes, skipkeys, ensure_ascii, check_circular, allow_nan, cls,
           indent, separators, default, sort_keys, kw):
    if indent is not None:
        raise ValueError('JSON Lines needs indent=None: each document is one line')
    native, enc = _native_encoder(skipkeys, ensure_ascii, check_circular, allow_nan,
                                  cls, indent, separators, default, sort_keys, kw)
    if native is None:
        text = ''.join(enc.encode(o) + '\n' for o in objs)
        return text.encode('utf-8') if as_bytes else text
    return native.encode_lines(list(objs), as_bytes)


def dumps_lines(objs, *, skipkeys=False, ensure_ascii=True, check_circular=True,
                allow_nan=True, cls=None, indent=None, separators=None,
                default=None, sort_keys=False, **kw):
    """JSON Lines: ``dumps(o, ...)`` of each object followed by a newline,
    as one str. Arguments as for ``dumps`` (``indent`` must be None)."""
    return _lines(objs, False, skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                  indent, separators, default, sort_keys, kw)


def dumpb_lines(objs, *, skipkeys=False, ensure_ascii=True, check_circular=True,
                allow_nan=True, cls=None, indent=None, separators=None,
                default=None, sort_keys=False, **kw):
    """``dumps_lines(objs, ...)`` as UTF-8 bytes, written directly."""
    return _lines(objs, True, skipkeys, ensure_ascii, check_circular, allow_nan, cls,
                  indent, separators, default, sort_keys, kw)
