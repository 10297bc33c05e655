"""Type stubs for the native extension module ``ferrocodec._ferrocodec``."""

import sys
from typing import Any, Literal, TypedDict

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

__version__: str

class BuildInfo(TypedDict):
    version: str
    abi: str
    limited_api: bool
    free_threaded_build: bool
    interpreter_tag: str
    simd: Literal["scalar", "sse4.1", "avx2", "avx512", "neon"]
    target: str
    release: bool

def build_info() -> BuildInfo:
    """Describe how this extension was built and what the running CPU gets."""


def a2b_base64(data: str | Buffer, /, *, strict_mode: bool = False) -> bytes: ...
def b2a_base64(data: Buffer, /, *, wrapcol: int = 0, newline: bool = True) -> bytes: ...
def _b64encode(s: Buffer, altchars: bytes | None, wrapcol: int) -> bytes: ...
def _b64decode(s: str | Buffer, altchars: bytes | None, validate: bool, urlsafe: bool = False) -> bytes: ...

# json (private: use ferrocodec.json)
def _json_decoder_setup(decode_error: type, nan: float, inf: float, neg_inf: float) -> None: ...

class Scanner:
    def __init__(self, strict: bool = ..., object_hook: Any = ..., object_pairs_hook: Any = ...,
                 parse_float: Any = ..., parse_int: Any = ..., parse_constant: Any = ...) -> None: ...
    def loads(self, s: str | bytes | bytearray) -> Any: ...
    def decode(self, s: str) -> Any: ...
    def __call__(self, string: str, idx: int) -> tuple[Any, int]: ...

class Encoder:
    def __init__(self, check_circular: bool, default: Any, ensure_ascii: bool, indent: str | None,
                 key_separator: str, item_separator: str, sort_keys: bool, skipkeys: bool,
                 allow_nan: bool, notes: bool) -> None: ...
    def __call__(self, obj: Any, indent_level: int) -> tuple[str]: ...
    def encode(self, obj: Any) -> str: ...
    def encode_bytes(self, obj: Any) -> bytes: ...
