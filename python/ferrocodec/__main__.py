"""``python -m ferrocodec``: a self-check of the installed build and a short
side-by-side run against the standard library."""

import base64 as std_base64
import json
import os
import platform
import sys
import timeit

import ferrocodec
from ferrocodec import base64 as fc_base64


def _best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def demo() -> None:
    data = os.urandom(1 << 20)
    enc = std_base64.b64encode(data)
    lines = std_base64.encodebytes(data)
    assert fc_base64.b64encode(data) == enc and fc_base64.b64decode(enc) == data
    assert fc_base64.decodebytes(lines) == data
    print("\nbase64, 1 MiB of random bytes (same output as the stdlib, checked):")
    for name, ours, theirs in [
        ("b64encode", lambda: fc_base64.b64encode(data), lambda: std_base64.b64encode(data)),
        ("b64decode(validate=True)", lambda: fc_base64.b64decode(enc, validate=True),
         lambda: std_base64.b64decode(enc, validate=True)),
        ("decodebytes", lambda: fc_base64.decodebytes(lines), lambda: std_base64.decodebytes(lines)),
    ]:
        t_ours, t_std = _best(ours, 20), _best(theirs, 5)
        print(f"  {name:26} ferrocodec {t_ours * 1e6:8.1f} µs   stdlib {t_std * 1e6:8.1f} µs"
              f"   {t_std / t_ours:5.1f}x faster")


def main() -> int:
    info = ferrocodec.build_info()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"ferrocodec {ferrocodec.__version__} on {platform.python_implementation()} "
          f"{platform.python_version()} ({'GIL enabled' if gil else 'free-threaded, GIL disabled'})")
    print(json.dumps(info, indent=2, sort_keys=True))
    if "--no-demo" not in sys.argv[1:]:
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
