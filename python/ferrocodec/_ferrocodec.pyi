"""Type stubs for the native extension module ``ferrocodec._ferrocodec``."""

import sys
from typing import Literal, TypedDict

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
