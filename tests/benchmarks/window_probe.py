"""Measure the main window in a process of its own; print one JSON object.

    python tests/benchmarks/window_probe.py --net small --iterations 1000000 \
        --scrubs 200 --play-seconds 6 --growth-reps 25

One process per network, because recording 10^6 iterations is the slow part and
every figure about that network can share it; a fresh process also makes its
peak RSS mean what it says. In order:

1. record: open the window offscreen (1400x900), then "Run to" ``--iterations``
   through the session, as a learner would, with every view following. Peak RSS
   (VmHWM) is read right after: a process that recorded the history with the
   window open.
2. scrub: ``session.cursor.seek`` to random iterations; each is timed from the request
   until the views' pending redraws have run and the window has painted
   (``QWidget.repaint`` paints synchronously; paint events on the diagram and the
   plots are counted to prove it happened).
3. growth (small only): one plot redraw after a step at the end of the history,
   this window versus a second window holding 10^3 iterations, interleaved.
4. play (small only): max-speed Play from the end of the recorded history. A 10 ms
   single-shot probe timer, re-armed at each firing, records how late it fires;
   paint events of the central diagram count frames (it shows every frame's state;
   the plots, which redraw at most 10 times a second while playing, are counted
   too and reported beside it); iterations gained per second are compared with
   ``Run.train`` on the same network, headless, in this same process right after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from shiboken6 import isValid  # noqa: E402

NETS = {"small": ("tutorial", [3, 1]), "large": ("xor", [3, 32, 32, 1])}
WINDOW_SIZE = (1400, 900)
PROBE_MS = 10


def peak_rss_mb():
    """VmHWM of this process in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def percentile(values, q):
    return float(np.percentile(np.asarray(values, dtype=float), q))


