"""Backprop Lab's benchmarks: one function per key, registered in ``BENCHMARKS``.

    python tests/benchmarks/run.py [--quick] [--json FILE]

Prints the machine, then a table (key, value, target, met?) and the details
behind each figure; ``--json`` writes exactly the registered keys, a value of
null meaning "not measured". ``--quick`` uses tiny sizes so that CI can prove the
script runs in a few seconds; its figures mean little.

How speed is compared: A (the reference loop) and B (Backprop Lab) run the same
number of iterations from the same weights, alternately, A first then B first,
and each pair gives a ratio; the figure is the median ratio, which a busy machine
disturbs far less than a mean. Wall-clock time is the figure; process CPU time
is shown beside it, as a busy machine inflates wall time more than CPU time.
Each pair also checks that both ended on identical weights.

To add a figure: write ``def measure_x(sizes) -> Result`` and decorate it with
``@benchmark("key", target=..., unit=...)``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402

from benchmarks.baselines import (  # noqa: E402
    TUTORIAL_X,
    TUTORIAL_Y,
    XOR_X,
    XOR_Y,
    minibatch_adam,
    quiet,
    trask_xor,
    tutorial_net,
)
from nncore import Run, builtin, init_weights, two_d  # noqa: E402
from nncore.options import TrainingOptions  # noqa: E402
from nncore.surface import loss_grid  # noqa: E402


@dataclass(frozen=True)
class Sizes:
    iterations: int  # per timed run in an A/B pair
    pairs: int  # A/B pairs
    history: int  # iterations recorded for memory and random access
    lookups: int  # random params_at calls timed


# 11 pairs: single pairs of the same code range widely on this shared machine
# (docs/performance.md).
FULL = Sizes(iterations=10**5, pairs=11, history=10**6, lookups=1001)
QUICK = Sizes(iterations=2000, pairs=3, history=10**4, lookups=51)


@dataclass
class Result:
    value: float | None
    details: list[str] = field(default_factory=list)
    speeds: dict = field(default_factory=dict)  # iterations/s of each contestant, per run


@dataclass(frozen=True)
class Benchmark:
    measure: Callable[[Sizes], Result]
    target: float | None = None
    higher_is_better: bool = True
    unit: str = ""


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(key, target=None, higher_is_better=True, unit=""):
    def register(measure):
        BENCHMARKS[key] = Benchmark(measure, target, higher_is_better, unit)
        return measure
    return register


# ---- the engine ----------------------------------------------------------------------------

def race(reference, ours, sizes, floor=None):
    """Interleaved A/B timing. ``reference(n)`` and ``ours(n)`` do the untimed
    set-up and return a callable that trains n iterations and returns the final
    flat weights. ``floor(n)``, if given, is timed after each pair."""
    wall, cpu, speed = [], [], {"reference": [], "ours": [], "floor": []}
    n = sizes.iterations
    for i in range(sizes.pairs):
        if floor is not None:
            t = time.perf_counter()
            floor(n)
            speed["floor"].append(n / (time.perf_counter() - t))
        times, weights = {}, {}
        for name in (("reference", "ours") if i % 2 == 0 else ("ours", "reference")):
            train = (reference if name == "reference" else ours)(n)
            w0, c0 = time.perf_counter(), time.process_time()
            weights[name] = train()
            times[name] = (time.perf_counter() - w0, time.process_time() - c0)
            speed[name].append(n / times[name][0])
        if not np.array_equal(weights["reference"], weights["ours"]):
            raise AssertionError("final weights differ from the reference loop")
        wall.append(times["reference"][0] / times["ours"][0])
        cpu.append(times["reference"][1] / times["ours"][1])
    us = {name: 1e6 / statistics.median(v) for name, v in speed.items() if v}
    return Result(statistics.median(wall), speeds=speed, details=[
        f"{n} iterations x {sizes.pairs} interleaved pairs, final weights identical",
        f"reference {us['reference']:.2f} us/iteration, Backprop Lab {us['ours']:.2f} "
        f"us/iteration (medians)",
        f"ratio of medians of pairs: wall {statistics.median(wall):.2f}, "
        f"CPU time {statistics.median(cpu):.2f} (pairs, wall: "
        + ", ".join(f"{r:.2f}" for r in wall) + ")"])


def tutorial_loop(n):
    nn = tutorial_net()

    def train():
        with quiet():
            nn.train(TUTORIAL_X, TUTORIAL_Y, iters=n)
        return nn.weights.ravel()
    return train


def trask_loop(n):
    syn0, syn1 = init_weights([3, 4, 1], 1)

    def train():
        trask_xor(syn0, syn1, XOR_X, XOR_Y, n)
        return np.concatenate([syn0.ravel(), syn1.ravel()])
    return train


def engine_loop(X, Y, layer_sizes):
    def prepare(n):
        run = Run(X, Y, layer_sizes, seed=1, learning_rate=1.0)

        def train():
            run.train(n)  # records every iteration: weights, outputs, loss, accuracy
            return run.params_at(run.newest)
        return train
    return prepare


@benchmark("engine_speedup_tutorial", target=3.0, unit="x")
def measure_engine_speedup_tutorial(sizes):
    """Run.train on the tutorial's [3, 1] net, full history, vs the tutorial's loop."""
    return race(tutorial_loop, engine_loop(TUTORIAL_X, TUTORIAL_Y, [3, 1]), sizes)


@benchmark("engine_speedup_xor", target=3.0, unit="x")
def measure_engine_speedup_xor(sizes):
    """Run.train on [3, 4, 1] xor, full history, vs Trask's classic loop."""
    calls = len(Run(XOR_X, XOR_Y, [3, 4, 1]).stepper.step_ops(1.0))
    result = race(trask_loop, engine_loop(XOR_X, XOR_Y, [3, 4, 1]), sizes,
                  floor=call_floor(calls))
    reference, floor = (statistics.median(result.speeds[k]) for k in ("reference", "floor"))
    result.details.append(
        f"floor: {calls} bare in-place numpy adds take {1e6 / floor:.2f} us per iteration, so "
        f"no {calls}-call numpy step could beat the reference by more than "
        f"{floor / reference:.2f}x")
    return result


