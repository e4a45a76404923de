"""Benchmarks of sweeps (nncore.sweep): speed against single runs, memory, arithmetic.

One function per key, each ``f(quick: bool) -> float``, listed in ``FIGURES`` with its
target; ``details(key)`` gives the lines behind a figure once it is measured.

The race: 1000 seeds of Trask's 3-4-1 xor net, 10^4 iterations each, trained as one
sweep (construction included), against ``SAMPLE`` of the same seeds trained one after
another by the single-run engine (``Run``, construction included) and by Trask's loop,
their time scaled to all the seeds. The three take turns, in a rotating order, and
each figure is the median over the rounds of the ratio within a round. Every round
checks that the sampled runs ended on the sweep's weights within RELATIVE (each run's
largest difference over its largest weight), and keeps the worst difference. The
exact sweep (``exact=True``, one BLAS product per run) is timed once beside them.

Peak memory is measured in a fresh process that does nothing but the sweep.
"""

from __future__ import annotations

import functools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.baselines import XOR_X, XOR_Y, trask_xor
from nncore import Run, init_weights
from nncore.sweep import Sweep

ROOT = Path(__file__).resolve().parents[2]
FULL = {"runs": 1000, "iterations": 10**4, "sample": 20, "rounds": 3}
QUICK = {"runs": 100, "iterations": 300, "sample": 5, "rounds": 1}
SIZES = [3, 4, 1]
RELATIVE = 1e-12  # how far the fast sweep may be from a single run

_details: dict[str, list[str]] = {}


def details(key):
    return _details.get(key, [])


def flops_per_iteration(layer_sizes, n_rows):
    """Floating-point operations of one run's step, counting a multiply-add as 2 and
    exp, a division or a square root as 1: the products of the forward pass, of the
    deltas sent back (not into the input layer) and of the gradients, then per unit
    and row the sigmoid (3), its slope (2) and the delta's product (1), then per
    weight the update (2)."""
    pairs = [a * b for a, b in zip(layer_sizes, layer_sizes[1:], strict=False)]
    products = 2 * n_rows * (sum(pairs) + sum(pairs[1:]) + sum(pairs))
    units = n_rows * sum(layer_sizes[1:]) * 6
    return products + units + 2 * sum(pairs)


def _time(work):
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def _sweep(runs, iterations, exact=None):
    return Sweep.grid(XOR_X, XOR_Y, SIZES, seeds=range(runs), iterations=iterations,
                      exact=exact).train()


def _singles(seeds, iterations):
    rows = []
    for seed in seeds:
        run = Run(XOR_X, XOR_Y, SIZES, seed=seed, learning_rate=1.0)
        run.train(iterations)
        rows.append(run.params_at(run.newest))
    return rows


def _trask(seeds, iterations):
    rows = []
    for seed in seeds:
        syn0, syn1 = init_weights(SIZES, seed)
        trask_xor(syn0, syn1, XOR_X, XOR_Y, iterations)
        rows.append(np.concatenate([syn0.ravel(), syn1.ravel()]))
    return rows


