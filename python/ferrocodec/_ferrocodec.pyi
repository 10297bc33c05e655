"""Type stubs for the native extension module ``ferrocodec._ferrocodec``."""

import sys
from collections.abc import Callable, Iterable
from typing import Any, Literal, SupportsIndex, TypedDict, TypeVar

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

__version__: str

_T = TypeVar("_T")

class BuildInfo(TypedDict):
    version: str
    abi: str
    limited_api: bool
    free_threaded_build: bool
    interpreter_tag: str
    simd: Literal["scalar", "sse4.1", "avx2", "avx512", "neon"]
    target: str
    str_state_layout_known: bool
    str_new: bool
    # What the encoder reads in place (verified at import): list and tuple
    # items, strs, ints, floats, dict entries.
    layout_in_place: tuple[bool, bool, bool, bool, bool]
    release: bool

def build_info() -> BuildInfo:
    """Describe how this extension was built and what the running CPU gets."""


def a2b_base64(data: str | Buffer, /, *, strict_mode: object = ..., padded: object = True,
               alphabet: bytes = ..., ignorechars: Buffer = ..., canonical: object = False) -> bytes: ...
def b2a_base64(data: Buffer, /, *, padded: object = True, wrapcol: SupportsIndex = 0,
               newline: object = True, alphabet: Buffer = ...) -> bytes: ...
def a2b_base32(data: str | Buffer, /, *, padded: object = True, alphabet: bytes = ...,
               ignorechars: Buffer = b'', canonical: object = False) -> bytes: ...
def b2a_base32(data: Buffer, /, *, padded: object = True, wrapcol: SupportsIndex = 0,
               alphabet: Buffer = ...) -> bytes: ...
def a2b_base85(data: str | Buffer, /, *, alphabet: bytes = ..., ignorechars: Buffer = b'',
               canonical: object = False) -> bytes: ...
def b2a_base85(data: Buffer, /, *, pad: object = False, wrapcol: SupportsIndex = 0,
               alphabet: Buffer = ...) -> bytes: ...
def a2b_ascii85(data: str | Buffer, /, *, foldspaces: object = False, adobe: object = False,
                ignorechars: Buffer = b'', canonical: object = False) -> bytes: ...
def b2a_ascii85(data: Buffer, /, *, foldspaces: object = False, wrapcol: SupportsIndex = 0,
                pad: object = False, adobe: object = False) -> bytes: ...
def a2b_hex(hexstr: str | Buffer, /, *, ignorechars: Buffer = b'') -> bytes: ...
def unhexlify(hexstr: str | Buffer, /, *, ignorechars: Buffer = b'') -> bytes: ...
def _b64encode(s: Buffer, altchars: bytes | None, wrapcol: SupportsIndex) -> bytes: ...
def b64encode(s: Buffer, altchars: Buffer | None = None, *, padded: object = True,
              wrapcol: SupportsIndex = 0) -> bytes: ...
def b64decode(
    s: str | Buffer, altchars: str | Buffer | None = None, validate: object = ..., *, padded: object = True,
    ignorechars: Buffer = ..., canonical: object = False
) -> bytes: ...
def _b64decode(
    s: str | Buffer, altchars: bytes | None, validate: bool, urlsafe: bool = False, ignorechars: Buffer | None = None,
    padded: bool = True, canonical: bool = False
) -> bytes: ...
def _b64encode_many(items: Iterable[Buffer], altchars: bytes | None, wrapcol: SupportsIndex) -> list[bytes]: ...
def _b64decode_many(
    items: Iterable[str | Buffer], altchars: bytes | None, validate: bool, convert: Callable[[object], bytes]
) -> list[bytes]: ...
def _b64decode_rows(
    items: Iterable[str | Buffer],
    altchars: bytes | None,
    validate: bool,
    convert: Callable[[object], bytes],
    itemsize: int,
    alloc: Callable[[int, int], _T],
) -> _T: ...
def _b16encode(s: Buffer, wrapcol: int) -> bytes: ...
def _b16decode(s: str | Buffer, casefold: bool, ignorechars: Buffer) -> bytes: ...

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
