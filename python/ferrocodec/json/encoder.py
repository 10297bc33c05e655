"""Implementation of JSONEncoder (``json.encoder``), on the native encoder."""

import json as _std_json
import json.encoder as _std

from .._ferrocodec import Encoder as _Encoder

__all__ = ['JSONEncoder']

ESCAPE = _std.ESCAPE
ESCAPE_ASCII = _std.ESCAPE_ASCII
HAS_UTF8 = _std.HAS_UTF8
ESCAPE_DCT = _std.ESCAPE_DCT
INFINITY = float('inf')
encode_basestring = _std.encode_basestring
encode_basestring_ascii = _std.encode_basestring_ascii
py_encode_basestring = _std.py_encode_basestring
py_encode_basestring_ascii = _std.py_encode_basestring_ascii


def _stdlib_adds_notes():
    """Whether this Python's json notes where an error happened (3.14+)."""
    try:
        _std_json.dumps([object()])
    except TypeError as e:
        return bool(getattr(e, '__notes__', None))
    return False


_NOTES = _stdlib_adds_notes()


def _numpy_types():
    import numpy
    return numpy.ndarray, numpy.generic


def c_make_encoder(markers, default, encoder, indent, key_separator,
                   item_separator, sort_keys, skipkeys, allow_nan, *,
                   numpy=False):
    """The native counterpart of ``_json.make_encoder``: called as
    ``(obj, indent_level)``, it returns a 1-tuple with the whole text.
    ``encoder`` must be ``encode_basestring_ascii`` or ``encode_basestring``.
    ``numpy``: write NumPy arrays and scalars (ferrocodec's addition).
    """
    # In the order of _json.make_encoder's argument parsing: the separators
    # must be strs (before the flags' truth is asked).
    for position, separator in ((5, key_separator), (6, item_separator)):
        if not isinstance(separator, str):
            raise TypeError(f'make_encoder() argument {position} must be str, '
                            f'not {_tp_name(type(separator))}')
    sort_keys, skipkeys, allow_nan = bool(sort_keys), bool(skipkeys), bool(allow_nan)
    if encoder is encode_basestring_ascii:
        ensure_ascii = True
    elif encoder is encode_basestring:
        ensure_ascii = False
    else:
        raise TypeError('encoder must be encode_basestring_ascii or encode_basestring')
    return _Encoder(markers is not None, default, ensure_ascii, indent,
                    key_separator, item_separator, sort_keys,
                    skipkeys, allow_nan, _NOTES,
                    _numpy_types() if numpy else None)


def _tp_name(tp):
    """A type's ``tp_name``, as C error messages show it."""
    if tp.__module__ == 'builtins' or tp.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE
        return tp.__name__
    return f'{tp.__module__}.{tp.__qualname__}'


def _numpy_default(default):
    """``default`` that first turns NumPy arrays and scalars into what
    ``tolist()`` / ``item()`` give (the chunked ``iterencode`` path)."""
    ndarray, generic = _numpy_types()

    def numpy_default(o):
        if isinstance(o, ndarray):
            return o.tolist()
        if isinstance(o, generic):
            return o.item()
        return default(o)
    return numpy_default