def call_floor(calls):
    """A lower bound for a numpy step of ``calls`` calls, to set the 3x target against.

    Backprop Lab's xor step is 17 numpy calls (8 forward, 8 backward, 1 update)
    where Trask's loop makes 23 that allocate; none can be dropped without changing
    the bits (see ``nncore.stepper.Stepper``). The floor makes the cheapest numpy
    call there is, an in-place add on 4 numbers, that many times per iteration,
    with no Python around it and nothing recorded.
    """
    a, b, add = np.ones(4), np.zeros(4), np.add

    def floor(n):
        for _ in range(n):
            for _ in range(calls):
                add(a, b, a)
    return floor


SPIRAL = two_d("spiral", 200)
SPIRAL_X, SPIRAL_Y = SPIRAL[0][:, :2], SPIRAL[1]  # the biases replace the column of ones
ADAM = dict(layer_sizes=[2, 8, 8, 1], lr=0.01, batch_size=10, seed=1)


def adam_loop(record_loss):
    def prepare(n):
        weights = init_weights(ADAM["layer_sizes"], ADAM["seed"])
        biases = [np.zeros(m) for m in ADAM["layer_sizes"][1:]]

        def train():
            minibatch_adam(SPIRAL_X, SPIRAL_Y, weights, biases, ADAM["lr"], ADAM["batch_size"],
                           ADAM["seed"], n, record_loss)
            return np.concatenate([W.ravel() for W in weights] + biases)
        return train
    return prepare


def adam_engine(n):
    run = Run(SPIRAL_X, SPIRAL_Y, ADAM["layer_sizes"], learning_rate=ADAM["lr"],
              seed=ADAM["seed"], options=TrainingOptions(bias=True, optimizer="adam",
                                                         batch_size=ADAM["batch_size"]))

    def train():
        run.train(n)  # records every iteration: outputs, loss and accuracy on every row
        return run.row_at(run.newest)[:run.n_theta]
    return train


@benchmark("engine_speedup_minibatch_adam", target=2.0, unit="x")
def measure_engine_speedup_minibatch_adam(sizes):
    """Run.train on a 2-8-8-1 sigmoid net with biases, Adam, batches of 10 rows of the
    200-point spiral, vs the obvious numpy loop that records the same training curve
    (the loss on every row before each step); then, for scale, vs that loop without
    the curve."""
    result = race(adam_loop(record_loss=True), adam_engine, sizes)
    bare = race(adam_loop(record_loss=False), adam_engine,
                Sizes(sizes.iterations, min(3, sizes.pairs), sizes.history, sizes.lookups))
    result.details.append(
        f"against the loop that skips the training curve: {bare.value:.2f}x "
        f"({min(3, sizes.pairs)} pairs; Backprop Lab still records every iteration)")
    return result


def history_figures(X, Y, layer_sizes, sizes, **kwargs):
    """Train ``sizes.history`` iterations; memory held and random-access times."""
    run = Run(X, Y, layer_sizes, **kwargs)
    t = time.perf_counter()
    run.train(sizes.history)
    seconds = time.perf_counter() - t
    rng = np.random.default_rng(0)
    ms = []
    for k in rng.integers(0, run.newest + 1, size=sizes.lookups):
        t = time.perf_counter()
        run.params_at(k)
        ms.append((time.perf_counter() - t) * 1e3)
    mb = run.history_nbytes / 2**20
    o = run.options
    setting = "" if o.is_default else (f", {run.n_theta - run.n_params} biases, {o.optimizer}, "
                                        f"batches of {o.batch_size}, {len(run.test_rows)} "
                                        "rows held out")
    return [f"{layer_sizes} ({run.n_params} weights{setting}, stride {run.stride}): "
            f"{run.newest} iterations in {seconds:.1f} s, history {mb:.1f} MB; "
            f"params_at at random k: median {statistics.median(ms):.3f} ms, "
            f"p99 {np.percentile(ms, 99):.3f} ms, max {max(ms):.3f} ms"]