class PaintCounter(QObject):
    """Counts paint events of some widgets (filters them, never eats them)."""

    def __init__(self, widgets):
        super().__init__()
        self.counts = {w: 0 for w in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj in self.counts:
            self.counts[obj] += 1
        return False

    def snapshot(self):
        return list(self.counts.values())


def make_window(app, net, temp):
    from gui.main_window import MainWindow
    from gui.session import RunConfig, TrainingSession
    from nncore.datasets import builtin

    dataset, sizes = NETS[net]
    X, Y = builtin(dataset)
    session = TrainingSession(RunConfig(dataset, X, Y, list(sizes)))
    settings = QSettings(os.path.join(temp, f"{net}-{time.perf_counter_ns()}.ini"),
                         QSettings.IniFormat)
    window = MainWindow(session, settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(app, window)
    return window, session


class FrameWatch(QObject):
    """Knows when the window is idle: the views have run the redraws they scheduled
    and the window has painted what they changed.

    Widgets that change call ``update()``; Qt then posts one UpdateRequest to the
    top-level window, which paints every dirty region in one pass. So the window
    is idle after an event-loop pass in which no UpdateRequest arrived and no
    visible view still has a short single-shot (redraw) timer pending.
    """

    def __init__(self, app, window):
        super().__init__()
        self.app, self.window = app, window
        self.updates = 0
        window.installEventFilter(self)
        self.refresh_timers()

    def refresh_timers(self):
        """Find the views' timers again (views may be rebuilt; not timed)."""
        self.timers = []
        for timer in self.window.findChildren(QTimer):
            owner = timer.parent()
            while owner is not None and not isinstance(owner, QWidget):
                owner = owner.parent()
            if owner is not None:
                self.timers.append((timer, owner))

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.UpdateRequest:
            self.updates += 1
        return False

    def pending(self):
        """Redraws scheduled by views that are on screen (a tabbed-away dock is
        moved off the window and counts as hidden)."""
        return [t for t, owner in self.timers
                if isValid(t) and t.isActive() and t.isSingleShot() and t.interval() <= 100
                and isValid(owner) and not owner.visibleRegion().isEmpty()]

    def settle(self, quiet_passes=2, limit_s=10.0):
        """Process events until the window is idle; returns the UpdateRequests seen."""
        first, quiet = self.updates, 0
        deadline = time.perf_counter() + limit_s
        while quiet < quiet_passes and time.perf_counter() < deadline:
            before = self.updates
            self.app.processEvents(QEventLoop.AllEvents)
            busy = self.updates != before or self.pending()
            quiet = 0 if busy else quiet + 1
        return self.updates - first


def settle(app, window):
    """Untimed helper: let the window finish whatever it is doing."""
    FrameWatch(app, window).settle()


def run_loop(seconds=None, until=None, poll_ms=20):
    """Run the real event loop for ``seconds``, or until ``until()`` is true."""
    loop = QEventLoop()
    if seconds is not None:
        QTimer.singleShot(int(seconds * 1000), loop.quit)
    if until is not None:
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if until() else None)
        poll.start(poll_ms)
    loop.exec()


def record(app, window, session, iterations):
    start = time.perf_counter()
    session.player.run_to(iterations)
    run_loop(until=lambda: not session.player.busy)
    seconds = time.perf_counter() - start
    settle(app, window)
    assert session.run.newest == iterations, session.run.newest
    return {"record_seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def scrub(app, window, session, n, seed=5):
    rng = np.random.default_rng(seed)
    views = [window.network_view.graphics.viewport(), window.plots_view.graphics.viewport()]
    counter = PaintCounter(views)
    watch = FrameWatch(app, window)
    times, cpu = [], 0.0
    for k in rng.integers(0, session.run.newest + 1, size=n):
        k = int(k) if int(k) != session.iteration else max(0, int(k) - 1)
        watch.refresh_timers()
        before = counter.snapshot()
        start, start_cpu = time.perf_counter(), time.process_time()
        session.cursor.seek(k)
        watch.settle()
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - start_cpu
        after = counter.snapshot()
        assert all(a > b for a, b in zip(after, before, strict=True)), "a view did not paint"
    ms = np.array(times) * 1000
    return {"scrubs": n, "scrub_p99_ms": percentile(ms, 99),
            "scrub_median_ms": percentile(ms, 50), "scrub_max_ms": float(ms.max()),
            "scrub_cpu_ms": 1000 * cpu / n}


def plot_redraw_seconds(app, window, session):
    """One plot redraw as Play causes it: a step at the end of the history, then
    the plots' refresh of every curve and a synchronous paint of the plots. The
    rest of the window (cursor, counters, diagram) is brought up to date first,
    untimed, so that only the plots are timed."""
    plots = window.plots_view
    session.cursor.step()
    plots.redraw.timer.stop()  # run below, timed
    settle(app, window)
    start = time.perf_counter()
    plots.redraw.run_now()
    plots.graphics.viewport().repaint()
    return time.perf_counter() - start


def growth(app, window, session, temp, reps):
    from gui.session import RunConfig, TrainingSession  # noqa: F401

    small_window, small_session = make_window(app, "small", temp)
    small_session.player.run_to(1000)
    run_loop(until=lambda: not small_session.player.busy)
    settle(app, small_window)
    session.cursor.seek(session.run.newest)
    settle(app, window)
    big, small = [], []
    for _ in range(reps):
        big.append(plot_redraw_seconds(app, window, session))
        small.append(plot_redraw_seconds(app, small_window, small_session))
    small_window.close()
    small_window.deleteLater()
    app.processEvents()
    return {"growth_reps": reps, "redraw_ms_big": 1000 * float(np.median(big)),
            "redraw_ms_small": 1000 * float(np.median(small)),
            "redraw_growth_ratio": float(np.median(big) / np.median(small))}


class LatenessProbe(QObject):
    """A 10 ms single-shot timer, re-armed when it fires: how late is each firing?"""

    def __init__(self):
        super().__init__()
        self.late_ms = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._fired)

    def start(self):
        self.armed = time.perf_counter()
        self.timer.start(PROBE_MS)

    def _fired(self):
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self.armed) * 1000 - PROBE_MS))
        self.start()

    def stop(self):
        self.timer.stop()


def headless_rate(session, seconds):
    """Iterations per second of ``Run.train`` on the same network, no window involved."""
    run = session.cursor.config.make_run()
    run.train(1000)  # warm up
    start = time.perf_counter()
    done = run.train(10**9, seconds=seconds)
    return done / (time.perf_counter() - start)


