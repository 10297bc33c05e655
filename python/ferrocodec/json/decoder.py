"""Implementation of JSONDecoder (``json.decoder``), on the native scanner."""

import json.decoder as _std

from . import scanner
from .._ferrocodec import _json_decoder_setup

__all__ = ['JSONDecoder', 'JSONDecodeError']

WHITESPACE = _std.WHITESPACE
WHITESPACE_STR = _std.WHITESPACE_STR
# The very objects the stdlib returns for NaN, Infinity and -Infinity.
NaN = _std.NaN
PosInf = _std.PosInf
NegInf = _std.NegInf

_CONSTANTS = {
    '-Infinity': NegInf,
    'Infinity': PosInf,
    'NaN': NaN,
}


class JSONDecodeError(_std.JSONDecodeError):
    """Subclass of ValueError with the following additional properties:

    msg: The unformatted error message
    doc: The JSON document being parsed
    pos: The start index of doc where parsing failed
    lineno: The line corresponding to pos
    colno: The column corresponding to pos

    It is a subclass of the stdlib's ``json.JSONDecodeError``, so existing
    ``except json.JSONDecodeError`` clauses catch it.
    """


_json_decoder_setup(JSONDecodeError, NaN, PosInf, NegInf)


class JSONDecoder(object):
    """Simple JSON <https://json.org> decoder, as ``json.JSONDecoder``.

    Performs the following translations in decoding by default:

    +---------------+-------------------+
    | JSON          | Python            |
    +===============+===================+
    | object        | dict              |
    +---------------+-------------------+
    | array         | list              |
    +---------------+-------------------+
    | string        | str               |
    +---------------+-------------------+
    | number (int)  | int               |
    +---------------+-------------------+
    | number (real) | float             |
    +---------------+-------------------+
    | true          | True              |
    +---------------+-------------------+
    | false         | False             |
    +---------------+-------------------+
    | null          | None              |
    +---------------+-------------------+

    It also understands ``NaN``, ``Infinity``, and ``-Infinity`` as
    their corresponding ``float`` values, which is outside the JSON spec.
    """

    def __init__(self, *, object_hook=None, parse_float=None,
            parse_int=None, parse_constant=None, strict=True,
            object_pairs_hook=None):
        """Arguments and attributes as ``json.JSONDecoder``'s.

        ``object_hook`` is called with every decoded JSON object (a dict) and
        its return value is used instead; ``object_pairs_hook`` is called
        with the object's ordered list of pairs and takes priority.
        ``parse_float``, ``parse_int`` and ``parse_constant`` are called with
        the text of every float, int and ``-Infinity``/``Infinity``/``NaN``.
        If ``strict`` is false, control characters are allowed in strings.
        As in the stdlib, the options are read when the scanner is built
        (here); changing the attributes later has no effect.
        """
        self.object_hook = object_hook
        self.parse_float = parse_float or float
        self.parse_int = parse_int or int
        self.parse_constant = parse_constant or _CONSTANTS.__getitem__
        self.strict = strict
        self.object_pairs_hook = object_pairs_hook
        self.parse_object = _std.JSONObject
        self.parse_array = _std.JSONArray
        self.parse_string = _std.scanstring
        self.memo = {}
        self.scan_once = scanner.make_scanner(self)

    def decode(self, s, _w=WHITESPACE.match):
        """Return the Python representation of ``s`` (a ``str`` instance
        containing a JSON document).

        """
        if type(self).raw_decode is _RAW_DECODE and type(self.scan_once) is _Scanner:
            if isinstance(s, str):
                return self.scan_once.decode(s)
        obj, end = self.raw_decode(s, idx=_w(s, 0).end())
        end = _w(s, end).end()
        if end != len(s):
            raise JSONDecodeError("Extra data", s, end)
        return obj

    def raw_decode(self, s, idx=0):
        """Decode a JSON document from ``s`` (a ``str`` beginning with
        a JSON document) and return a 2-tuple of the Python
        representation and the index in ``s`` where the document ended.

        This can be used to decode a JSON document from a string that may
        have extraneous data at the end.

        """
        try:
            obj, end = self.scan_once(s, idx)
        except StopIteration as err:
            raise JSONDecodeError("Expecting value", s, err.value) from None
        return obj, end


_RAW_DECODE = JSONDecoder.raw_decode
_Scanner = scanner._Scanner
