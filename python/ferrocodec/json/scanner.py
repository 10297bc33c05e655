"""JSON token scanner (``json.scanner``): ``make_scanner`` builds the native scanner."""

from .._ferrocodec import Scanner as _Scanner

__all__ = ['make_scanner']


def make_scanner(context):
    """Return a scanner for a ``JSONDecoder``-like *context*.

    Like the stdlib's C scanner, it reads the decoding options (``strict``,
    ``object_hook``, ``object_pairs_hook``, ``parse_float``, ``parse_int``,
    ``parse_constant``) once, here. Calling it as ``scan_once(string, idx)``
    returns ``(value, end)`` or raises ``StopIteration(idx)``.
    """
    from .decoder import _CONSTANTS

    parse_float = context.parse_float
    parse_int = context.parse_int
    parse_constant = context.parse_constant
    return _Scanner(
        bool(context.strict),
        context.object_hook,
        context.object_pairs_hook,
        None if parse_float is float else parse_float,
        None if parse_int is int else parse_int,
        None if parse_constant == _CONSTANTS.__getitem__ else parse_constant,
    )


c_make_scanner = make_scanner
py_make_scanner = make_scanner
