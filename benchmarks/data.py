"""Benchmark inputs: ../shared/bench-data when present, generated data otherwise."""

from __future__ import annotations

import os
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("FERROCODEC_SHARED", ROOT.parent / "shared"))
BENCH_DATA = SHARED / "bench-data"


def random_bytes(n: int, seed: int = 1234) -> bytes:
    return random.Random(seed).randbytes(n)


def corpus_file(name: str) -> bytes | None:
    """A file of the standard JSON benchmark corpus, or None when ../shared is absent."""
    p = BENCH_DATA / name
    return p.read_bytes() if p.is_file() else None
