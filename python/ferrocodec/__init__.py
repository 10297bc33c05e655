"""ferrocodec: CPython's json and base64 modules, byte-exact, in Rust.

Replace ``import base64`` with ``from ferrocodec import base64`` (and likewise
``json``): same functions, arguments, output bytes and exceptions.
"""

from ferrocodec._ferrocodec import __version__, build_info

__all__ = ["__version__", "build_info"]
