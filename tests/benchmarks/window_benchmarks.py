"""Benchmarks of the desktop window: scrubbing, play, plot redraws, start-up, memory.

One function per key, each ``f(quick: bool) -> float``, listed in ``FIGURES`` with
its target; ``details(key)`` gives the lines behind a figure once it is measured.

Every figure comes from a fresh process running the window offscreen: the
window probe (tests/benchmarks/window_probe.py) records the history once per
network and measures everything about that network in the same process, and
the start-up probe (tests/benchmarks/startup_probe.py) times whole processes.
Each probe runs once per size however many keys read from it.
"""

from __future__ import annotations

import compileall
import functools
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# 21 start-up pairs: this shared machine's speed
# drifts within seconds, and with 9 pairs the median ratio moved
# between runs of the same code (docs/performance.md).
FULL = {"iterations": 10**6, "scrubs": 200, "play_seconds": 8.0, "growth_reps": 45,
        "startup_pairs": 21, "jobs_iterations": 3 * 10**6, "microstep_seconds": 12.0,
        "maps_updates": 201, "maps_pairs": 5, "maps_seconds": 20.0}
QUICK = {"iterations": 10**4, "scrubs": 20, "play_seconds": 1.5, "growth_reps": 5,
         "startup_pairs": 2, "jobs_iterations": 10**5, "microstep_seconds": 2.0,
         "maps_updates": 11, "maps_pairs": 1, "maps_seconds": 2.0}
PROBE_TIMEOUT_S = 600

_details: dict[str, list[str]] = {}


def details(key):
    """What stands behind a measured figure (sizes, medians, the parts of a ratio)."""
    return _details.get(key, [])


def _sizes(quick):
    return QUICK if quick else FULL


def _env():
    """Offscreen Qt, and a throw-away settings folder so that no saved layout of a
    learner's own window changes what is measured."""
    return dict(os.environ, QT_QPA_PLATFORM="offscreen",
                XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="backprop-lab-bench-"))