@functools.cache
def race(quick):
    sizes = QUICK if quick else FULL
    runs, n = sizes["runs"], sizes["iterations"]
    sample = list(range(0, runs, runs // sizes["sample"]))[:sizes["sample"]]
    scale = runs / len(sample)
    contestants = {"sweep": lambda: _sweep(runs, n), "single": lambda: _singles(sample, n),
                   "trask": lambda: _trask(sample, n)}
    times = {name: [] for name in contestants}
    worst = 0.0
    for r in range(sizes["rounds"]):
        names = list(contestants)
        names = names[r % 3:] + names[:r % 3]
        out = {}
        for name in names:
            spent, out[name] = _time(contestants[name])
            times[name].append(spent * (1 if name == "sweep" else scale))
        swept = out["sweep"]
        for name in ("single", "trask"):
            for seed, row in zip(sample, out[name], strict=True):
                gap = np.max(np.abs(row - swept.final_rows[seed, :swept.n_params]))
                worst = max(worst, float(gap / np.max(np.abs(row))))
        if worst > RELATIVE:
            raise AssertionError(f"a sampled run ended {worst:.1e} (relative) from the sweep")
    times["exact"] = [_time(lambda: _sweep(runs, n, exact=True))[0]]
    return sizes, times, worst


def _ratio(quick, name, key):
    sizes, times, worst = race(quick)
    ratios = [t / s for t, s in zip(times[name], times["sweep"], strict=True)]
    per_run = statistics.median(times[name]) / sizes["runs"] / sizes["iterations"] * 1e6
    sweep_s = statistics.median(times["sweep"])
    what = "the single-run engine (Run)" if name == "single" else "Trask's loop"
    _details[key] = [
        f"{sizes['runs']} seeds of 3-4-1 xor x {sizes['iterations']} iterations: sweep "
        f"{sweep_s:.2f} s (median of {sizes['rounds']}); {what} {per_run:.2f} us per run "
        f"and iteration, timed on {sizes['sample']} seeds and scaled",
        "ratios per round: " + ", ".join(f"{r:.1f}" for r in ratios)
        + f"; the sampled runs' final weights differ from the sweep's by at most {worst:.1e}"
        " of their largest weight",
        f"the exact sweep (one BLAS product per run, bit for bit): {times['exact'][0]:.2f} s, "
        f"{statistics.median(times[name]) / times['exact'][0]:.1f}x"]
    if name == "single":
        _details[key] += _arithmetic(sizes, sweep_s)
    return statistics.median(ratios)


def _arithmetic(sizes, sweep_s):
    flops = flops_per_iteration(SIZES, len(XOR_X))
    achieved = flops * sizes["runs"] * sizes["iterations"] / sweep_s / 1e9
    a = np.random.default_rng(0).random((1500, 1500))
    spent, _ = _time(lambda: a @ a)
    peak = 2 * 1500**3 / spent / 1e9
    return [f"arithmetic: {flops} floating-point operations per run and iteration, "
            f"{flops * sizes['runs'] / 1e3:.0f} kFLOP per sweep iteration; achieved "
            f"{achieved:.2f} GFLOP/s, where one 1500x1500 matrix product reaches "
            f"{peak:.1f} GFLOP/s on this machine ({100 * achieved / peak:.1f}% of it)"]


def sweep_speedup_vs_single(quick):
    return _ratio(quick, "single", "sweep_speedup_vs_single")


def sweep_speedup_vs_trask(quick):
    return _ratio(quick, "trask", "sweep_speedup_vs_trask")


PROBE = """
import json, sys
sys.path[:0] = [{root!r}, {tests!r}]
from benchmarks.baselines import XOR_X, XOR_Y
from nncore.sweep import Sweep
swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range({runs}), iterations={iterations})
swept.train()
# VmHWM, this process's own peak: getrusage's ru_maxrss keeps the parent's resident
# size at the fork when that was larger (the benchmark run holds a 1.8 GB history then).
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({{"peak_rss_mb": peak / 1024, "stride": swept.stride}}))
"""


def sweep_peak_rss_mb(quick):
    sizes = QUICK if quick else FULL
    code = PROBE.format(root=str(ROOT), tests=str(ROOT / "tests"), runs=sizes["runs"],
                        iterations=sizes["iterations"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=900, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    _details["sweep_peak_rss_mb"] = [
        f"a fresh process training {sizes['runs']} runs x {sizes['iterations']} iterations "
        f"(curves kept every {out['stride']} iterations): peak RSS {out['peak_rss_mb']:.0f} MiB"]
    return out["peak_rss_mb"]


FIGURES = {
    "sweep_speedup_vs_single": (sweep_speedup_vs_single, 40, True, "x"),
    "sweep_speedup_vs_trask": (sweep_speedup_vs_trask, 100, True, "x"),
    "sweep_peak_rss_mb": (sweep_peak_rss_mb, 300, False, " MB"),
}
