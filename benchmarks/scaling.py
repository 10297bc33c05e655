"""Thread scaling: throughput of N threads calling the same function at once,
relative to one thread (issue: at least 0.9*N on a free-threaded build).

    python benchmarks/scaling.py [--threads N]

Every thread decodes the same bytes and encodes the SAME shared object (the
hard case: the threads read the same containers). Meaningful on a
free-threaded build; on a GIL build only work that releases the GIL
(base64 of large inputs) can scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

from data import corpus_file

from ferrocodec import base64 as fb
from ferrocodec import json as fj


def run(fn, nthreads, iters):
    start = threading.Barrier(nthreads + 1)

    def worker():
        start.wait()
        for _ in range(iters):
            fn()

    threads = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    ops = {}
    for name in ("twitter.json", "citm_catalog.json"):
        raw = corpus_file(name)
        if raw is None:
            continue
        obj = fj.loads(raw)
        ops[f"loads {name}"] = lambda raw=raw: fj.loads(raw)
        ops[f"dumps {name} (one shared object)"] = lambda obj=obj: fj.dumps(obj)
    data = os.urandom(1 << 20)
    text = fb.b64encode(data)
    ops["b64encode 1 MiB"] = lambda: fb.b64encode(data)
    ops["b64decode 1 MiB"] = lambda: fb.b64decode(text)
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} ({'GIL' if gil else 'free-threaded'}), {args.threads} threads\n")
    print(f"| operation | 1 thread, per call | {args.threads} threads: throughput ÷ 1 thread |")
    print("| --- | ---: | ---: |")
    n = args.threads
    for name, fn in ops.items():
        t0 = time.perf_counter()
        fn()
        iters = max(5, int(0.3 / max(time.perf_counter() - t0, 1e-6)))
        one = statistics.median(run(fn, 1, iters) for _ in range(args.rounds))
        many = statistics.median(run(fn, n, iters) for _ in range(args.rounds))
        print(f"| {name} | {one / iters * 1e3:.3f} ms | {n * one / many:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
