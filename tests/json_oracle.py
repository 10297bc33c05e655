"""The stdlib as the oracle for ferrocodec.json: outcomes compared exactly.

ferrocodec.json follows CPython 3.14's json. On older interpreters the only
decoding difference is 3.13's trailing-comma message; `expected_loads`
rewrites the stdlib's answer into 3.14's for those cases (and nothing else),
so the tests stay exact on every version. See docs/compatibility.md.
"""

import decimal
import json
import sys

HAS_TRAILING_COMMA_MESSAGES = sys.version_info >= (3, 13)


def _escape_at_end_is_unterminated():
    try:
        json.loads('"\\u0041')
    except json.JSONDecodeError as e:
        return e.msg.startswith("Unterminated")


# Older scanners reject a complete \uXXXX that ends exactly at the end of the
# input as "Invalid \uXXXX escape"; 3.14 reads it and reports the string as
# unterminated.
HAS_ESCAPE_AT_END_FIX = _escape_at_end_is_unterminated()
_HEX = set("0123456789abcdefABCDEF")
_WS = " \t\n\r"


def canon(x):
    """A comparable form: types kept apart (1, 1.0, True), floats and Decimals by repr
    (NaN == NaN, -0.0 != 0.0, Decimal('1.0') != Decimal('1.00'))."""
    if isinstance(x, (float, decimal.Decimal)):
        return (type(x).__name__, repr(x))
    if isinstance(x, dict):
        return ("dict", tuple((canon(k), canon(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(canon(v) for v in x))
    return (type(x).__name__, x)


def outcome(fn, *args, **kwargs):
    """('ok', canon(result)) or ('err', exception type name, message[, pos, lineno, colno])."""
    try:
        return ("ok", canon(fn(*args, **kwargs)))
    except json.JSONDecodeError as e:
        return ("err", "JSONDecodeError", e.msg, e.pos, e.lineno, e.colno, e.args)
    except RecursionError:
        return ("err", "RecursionError")
    except Exception as e:  # noqa: BLE001 - every exception is part of the outcome
        return ("err", type(e).__name__, str(e))


def _escape_at_end_to_314(result, doc, kwargs):
    """Rewrite an older stdlib's error on a \\uXXXX ending the input into 3.14's."""
    if HAS_ESCAPE_AT_END_FIX or result[0] != "err" or result[1] != "JSONDecodeError":
        return result
    msg, pos = result[2], result[3]
    if msg != "Invalid \\uXXXX escape" or not isinstance(doc, str) or pos + 5 != len(doc):
        return result
    if doc[pos] != "u" or not set(doc[pos + 1:]) <= _HEX:
        return result
    # 3.14 goes on to the end of the input: the same as six plain characters there.
    return outcome(json.loads, doc[:pos - 1] + "aaaaaa", **kwargs)


def _to_314(result, doc):
    """Rewrite a pre-3.13 stdlib error on a trailing comma into 3.14's error."""
    if HAS_TRAILING_COMMA_MESSAGES or result[0] != "err" or result[1] != "JSONDecodeError":
        return result
    msg, pos = result[2], result[3]
    if not isinstance(doc, str) or pos >= len(doc) or doc[pos] not in "]}":
        return result
    if (msg, doc[pos]) not in (("Expecting value", "]"), ("Expecting property name enclosed in double quotes", "}")):
        return result
    q = pos - 1
    while q >= 0 and doc[q] in _WS:
        q -= 1
    if q < 0 or doc[q] != ",":
        return result
    what = "array" if doc[pos] == "]" else "object"
    err = json.JSONDecodeError(f"Illegal trailing comma before end of {what}", doc, q)
    return ("err", "JSONDecodeError", err.msg, err.pos, err.lineno, err.colno, err.args)


def _as_text(s):
    if isinstance(s, (bytes, bytearray)):
        try:
            return bytes(s).decode(json.detect_encoding(s), "surrogatepass")
        except UnicodeDecodeError:
            return None
    return s


def expected_loads(s, **kwargs):
    """What CPython 3.14's json.loads gives for `s`."""
    text = _as_text(s)
    return _escape_at_end_to_314(_to_314(outcome(json.loads, s, **kwargs), text), text, kwargs)


NAN_MESSAGE = "Out of range float values are not JSON compliant"


def to_older_stdlib(result, want):
    """ferrocodec's encoding outcome (3.14's text) as an older stdlib words
    it: before 3.13 its C encoder left the float's repr out of this one
    message. `result` and `want` are outcome tuples ('err', type, message, ...)."""
    if (want[:3] == ("err", "ValueError", NAN_MESSAGE) and result[:2] == ("err", "ValueError")
            and result[2].startswith(NAN_MESSAGE + ": ")):
        return result[:2] + (NAN_MESSAGE,) + result[3:]
    return result