class JSONEncoder(object):
    """Extensible JSON <https://json.org> encoder for Python data structures,
    as ``json.JSONEncoder``.

    Supports the following objects and types by default:

    +-------------------+---------------+
    | Python            | JSON          |
    +===================+===============+
    | dict              | object        |
    +-------------------+---------------+
    | list, tuple       | array         |
    +-------------------+---------------+
    | str               | string        |
    +-------------------+---------------+
    | int, float        | number        |
    +-------------------+---------------+
    | True              | true          |
    +-------------------+---------------+
    | False             | false         |
    +-------------------+---------------+
    | None              | null          |
    +-------------------+---------------+

    To extend this to recognize other objects, subclass and implement a
    ``.default()`` method that returns a serializable object for ``o`` if
    possible, otherwise it should call the superclass implementation (to
    raise ``TypeError``).
    """
    item_separator = ', '
    key_separator = ': '
    numpy = False

    def __init__(self, *, skipkeys=False, ensure_ascii=True,
            check_circular=True, allow_nan=True, sort_keys=False,
            indent=None, separators=None, default=None, numpy=False):
        """Arguments as ``json.JSONEncoder``'s: see ``ferrocodec.json.dumps``.

        ``numpy`` (not in the stdlib): encode NumPy arrays (bool, int, uint
        and float dtypes natively; others through ``tolist()``) and NumPy
        scalars as ``json.dumps(x.tolist())`` would, instead of calling
        ``default`` for them.
        """
        if numpy:
            self.numpy = True
        self.skipkeys = skipkeys
        self.ensure_ascii = ensure_ascii
        self.check_circular = check_circular
        self.allow_nan = allow_nan
        self.sort_keys = sort_keys
        self.indent = indent
        if separators is not None:
            self.item_separator, self.key_separator = separators
        elif indent is not None:
            self.item_separator = ','
        if default is not None:
            self.default = default

    def default(self, o):
        """Implement this method in a subclass such that it returns
        a serializable object for ``o``, or calls the base implementation
        (to raise a ``TypeError``).
        """
        raise TypeError(f'Object of type {o.__class__.__name__} '
                        f'is not JSON serializable')

    def encode(self, o):
        """Return a JSON string representation of a Python data structure.

        >>> from ferrocodec.json.encoder import JSONEncoder
        >>> JSONEncoder().encode({"foo": ["bar", "baz"]})
        '{"foo": ["bar", "baz"]}'

        """
        if isinstance(o, str):
            if self.ensure_ascii:
                return encode_basestring_ascii(o)
            else:
                return encode_basestring(o)
        chunks = self.iterencode(o, _one_shot=True)
        if not isinstance(chunks, (list, tuple)):
            chunks = list(chunks)
        return ''.join(chunks)

    def iterencode(self, o, _one_shot=False):
        """Encode the given object and yield each string
        representation as available.

        For example::

            for chunk in JSONEncoder().iterencode(bigobject):
                mysocket.write(chunk)

        With ``_one_shot`` (what ``encode`` uses) the whole text is made
        natively, in one piece; otherwise the chunks are the stdlib's.
        """
        if self.check_circular:
            markers = {}
        else:
            markers = None
        if self.ensure_ascii:
            _encoder = encode_basestring_ascii
        else:
            _encoder = encode_basestring

        def floatstr(o, allow_nan=self.allow_nan,
                _repr=float.__repr__, _inf=INFINITY, _neginf=-INFINITY):
            if o != o:
                text = 'NaN'
            elif o == _inf:
                text = 'Infinity'
            elif o == _neginf:
                text = '-Infinity'
            else:
                return _repr(o)

            if not allow_nan:
                raise ValueError(
                    "Out of range float values are not JSON compliant: " +
                    repr(o))

            return text

        if self.indent is None or isinstance(self.indent, str):
            indent = self.indent
        else:
            indent = ' ' * self.indent
        if _one_shot:
            _iterencode = c_make_encoder(
                markers, self.default, _encoder, indent,
                self.key_separator, self.item_separator, self.sort_keys,
                self.skipkeys, self.allow_nan, numpy=self.numpy)
        else:
            default = self.default
            if self.numpy:
                default = _numpy_default(default)
            _iterencode = _std._make_iterencode(
                markers, default, _encoder, indent, floatstr,
                self.key_separator, self.item_separator, self.sort_keys,
                self.skipkeys, _one_shot)
        return _iterencode(o, 0)

    def _native(self):
        """The native encoder for the current attributes (``encode_bytes``),
        made as ``iterencode`` makes it: the attributes read in its order."""
        markers = {} if self.check_circular else None
        if self.ensure_ascii:
            _encoder = encode_basestring_ascii
        else:
            _encoder = encode_basestring
        indent = self.indent
        if indent is not None and not isinstance(indent, str):
            indent = ' ' * indent
        return c_make_encoder(
            markers, self.default, _encoder,
            indent, self.key_separator, self.item_separator, self.sort_keys,
            self.skipkeys, self.allow_nan, numpy=self.numpy)