def engine_history_details(sizes):
    lines = history_figures(TUTORIAL_X, TUTORIAL_Y, [3, 1], sizes)
    lines += history_figures(XOR_X, XOR_Y, [3, 32, 32, 1], sizes, learning_rate=0.5)
    # random access must replay the batches and the optimizer state too
    lines += history_figures(SPIRAL_X, SPIRAL_Y, [2, 8, 8, 1], sizes, learning_rate=0.01,
                             options=TrainingOptions(bias=True, optimizer="adam",
                                                     batch_size=10, test_fraction=0.2))
    return lines


def loss_surface_details(sizes):
    """One 100x100 loss surface (the loss-surface view's grid): the tutorial's [3, 1] net
    against its 50 ms target, and the costliest case the view meets, a [3, 16, 16, 1]
    net on 200 samples with both weights in the first layer (which it draws coarser)."""
    def median_ms(X, Y, layer_sizes, pair, side, repeats):
        weights = init_weights(layer_sizes, 1)
        activations = ["sigmoid"] * (len(layer_sizes) - 1)
        values = np.linspace(-4, 4, side)
        spent = []
        for _ in range(repeats):
            t = time.perf_counter()
            loss_grid(X, Y, weights, activations, "sse", pair[0], pair[1], values, values)
            spent.append(time.perf_counter() - t)
        return 1000 * statistics.median(spent)

    repeats = 3 if sizes is QUICK else 15
    tutorial = median_ms(*builtin("tutorial"), [3, 1], (0, 2), 100, repeats)
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.uniform(-1, 1, (200, 2)), np.ones(200)])
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    wide = median_ms(X, Y, [3, 16, 16, 1], (0, 1), 100, max(1, repeats // 5))
    return [f"100x100 grid, tutorial [3, 1]: median {tutorial:.2f} ms (target <= 50 ms, "
            f"{'met' if tutorial <= 50 else 'not met'})",
            f"100x100 grid, [3, 16, 16, 1] on 200 samples, first-layer pair: {wide:.0f} ms "
            f"(the view lowers its resolution for such nets)"]


# ---- the desktop window: tests/benchmarks/window_benchmarks.py ---------------------------

from benchmarks import window_benchmarks  # noqa: E402


def window_figure(key, figure):
    def measure(sizes):
        return Result(figure(sizes is QUICK), window_benchmarks.details(key))
    return measure


for _key, (_figure, _target, _higher, _unit) in window_benchmarks.FIGURES.items():
    benchmark(_key, target=_target, higher_is_better=_higher, unit=_unit)(
        window_figure(_key, _figure))


from benchmarks import sweep_benchmarks  # noqa: E402


def sweep_figure(key, figure):
    def measure(sizes):
        return Result(figure(sizes is QUICK), sweep_benchmarks.details(key))
    return measure


for _key, (_figure, _target, _higher, _unit) in sweep_benchmarks.FIGURES.items():
    benchmark(_key, target=_target, higher_is_better=_higher, unit=_unit)(
        sweep_figure(_key, _figure))


# ---- running and reporting ------------------------------------------------------------------

def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"machine: {len(os.sched_getaffinity(0))} CPUs (nproc), {model}; "
            f"load average {load}; Python {platform.python_version()}, numpy {np.__version__}")


def met(bench, value):
    if value is None or bench.target is None:
        return "-"
    ok = value >= bench.target if bench.higher_is_better else value <= bench.target
    return "yes" if ok else "no"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the script runs")
    parser.add_argument("--json", metavar="FILE", help="write {key: value} for every key")
    parser.add_argument("--only", metavar="PREFIX", help="measure only the keys that start "
                        "with PREFIX (the others are null)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    print(machine())
    print(f"sizes: {sizes}\n")

    values, details, failed = {}, [], False
    for key, bench in BENCHMARKS.items():
        if args.only and not key.startswith(args.only):
            values[key] = None
            continue
        try:
            result = bench.measure(sizes)
        except Exception as exc:  # one broken figure must not hide the others
            result, failed = Result(None, [f"FAILED: {type(exc).__name__}: {exc}"]), True
        values[key] = result.value
        details += [f"{key}:"] + [f"  {line}" for line in result.details]
    if not args.only:
        details += ["engine history:"] + [f"  {line}" for line in engine_history_details(sizes)]
        details += ["loss surface:"] + [f"  {line}" for line in loss_surface_details(sizes)]

    print(f"{'key':28} {'value':>8} {'target':>9}  met?")
    for key, bench in BENCHMARKS.items():
        value = values[key]
        shown = "None" if value is None else f"{value:.3g}{bench.unit}"
        target = "-" if bench.target is None else (
            f"{'>=' if bench.higher_is_better else '<='} {bench.target:g}{bench.unit}")
        print(f"{key:28} {shown:>8} {target:>9}  {met(bench, value)}")
    print()
    print("\n".join(details))

    if args.json:
        Path(args.json).write_text(json.dumps(values, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
