"""Type stubs for the native extension module ``ferrocodec._ferrocodec``."""

from typing import Literal, TypedDict

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
