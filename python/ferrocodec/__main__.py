"""``python -m ferrocodec``: a self-check of the installed build."""

import json
import platform
import sys

import ferrocodec


def main() -> int:
    info = ferrocodec.build_info()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"ferrocodec {ferrocodec.__version__} on {platform.python_implementation()} "
          f"{platform.python_version()} ({'GIL enabled' if gil else 'free-threaded, GIL disabled'})")
    print(json.dumps(info, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