@functools.cache
def window_probe(net, quick):
    """The window probe's figures for ``net`` ("small" [3,1] tutorial or "large"
    [3,32,32,1] xor); the small run also measures play and redraw growth."""
    size = _sizes(quick)
    args = [sys.executable, str(HERE / "window_probe.py"), "--net", net,
            "--iterations", str(size["iterations"]), "--scrubs", str(size["scrubs"])]
    if net == "small":
        args += ["--play-seconds", str(size["play_seconds"]),
                 "--growth-reps", str(size["growth_reps"])]
    done = subprocess.run(args, capture_output=True, text=True, env=_env(),
                          timeout=PROBE_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"window probe ({net}) failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scrub(net, quick, key):
    out = window_probe(net, quick)
    _details[key] = [
        f"{out['iterations']} iterations recorded with the window open ("
        f"{out['record_seconds']:.1f} s through Run to); {out['scrubs']} seeks to random "
        f"iterations, each timed until every view has redrawn and the window painted",
        f"median {out['scrub_median_ms']:.1f} ms, p99 {out['scrub_p99_ms']:.1f} ms, max "
        f"{out['scrub_max_ms']:.1f} ms; CPU time per seek {out['scrub_cpu_ms']:.1f} ms"]
    return out["scrub_p99_ms"]


def scrub_p99_ms_small(quick):
    return _scrub("small", quick, "scrub_p99_ms_small")


def scrub_p99_ms_large(quick):
    return _scrub("large", quick, "scrub_p99_ms_large")


def _play(quick, key, figure):
    out = window_probe("small", quick)
    _details[key] = [
        f"max-speed Play for {out['play_seconds']:.1f} s from iteration {out['iterations']} "
        f"of [3, 1] tutorial",
        f"10 ms probe timer lateness: median {out['play_lateness_median_ms']:.1f} ms, p99 "
        f"{out['play_loop_lateness_p99_ms']:.1f} ms ({out['play_probe_firings']} firings)",
        f"frames painted per second: central diagram {out['play_fps_diagram']:.1f} (the "
        f"figure), plots {out['play_fps_plots']:.1f} (capped at 10 while playing)",
        f"{out['play_iterations_per_s']:.0f} iterations/s while playing, "
        f"{out['headless_iterations_per_s']:.0f} iterations/s headless Run.train (the mean "
        "of runs just before and just after Play)"]
    return out[figure]


def play_loop_lateness_p99_ms(quick):
    return _play(quick, "play_loop_lateness_p99_ms", "play_loop_lateness_p99_ms")


def play_fps(quick):
    return _play(quick, "play_fps", "play_fps")


def play_throughput_ratio(quick):
    return _play(quick, "play_throughput_ratio", "play_throughput_ratio")


def redraw_growth_ratio(quick):
    out = window_probe("small", quick)
    _details["redraw_growth_ratio"] = [
        f"one plot redraw after a step at the end (curves refreshed and painted), "
        f"{out['growth_reps']} interleaved pairs: {out['iterations']} iterations "
        f"{out['redraw_ms_big']:.2f} ms vs 1000 iterations {out['redraw_ms_small']:.2f} ms "
        f"(medians)"]
    return out["redraw_growth_ratio"]


def _peak_rss(net, quick, key):
    out = window_probe(net, quick)
    _details[key] = [f"VmHWM of a process that recorded {out['iterations']} iterations with "
                     f"the window open: {out['peak_rss_mb']:.0f} MiB"]
    return out["peak_rss_mb"]


def peak_rss_mb_small(quick):
    return _peak_rss("small", quick, "peak_rss_mb_small")


def peak_rss_mb_large(quick):
    return _peak_rss("large", quick, "peak_rss_mb_large")


@functools.cache
def jobs_probe(quick):
    """The window probe opening, then exporting, a long tutorial snapshot."""
    iterations = _sizes(quick)["jobs_iterations"]
    done = subprocess.run([sys.executable, str(HERE / "window_probe.py"), "--scrubs", "0",
                           "--jobs-iterations", str(iterations)],
                          capture_output=True, text=True, env=_env(), timeout=PROBE_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"window probe (jobs) failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _job(quick, name, what):
    out = jobs_probe(quick)
    key = f"{name}_lateness_p99_ms"
    _details[key] = [
        f"{what} of {out['jobs_iterations']} tutorial iterations in the window "
        f"({out[name + '_outcome']}): finished in {out[name + '_seconds']:.1f} s",
        f"10 ms probe timer lateness meanwhile: p99 {out[key]:.1f} ms, max "
        f"{out[name + '_lateness_max_ms']:.0f} ms ({out[name + '_probe_firings']} firings)"]
    return out[key]


def open_snapshot_lateness_p99_ms(quick):
    return _job(quick, "open_snapshot", "File > Open (validate and replay) of a snapshot")


def export_csv_lateness_p99_ms(quick):
    return _job(quick, "export_csv", "File > Export > History as CSV")


def sweep_window_lateness_p99_ms(quick):
    out = jobs_probe(quick)
    value = _job(quick, "sweep", "the Sweep dock training 1000 seeds of 3-4-1 xor")
    _details["sweep_window_lateness_p99_ms"] = _details.pop("sweep_lateness_p99_ms")
    _details["sweep_window_lateness_p99_ms"][0] = (
        f"the Sweep dock training 1000 seeds of 3-4-1 xor, "
        f"{max(10, out['jobs_iterations'] // 1500)} iterations each ({out['sweep_outcome']}): "
        f"finished in {out['sweep_seconds']:.1f} s")
    return value


def _first_frame_seconds(mode, env):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / "startup_probe.py"), mode],
                          capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"start-up probe ({mode}) failed: {done.stderr.strip()[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1]) - start


def startup_ratio(quick):
    """Whole process to first painted frame: ``backprop-lab`` over a bare QMainWindow
    with one PlotWidget. Pairs alternate which goes first; one unmeasured pair warms
    the file cache."""
    # An installed copy of the app starts from compiled bytecode (pip compiles the
    # wheel's modules), as the libraries of the bare window do. A source checkout with
    # PYTHONDONTWRITEBYTECODE set would compile every gui/nncore module on every start.
    for package in ("gui", "nncore"):
        spec = importlib.util.find_spec(package)  # wherever the probes will import it
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)
    env = _env()
    _first_frame_seconds("bare", env), _first_frame_seconds("app", env)
    ratios, app, bare = [], [], []
    for i in range(_sizes(quick)["startup_pairs"]):
        order = ("bare", "app") if i % 2 == 0 else ("app", "bare")
        seconds = {mode: _first_frame_seconds(mode, env) for mode in order}
        app.append(seconds["app"])
        bare.append(seconds["bare"])
        ratios.append(seconds["app"] / seconds["bare"])
    _details["startup_ratio"] = [
        f"{len(ratios)} interleaved pairs; backprop-lab median {statistics.median(app):.2f} s, "
        f"bare window median {statistics.median(bare):.2f} s",
        "ratios: " + ", ".join(f"{r:.2f}" for r in ratios)]
    return statistics.median(ratios)


