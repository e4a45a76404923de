"""Soak: play through 10^6 iterations with the window open, sampling memory.

    python tests/soak.py                       # [3,1] on the tutorial data, 10^6 iterations
    python tests/soak.py --layers 3,32,32,1 --iterations 1000000

The real event loop runs, as for a learner who pressed Play at max speed and left
the window open: the play timer trains for half of each frame, the views redraw at
their own pace. Every ``--every`` seconds the process's resident memory (VmRSS) and
its peak so far (VmHWM, from /proc/self/status) are sampled; the curve is printed
as ``iteration  rss_mb  peak_mb  seconds`` at every tenth of the way and at the end,
then the peak and what the recorded history itself takes. The benchmark targets
(docs/performance.md) are a peak of 300 MB for [3,1] and 600 MB for [3,32,32,1]; the exit status
is 1 when the peak is over ``--limit`` (default: those targets), else 0.

Not a CI test: it takes minutes. Runs offscreen unless a display is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS_MB = {(3, 1): 300, (3, 32, 32, 1): 600}


def memory_mb():
    """(VmRSS, VmHWM) of this process in MiB."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024  # kB
    return values["VmRSS"], values["VmHWM"]


def row(sample):
    iteration, rss, peak, seconds = sample
    return f"{iteration:9d}  {rss:7.1f}  {peak:7.1f}  {seconds:6.1f}"


def history_mb(run):
    """Bytes of the run's recorded history (rows written so far)."""
    return run.history_nbytes / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--layers", default="3,1", help="layer sizes, e.g. 3,32,32,1")
    parser.add_argument("--dataset", default="tutorial", help="a built-in dataset name")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--limit", type=float, default=None,
                        help="peak RSS allowed in MiB (default: the benchmark target)")
    args = parser.parse_args(argv)
    layers = [int(n) for n in args.layers.split(",")]
    if not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, REPO)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    from gui.main_window import MainWindow

    folder = tempfile.mkdtemp(prefix="backprop-lab-soak-")
    window = MainWindow(settings=QSettings(os.path.join(folder, "s.ini"), QSettings.IniFormat))
    window.resize(1400, 900)
    window.show()
    session = window.session
    activations = ["sigmoid"] * (len(layers) - 1)
    session.new_run(layer_sizes=layers, activations=activations,
                    dataset_name=args.dataset, **_dataset(args.dataset))
    session.player.set_pace("max")  # as fast as the engine goes
    start = time.perf_counter()
    samples = [(0, *memory_mb(), 0.0)]
    milestones = iter([args.iterations * i // 10 for i in range(1, 11)])
    next_milestone = next(milestones)

    def sample():
        nonlocal next_milestone
        run = session.run
        samples.append((run.newest, *memory_mb(), time.perf_counter() - start))
        if next_milestone is not None and run.newest >= next_milestone:
            print(row(samples[-1]), flush=True)
            while next_milestone is not None and run.newest >= next_milestone:
                next_milestone = next(milestones, None)
        if run.newest >= args.iterations or run.diverged_at is not None:
            session.player.pause()
            app.quit()
        elif not session.player.playing:  # e.g. a redraw error paused it: say so and stop
            print("play stopped at iteration", run.newest, file=sys.stderr)
            app.quit()

    sampler = QTimer()
    sampler.timeout.connect(sample)
    sampler.start(int(args.every * 1000))
    print(f"soak: layers {layers}, dataset {args.dataset}, {args.iterations} iterations, "
          f"window {window.width()}x{window.height()}, QT_QPA_PLATFORM="
          f"{os.environ.get('QT_QPA_PLATFORM', '(display)')}")
    print(f"{'iteration':>9}  {'rss_mb':>7}  {'peak_mb':>7}  {'sec':>6}")
    print(row(samples[0]), flush=True)
    session.player.play()
    app.exec()
    sampler.stop()
    run = session.run
    final = (run.newest, *memory_mb(), time.perf_counter() - start)
    if final[0] != samples[-1][0]:
        print(row(final))
    peak = max(s[2] for s in samples + [final])
    limit = args.limit if args.limit is not None else TARGETS_MB.get(tuple(layers))
    print(f"peak RSS {peak:.1f} MiB (VmHWM); start {samples[0][1]:.1f} MiB; "
          f"history arrays {history_mb(run):.1f} MiB for {run.newest + 1} iterations; "
          f"{run.newest / final[3]:.0f} iterations/s overall"
          + (f"; limit {limit} MiB" if limit else ""))
    window.close()
    return 1 if limit and peak > limit else 0


def _dataset(name):
    from nncore.datasets import builtin

    X, Y = builtin(name)
    return {"X": X, "Y": Y}


if __name__ == "__main__":
    sys.exit(main())