def play(app, window, session, seconds):
    session.cursor.seek(session.run.newest)
    session.player.set_pace("max")
    settle(app, window)
    # The engine alone, half just before Play and half just after: this machine's
    # speed drifts within seconds, and one side alone could catch a slow
    # or a fast moment that Play did not have.
    headless_before = headless_rate(session, min(seconds, 3.0) / 2)
    views = [window.network_view.graphics.viewport(), window.plots_view.graphics.viewport()]
    counter = PaintCounter(views)
    probe = LatenessProbe()
    first = session.run.newest
    probe.start()
    start = time.perf_counter()
    session.player.play()
    run_loop(seconds=seconds)
    session.player.pause()
    elapsed = time.perf_counter() - start
    probe.stop()
    gained = session.run.newest - first
    frames = counter.snapshot()
    rate = gained / elapsed
    headless = (headless_before + headless_rate(session, min(seconds, 3.0) / 2)) / 2
    return {"play_seconds": elapsed, "play_probe_firings": len(probe.late_ms),
            "play_loop_lateness_p99_ms": percentile(probe.late_ms, 99),
            "play_lateness_median_ms": percentile(probe.late_ms, 50),
            "play_fps": frames[0] / elapsed,
            "play_fps_diagram": frames[0] / elapsed, "play_fps_plots": frames[1] / elapsed,
            "play_iterations_per_s": rate, "headless_iterations_per_s": headless,
            "play_throughput_ratio": rate / headless}


def long_jobs(app, window, temp, iterations):
    """Event-loop lateness while the window opens a snapshot of ``iterations``
    tutorial iterations, and while it exports that history as CSV; and how long each
    takes to finish."""
    from nncore import Run, builtin
    from nncore.snapshot import save_snapshot

    run = Run(*builtin("tutorial"), [3, 1], seed=1)
    run.train(iterations)
    path = os.path.join(temp, "long.json")
    save_snapshot(path, run, iterations, "tutorial")
    del run
    out = {"jobs_iterations": iterations}
    for name, start in (("open_snapshot", lambda: window.files.open_snapshot(path)),
                        ("export_csv", lambda: window.files.export_history(
                            os.path.join(temp, "history.csv"))),
                        ("sweep", window.docks["SweepDock"].start)):
        if name == "sweep":
            prepare_sweep(window, iterations)
        settle(app, window)
        probe = LatenessProbe()
        probe.start()
        begun = time.perf_counter()
        job = start()
        ended = []
        if not isinstance(job, bool):  # a long job: it runs from the event loop
            job.sigEnded.connect(ended.append)
            run_loop(until=lambda ended=ended: ended)
        out[f"{name}_seconds"] = time.perf_counter() - begun
        probe.stop()
        out[f"{name}_outcome"] = ended[0] if ended else str(job)
        out[f"{name}_lateness_p99_ms"] = percentile(probe.late_ms or [0.0], 99)
        out[f"{name}_probe_firings"] = len(probe.late_ms)
        out[f"{name}_lateness_max_ms"] = max(probe.late_ms or [0.0])
    return out


def prepare_sweep(window, iterations):
    """The Sweep dock in front, set to train 1000 seeds of a 3-4-1 xor net for
    iterations / 1500 updates each (2000 at full size)."""
    from nncore import builtin

    X, Y = builtin("xor")
    window.session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 4, 1],
                           activations=["sigmoid", "sigmoid"])
    dock = window.docks["SweepDock"]
    dock.raise_()
    dock.build()  # as showing its tab does
    dock.seeds.setText("0-999")
    dock.iterations.setText(str(max(10, iterations // 1500)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", choices=sorted(NETS), default="small")
    parser.add_argument("--iterations", type=int, default=10**6)
    parser.add_argument("--scrubs", type=int, default=200)
    parser.add_argument("--play-seconds", type=float, default=0)
    parser.add_argument("--growth-reps", type=int, default=0)
    parser.add_argument("--jobs-iterations", type=int, default=0,
                        help="measure opening and exporting a snapshot this long instead")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    out = {"net": args.net, "iterations": args.iterations}
    with tempfile.TemporaryDirectory() as temp:
        window, session = make_window(app, args.net, temp)
        if args.jobs_iterations:
            out.update(long_jobs(app, window, temp, args.jobs_iterations))
        else:
            out.update(record(app, window, session, args.iterations))
        if args.scrubs:
            out.update(scrub(app, window, session, args.scrubs))
        if args.growth_reps:
            out.update(growth(app, window, session, temp, args.growth_reps))
        if args.play_seconds:
            out.update(play(app, window, session, args.play_seconds))
        window.close()
        window.deleteLater()
        app.processEvents()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
