"""Run ferrocodec's benchmarks side by side with the installed peers.

    python benchmarks/run.py                       # every suite
    python benchmarks/run.py base64 -k 1MB         # one suite, cases matching a regex
    python benchmarks/run.py --json out.json --png out.png

Peers are used when installed (stdlib always; orjson, msgspec, ujson, pybase64
optional). Each suite is a module benchmarks/suite_<name>.py with
``cases() -> list[harness.Case]``. This is a command, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

OPTIONAL_PEERS = ["orjson", "msgspec", "ujson", "pybase64", "numpy"]


def suites() -> list[str]:
    return sorted(p.stem.removeprefix("suite_") for p in HERE.glob("suite_*.py"))


def peer_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in ["ferrocodec", *OPTIONAL_PEERS]:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("suite", nargs="*", help=f"suites to run (default: all of {', '.join(suites())})")
    ap.add_argument("-k", dest="pattern", help="only cases whose 'group: name' matches this regex")
    ap.add_argument("--rounds", type=int, default=15, help="interleaved rounds per case (default 15)")
    ap.add_argument("--target", type=float, default=0.02, help="seconds per contender per round (default 0.02)")
    ap.add_argument("--json", help="write the results and machine description as JSON")
    ap.add_argument("--png", help="write a bar chart of the ratios (needs matplotlib)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)

    chosen = args.suite or suites()
    unknown = set(chosen) - set(suites())
    if unknown:
        ap.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    pattern = re.compile(args.pattern) if args.pattern else None

    cases = []
    for s in chosen:
        for case in importlib.import_module(f"suite_{s}").cases():
            if pattern is None or pattern.search(f"{case.group}: {case.name}"):
                cases.append(case)
    if args.list:
        for c in cases:
            print(f"{c.group}: {c.name}  [{', '.join(c.contenders)}]")
        return 0

    m = harness.machine()
    print(f"# {m['date']} · {m['cpu']} · {m['cores']} cores · Python {m['python']} "
          f"(GIL {'on' if m['gil_enabled'] else 'off'}) · ferrocodec {m['ferrocodec']['abi']} "
          f"{m['ferrocodec']['simd']}")
    print("# peers:", ", ".join(f"{k} {v}" for k, v in peer_versions().items()))
    results = []
    for case in cases:
        r = harness.run_case(case, args.rounds, args.target)
        results.append(r)
        print(harness.table([r]).split("\n", 2)[2], flush=True)
    print()
    print(harness.table(results))
    if args.json:
        harness.write_json(args.json, results, peer_versions())
    if args.png and not harness.write_png(args.png, results):
        print("matplotlib is not installed: no chart written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
