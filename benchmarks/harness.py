"""Side-by-side timing of ferrocodec against its peers, in one process.

A *case* is one workload ("b64encode 1 MB") with several *contenders*
(ferrocodec, the stdlib, orjson, pybase64, ...), each a zero-argument callable.
For every round the contenders run in a freshly shuffled order, each for a
calibrated number of calls, so that drift (frequency scaling, other load)
hits them alike; the reported time per call is the median over rounds.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from typing import Callable


@dataclasses.dataclass
class Case:
    group: str
    name: str
    contenders: dict[str, Callable[[], object]]
    nbytes: int | None = None  # input size, for throughput
    baseline: str = "ferrocodec"
    # The garbage collector stays on while timing, as in a program (every
    # other case turns it off, as timeit does, to time the call alone).
    gc: bool = False


@dataclasses.dataclass
class Result:
    group: str
    name: str
    nbytes: int | None
    seconds: dict[str, float]  # median seconds per call
    spread: dict[str, float]  # (p75 - p25) / median
    baseline: str

    def ratio(self, peer: str) -> float:
        """Baseline time / peer time: below 1.0 the baseline is faster."""
        return self.seconds[self.baseline] / self.seconds[peer]


def _calibrate(fn: Callable[[], object], target: float) -> int:
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target / 4 or n >= 1 << 24:
            return max(1, int(n * target / max(dt, 1e-9)))
        n *= 4


def run_case(case: Case, rounds: int, target: float) -> Result:
    names = list(case.contenders)
    # One call each first: a first call can pay one-off costs (fresh pages
    # for a large output before malloc adapts its mmap threshold, lazy
    # imports) that would make the calibration pick far too few loops for
    # whichever contender happens to go first.
    for n in names:
        case.contenders[n]()
    loops = {n: _calibrate(case.contenders[n], target) for n in names}
    samples: dict[str, list[float]] = {n: [] for n in names}
    gc_was_enabled = gc.isenabled()
    for _ in range(rounds):
        random.shuffle(names)
        for n in names:
            fn, k = case.contenders[n], loops[n]
            gc.collect()
            if not case.gc:
                gc.disable()
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            dt = time.perf_counter() - t0
            if gc_was_enabled:
                gc.enable()
            samples[n].append(dt / k)
    seconds, spread = {}, {}
    for n, s in samples.items():
        med = statistics.median(s)
        q = statistics.quantiles(s, n=4) if len(s) >= 2 else [med, med, med]
        seconds[n] = med
        spread[n] = (q[2] - q[0]) / med if med else 0.0
    return Result(case.group, case.name, case.nbytes, seconds, spread, case.baseline)


def _fmt_time(s: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def _fmt_rate(nbytes: int | None, s: float) -> str:
    if not nbytes:
        return ""
    return f"{nbytes / s / 1e9:.2f} GB/s" if nbytes / s >= 1e8 else f"{nbytes / s / 1e6:.0f} MB/s"


def table(results: list[Result]) -> str:
    """A Markdown table: one row per case and contender, ratio = ferrocodec / contender."""
    lines = [
        "| case | contender | time per call | throughput | ferrocodec ÷ contender |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in results:
        order = [r.baseline] + sorted(n for n in r.seconds if n != r.baseline)
        for n in order:
            ratio = "" if n == r.baseline else f"{r.ratio(n):.2f}"
            lines.append(
                f"| {r.group}: {r.name} | {n} | {_fmt_time(r.seconds[n])} "
                f"| {_fmt_rate(r.nbytes, r.seconds[n])} | {ratio} |"
            )
    return "\n".join(lines)


def machine() -> dict[str, object]:
    import ferrocodec

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "platform": platform.platform(),
        "ferrocodec": ferrocodec.build_info(),
    }


def write_json(path: str, results: list[Result], peers: dict[str, str]) -> None:
    doc = {
        "machine": machine(),
        "peers": peers,
        "results": [dataclasses.asdict(r) for r in results],
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)


def write_png(path: str, results: list[Result]) -> bool:
    """A bar chart of ferrocodec ÷ peer per case (below 1 = ferrocodec faster)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    peers = sorted({n for r in results for n in r.seconds if n != r.baseline})
    labels = [f"{r.group}: {r.name}" for r in results]
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(results) * max(1, len(peers)) + 1.5))
    height = 0.8 / max(1, len(peers))
    for i, peer in enumerate(peers):
        ys = [j + i * height for j in range(len(results))]
        xs = [r.ratio(peer) if peer in r.seconds else 0 for r in results]
        ax.barh(ys, xs, height=height, label=peer)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(results))], labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("ferrocodec time ÷ peer time (log; < 1 means ferrocodec is faster)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True
