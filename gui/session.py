"""The one object that owns the training state and the play timer.

Views never train or move the cursor themselves: they call a method here and
redraw when a signal says so, pulling what they need from ``session.run`` and
``session.iteration``. Play is one QTimer on the GUI thread; each tick trains for
a small time budget and then emits once, so drawing never queues behind computing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from nncore import Run, check_learning_rate
from nncore.datasets import builtin

FRAME_MS = 30  # one tick, and at most one redraw of each view, per frame: 33 a second
TRAIN_BUDGET_S = 0.008  # training per tick at a set speed
# At max speed, training is not part of a frame: it runs in slices of this length
# whenever the event loop has nothing else to do (each one announces the history it
# added), and each frame moves the cursor to the newest iteration. So the views
# draw on time, input never waits for more than a slice, and training gets all the
# time that drawing leaves.
TRAIN_SLICE_S = 0.003


@dataclass
class RunConfig:
    """Everything that defines a run at iteration 0; changing any of it starts anew."""
    dataset_name: str = "tutorial"
    X: np.ndarray = field(default_factory=lambda: builtin("tutorial")[0])
    Y: np.ndarray = field(default_factory=lambda: builtin("tutorial")[1])
    layer_sizes: list = field(default_factory=lambda: [3, 1])
    activations: list | None = None
    loss: str = "sse"
    learning_rate: float = 1.0
    seed: int = 1

    def make_run(self):
        return Run(self.X, self.Y, self.layer_sizes, self.activations, self.loss,
                   self.learning_rate, self.seed)


@dataclass
class SnapshotEntry:
    """One "Take snapshot" entry: a run and an iteration in it, with its figures."""
    run: Run
    iteration: int
    params: np.ndarray
    loss: float
    accuracy: float
    dataset_name: str
    changes: tuple = ()  # the run's hand-made changes up to ``iteration``, to replay it

    @property
    def label(self):
        return (f"iteration {self.iteration}  loss {self.loss:.4g}  "
                f"accuracy {self.accuracy:.0%}")


class TrainingSession(QObject):
    """Owns the run, the current iteration (the cursor), play and the snapshot list.

    Signals
    -------
    sigRunReplaced: a different run (new architecture, dataset, seed, or a file).
    sigHistoryChanged: the recorded history grew or was cut short.
    sigIterationChanged(int): the cursor moved.
    sigPlayingChanged(bool), sigMessage(str) for the status bar,
    sigRunToProgress(int done, int total) while a "Run to" job works (total 0 = finished),
    sigSnapshotsChanged, sigCompareChanged, sigSampleChanged(int), sigEdgeSelected(object),
    sigProbeChanged(object): a typed input vector (or None) to show on the diagram.
    """

    sigRunReplaced = Signal()
    sigHistoryChanged = Signal()
    sigIterationChanged = Signal(int)
    sigPlayingChanged = Signal(bool)
    sigMessage = Signal(str)
    sigRunToProgress = Signal(int, int)
    sigSnapshotsChanged = Signal()
    sigCompareChanged = Signal()
    sigSampleChanged = Signal(int)
    sigEdgeSelected = Signal(object)
    sigProbeChanged = Signal(object)

    def __init__(self, config=None, parent=None):
        super().__init__(parent)
        self.config = config or RunConfig()
        self.run = self.config.make_run()
        self.iteration = 0
        self.speed = 0.0  # iterations per second while playing; 0 means as fast as possible
        self.sample = 0
        self.selected_edge = None  # (layer, row, col) or None
        self.probe = None  # an input vector typed by the learner, or None
        self.snapshots: list[SnapshotEntry] = []
        self.compare = None  # (entry_a, entry_b) or None
        self.run_to_target = None
        self._run_to_start = 0
        self._owed = 0.0  # fractional iterations owed at a finite speed
        self._steps_per_tick = 256  # how far max-speed play moves through recorded history
        self._last_tick = time.perf_counter()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)  # frames 30 ms apart, not 28 or 33
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._tick)
        # Max-speed training, one slice per firing when the event loop is idle. It is
        # single-shot and re-armed after each slice: a repeating zero timer keeps the
        # time of its first firing and so goes before every timer that came due
        # during a slice; re-armed, it goes after them.
        self.trainer = QTimer(self)
        self.trainer.setSingleShot(True)
        self.trainer.timeout.connect(self._train_slice)

    # ---- state queries ----------------------------------------------------------------

    @property
    def playing(self):
        return self.timer.isActive() and self.run_to_target is None

    @property
    def busy(self):
        """True while a "Run to" job is working."""
        return self.run_to_target is not None

    @property
    def at_end(self):
        return self.iteration == self.run.newest

    @property
    def can_step(self):
        return not (self.at_end and self.run.diverged_at is not None)

    def weights(self):
        """W at the cursor, as matrices."""
        return self.run.weights_at(self.iteration)

    # ---- moving the cursor ---------------------------------------------------------------

    def seek(self, k):
        """Show iteration ``k`` (clamped to the history)."""
        k = int(min(max(int(k), 0), self.run.newest))
        if k != self.iteration:
            self.iteration = k
            self.sigIterationChanged.emit(k)

    def step(self):
        """One iteration forward: along the recorded timeline, then by training."""
        if self.at_end:
            if not self._train(1):
                return False
        self.seek(self.iteration + 1)
        return True

    def step_back(self):
        self.seek(self.iteration - 1)

    def reset(self):
        self.pause()
        self.seek(0)

    def _train(self, n, seconds=None):
        """Train ``n`` more iterations at the end of the history; False if refused."""
        run = self.run
        if run.diverged_at is not None:
            self.pause()
            self.sigMessage.emit(f"Diverged at iteration {run.diverged_at}: step back, or "
                                 "lower the learning rate, to continue.")
            return False
        done = run.train(n, seconds)
        if done:
            self.sigHistoryChanged.emit()
        if run.diverged_at is not None:
            self.pause()
            self.sigHistoryChanged.emit()
            self.sigMessage.emit(f"Diverged at iteration {run.diverged_at}; kept the last "
                                 f"finite state (iteration {run.newest}).")
        return done > 0

    # ---- play ------------------------------------------------------------------------------

    def play(self):
        if self.playing or self.busy or not self.can_step:
            if not self.can_step:
                self._train(0)  # says why
            return
        self._owed = 0.0
        self._last_tick = time.perf_counter()
        self.timer.start()
        if self.speed == 0 and self.at_end:
            self.trainer.start()
        self.sigPlayingChanged.emit(True)

    def pause(self):
        if self.playing:
            self.timer.stop()
            self.trainer.stop()
            self.sigPlayingChanged.emit(False)

    def toggle_play(self):
        self.pause() if self.playing else self.play()

    def set_speed(self, iterations_per_second):
        """0 means as fast as the engine goes."""
        self.speed = max(0.0, float(iterations_per_second))

    def run_to(self, target):
        """Move to iteration ``target``, training as needed, without blocking the UI."""
        target = max(0, int(target))
        self.pause()
        if target <= self.run.newest:
            self.seek(target)
            return
        self.run_to_target = target
        self._run_to_start = self.run.newest
        self.timer.start()

    def cancel_run_to(self):
        if self.run_to_target is not None:
            self.run_to_target = None
            self.timer.stop()
            self.seek(self.run.newest)
            self.sigRunToProgress.emit(0, 0)
            self.sigMessage.emit(f"Run stopped at iteration {self.run.newest}.")

    def _tick(self):
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        if self.run_to_target is not None:
            self._tick_run_to()
            return
        if self.speed == 0:
            self._tick_max_speed()
            return
        self.trainer.stop()  # the speed was set while playing at max speed
        self._owed += self.speed * elapsed
        steps = int(self._owed)
        self._owed -= steps
        if steps == 0:
            return
        target = self.iteration + steps
        if target > self.run.newest:
            self._train(target - self.run.newest, TRAIN_BUDGET_S)
        self.seek(min(target, self.run.newest))

    def _tick_max_speed(self):
        """A frame of max-speed Play. From the past, move through the recorded
        history in steps the size of the last frame's training; at the end, show
        the newest iteration the training slices made (a frame whose slices did not
        get to run trains one itself, so Play always moves)."""
        if not self.trainer.isActive():
            self.seek(self.iteration + self._steps_per_tick)
            if not (self.at_end and self.can_step):
                return
            self.trainer.start()
        if self.run.newest == self.iteration:
            self._train_slice()
        gained = self.run.newest - self.iteration
        if gained:
            self._steps_per_tick = gained
            self.seek(self.run.newest)

    def _train_slice(self):
        if self.playing and self._train(10**9, TRAIN_SLICE_S) and self.playing:
            self.trainer.start()
        else:
            self.trainer.stop()
        if self.run.diverged_at is not None:
            self.seek(self.run.newest)

    def _tick_run_to(self):
        target, run = self.run_to_target, self.run
        self._train(target - run.newest, TRAIN_BUDGET_S * 3)
        total = target - self._run_to_start
        if run.newest >= target or run.diverged_at is not None:
            self.run_to_target = None
            self.timer.stop()
            self.seek(run.newest)
            self.sigRunToProgress.emit(0, 0)
        else:
            self.sigRunToProgress.emit(run.newest - self._run_to_start, total)

    # ---- changes -------------------------------------------------------------------------

    def new_run(self, **changes):
        """Start a new run at iteration 0 with some settings changed (see RunConfig)."""
        config = RunConfig(**{**self.config.__dict__, **changes})
        run = config.make_run()  # raises ValueError before anything changes
        self.config = config
        self._replace(run, 0)

    def set_run(self, run, iteration, dataset_name="file"):
        """Adopt a run made elsewhere (a loaded snapshot), showing ``iteration``."""
        self.config = RunConfig(dataset_name, run.X, run.Y, list(run.layer_sizes),
                                list(run.activations), run.loss, run.initial_learning_rate,
                                run.seed)
        self._replace(run, iteration)

    def _replace(self, run, iteration):
        self.pause()
        self.cancel_run_to()
        had_compare, had_edge = self.compare is not None, self.selected_edge is not None
        drop_probe = self.probe is not None and self.probe.shape != (run.layer_sizes[0],)
        self.run = run
        self.iteration = min(iteration, run.newest)
        self.sample = min(self.sample, run.X.shape[0] - 1)
        self.selected_edge = None
        self.compare = None
        if drop_probe:
            self.probe = None  # a typed input that no longer fits the input layer
        self.sigRunReplaced.emit()
        # Announce what the new run dropped, so that no view keeps showing it.
        if had_compare:
            self.sigCompareChanged.emit()
        if had_edge:
            self.sigEdgeSelected.emit(None)
        if drop_probe:
            self.sigProbeChanged.emit(None)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def set_learning_rate(self, rate):
        """Train with ``rate`` from the current iteration on; later iterations go."""
        rate = check_learning_rate(rate)
        if rate == self.run.learning_rate_at(self.iteration):
            return
        self.run.set_learning_rate(self.iteration, rate)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def set_weight(self, layer, row, col, value):
        """Edit one weight at the current iteration; later iterations go."""
        self.run.set_weight(self.iteration, layer, row, col, value)
        self.sigHistoryChanged.emit()
        self.sigIterationChanged.emit(self.iteration)

    def select_sample(self, index):
        index = int(min(max(index, 0), self.run.X.shape[0] - 1))
        if index != self.sample:
            self.sample = index
            self.sigSampleChanged.emit(index)

    def select_edge(self, edge):
        self.selected_edge = edge
        self.sigEdgeSelected.emit(edge)

    def set_probe(self, vector):
        self.probe = None if vector is None else np.asarray(vector, dtype=float)
        self.sigProbeChanged.emit(self.probe)

    # ---- in-session snapshots --------------------------------------------------------------

    def take_snapshot(self):
        k = self.iteration
        run = self.run
        entry = SnapshotEntry(run, k, run.params_at(k), float(run.losses[k]),
                              float(run.accuracies[k]), self.config.dataset_name,
                              tuple(c for c in run.changes if c.iteration <= k))
        self.snapshots.append(entry)
        self.sigSnapshotsChanged.emit()
        return entry

    def snapshot_run(self, entry):
        """A run whose iteration ``entry.iteration`` is exactly the snapshot: its own
        run while that history still holds it; after an edit of the past discarded it,
        a replay of the snapshot from the initial weights (which ``entry`` then keeps)."""
        run, k = entry.run, entry.iteration
        if k <= run.newest and np.array_equal(run.params_at(k), entry.params):
            return run
        replayed = Run(run.X, run.Y, run.layer_sizes, run.activations, run.loss,
                       run.initial_learning_rate, run.seed, run.unflatten(run.initial_params))
        replayed.replay(entry.changes, k)
        entry.run = replayed
        return replayed

    def jump_to_snapshot(self, entry):
        run = self.snapshot_run(entry)
        if run is not self.run:
            self.set_run(run, entry.iteration, entry.dataset_name)
        else:
            self.pause()
            self.seek(entry.iteration)

    def compare_snapshots(self, a, b):
        """Colour the diagram by W_b - W_a (when both fit the current network)."""
        if a is None or b is None:
            self.compare = None
        elif a.params.shape != b.params.shape or a.params.shape != (self.run.n_params,):
            self.sigMessage.emit("Those snapshots belong to networks of different shapes.")
            self.compare = None
        else:
            self.compare = (a, b)
        self.sigCompareChanged.emit()

    def shutdown(self):
        """Stop the timer for good (the window is closing)."""
        self.run_to_target = None
        self.timer.stop()
        self.trainer.stop()
