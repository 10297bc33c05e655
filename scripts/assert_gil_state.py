"""Assert the GIL state and build kind of the installed ferrocodec (used by CI and release).

    python scripts/assert_gil_state.py abi3     # a GIL interpreter with the abi3 wheel
    python scripts/assert_gil_state.py cp314t   # python3.14t with the free-threaded wheel
    python scripts/assert_gil_state.py abi3t    # python3.15t+ with the free-threaded abi3t wheel

Run with PYTHON_GIL unset: importing ferrocodec on a free-threaded interpreter
must leave the GIL disabled and must not warn.
"""

import os
import sys
import warnings


def main(expected: str) -> int:
    if "PYTHON_GIL" in os.environ:
        print("PYTHON_GIL is set; unset it for this check", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import ferrocodec
    info = ferrocodec.build_info()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python {sys.version.split()[0]} GIL enabled: {gil}; build_info: {info}")
    problems = []
    if info["abi"] != expected:
        problems.append(f"abi is {info['abi']!r}, expected {expected!r}")
    if expected.endswith("t"):
        if gil:
            problems.append("the GIL is enabled after importing ferrocodec")
        if info["free_threaded_build"] is not True:
            problems.append("build_info()['free_threaded_build'] is not True")
        # cp314t is version-specific; abi3t is the free-threaded limited API.
        if info["limited_api"] is not (expected == "abi3t"):
            problems.append(f"limited_api is {info['limited_api']} for a {expected} build")
    else:
        if not gil:
            problems.append("expected a GIL interpreter")
        if info["limited_api"] is not True or info["free_threaded_build"] is not False:
            problems.append("expected the abi3 (limited API, GIL) build")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