def microstep_fps(quick):
    """The micro-step animation: the lower of Play in micro-steps at max pace and the
    update's moving edges, on a [3, 8, 8, 1] net (tests/benchmarks/microstep_probe.py;
    the tutorial's net and [3, 32, 32, 1] are in the details)."""
    seconds = _sizes(quick)["microstep_seconds"]
    done = subprocess.run([sys.executable, str(HERE / "microstep_probe.py"),
                           "--seconds", str(seconds)],
                          capture_output=True, text=True, env=_env(), timeout=PROBE_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"micro-step probe failed: {done.stderr.strip()[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    _details["microstep_fps"] = [
        f"{figures['network']}: {figures['iterations']} iterations walked phase by phase in "
        f"{seconds / 4:g} s: diagram frames painted per second {figures['play_fps']:.1f} "
        f"({figures['phases_per_s']:.1f} phases/s); the update's animation "
        f"{figures['update_fps']:.1f} frames/s over {figures['animations']} updates"
        for figures in (out["small"], out["medium"], out["large"])]
    return out["microstep_fps"]


@functools.cache
def neuron_maps_probe(quick):
    """The diagram's neuron maps on 3-8-8-8-8-8-8-1, 2-D spiral
    (tests/benchmarks/neuron_maps_probe.py)."""
    sizes = _sizes(quick)
    done = subprocess.run([sys.executable, str(HERE / "neuron_maps_probe.py"),
                           "--seconds", str(sizes["maps_seconds"]),
                           "--updates", str(sizes["maps_updates"]),
                           "--pairs", str(sizes["maps_pairs"])],
                          capture_output=True, text=True, env=_env(), timeout=PROBE_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"neuron maps probe failed: {done.stderr.strip()[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    grid = f"{out['grid']}x{out['grid']}"
    _details["neuron_maps_update_ms"] = [
        f"2-D spiral (500 points), 3-8-8-8-8-8-8-1 tanh, biases, {grid} grid: median of "
        f"{out['updates']} updates on different iterations {out['update_ms']:.2f} ms; "
        f"with the diagram's repaint {out['update_and_paint_ms']:.1f} ms"]
    _details["play_fps_neuron_maps"] = [
        f"max-speed Play, {out['pairs']} pairs maps on / maps off of "
        f"{out['play_seconds']:.1f} s each, medians: diagram frames a second "
        f"{out['play_fps_neuron_maps']:.1f} on, {out['play_fps_maps_off']:.1f} off",
        f"iterations a second against headless Run.train "
        f"({out['headless_iterations_per_s']:.0f}/s): {out['play_throughput_ratio_maps']:.2f}x "
        f"on, {out['play_throughput_ratio_maps_off']:.2f}x off (target 0.5x)"]
    return out


def neuron_maps_update_ms(quick):
    return neuron_maps_probe(quick)["update_ms"]


def play_fps_neuron_maps(quick):
    return neuron_maps_probe(quick)["play_fps_neuron_maps"]


# key -> (function, target, higher is better, unit)
FIGURES = {
    "scrub_p99_ms_small": (scrub_p99_ms_small, 16, False, " ms"),
    "scrub_p99_ms_large": (scrub_p99_ms_large, 33, False, " ms"),
    "play_loop_lateness_p99_ms": (play_loop_lateness_p99_ms, 30, False, " ms"),
    "play_fps": (play_fps, 30, True, ""),
    "play_throughput_ratio": (play_throughput_ratio, 0.5, True, "x"),
    "redraw_growth_ratio": (redraw_growth_ratio, 1.5, False, "x"),
    "startup_ratio": (startup_ratio, 1.3, False, "x"),
    "peak_rss_mb_small": (peak_rss_mb_small, 300, False, " MB"),
    "peak_rss_mb_large": (peak_rss_mb_large, 600, False, " MB"),
    "open_snapshot_lateness_p99_ms": (open_snapshot_lateness_p99_ms, 50, False, " ms"),
    "export_csv_lateness_p99_ms": (export_csv_lateness_p99_ms, 50, False, " ms"),
    "sweep_window_lateness_p99_ms": (sweep_window_lateness_p99_ms, 50, False, " ms"),
    "microstep_fps": (microstep_fps, 30, True, ""),
    "neuron_maps_update_ms": (neuron_maps_update_ms, 10, False, " ms"),
    "play_fps_neuron_maps": (play_fps_neuron_maps, 30, True, ""),
}
