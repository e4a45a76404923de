"""The Sweep dock: train the current network for many seeds and learning rates at
once (:mod:`nncore.sweep`) and read what the seed and the rate do.

The sweep takes everything else from the run on screen (dataset, layers,
activations, loss, training options). It trains in slices on the GUI thread
(:class:`~gui.common.sliced_job.SlicedJob`), with a progress bar and Cancel; a
cancelled sweep leaves the previous results on show. Each slice of the job is one
yield (about one slice's worth of training), and the end of the sweep (the status
and table, then each plot) is a few more yields: every piece and the paint it causes
get an event-loop turn of their own, so input never waits for the whole of it.
Clicking a row of the table, or a point of the rate plot, opens that run in the
main timeline, replayed by the single-run engine (the same numbers, bit for bit),
at its last iteration.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.common.lazy_dock import LazyDock
from gui.common.sliced_job import SLICE_S, SlicedJob, start_job
from nncore import atomic_write
from nncore.number_text import read_whole

# The sweep engine and the tab's views are imported when the tab is first built or
# used (in the methods below): start-up pays only for what the first frame shows.

MAX_RUNS = 10_000  # in the window: the table and the plots stay quick
MAX_ITERATIONS = 10**6
FIRST_CHUNK = 8  # iterations; later chunks are sized by how long this one took (_work)
CHUNK_SECONDS = SLICE_S  # one chunk of training per turn of the event loop


class SweepDock(LazyDock):
    """``sweep``: the results on show (None before the first). ``job``: the sweep being
    trained, if any. ``opened``: the last run opened in the timeline. Built lazily (its
    three plots cost the window's start-up otherwise) when ``lazy``."""

    sigSweepShown = Signal()

    def __init__(self, session, parent=None, clock=time.perf_counter, lazy=False):
        super().__init__("Sweep", parent)
        self.setObjectName("sweep_dock")
        self.session, self.clock = session, clock
        self.sweep = self.job = self.opened = None
        self._dataset = None
        self._drawing = False  # the job is showing its results (see _work)
        self.build_now_or_when_shown(lazy)
        if parent is not None:  # the window closing ends a sweep in progress
            parent.installEventFilter(self)

    def _build(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.seeds = self._field(row, "Seeds", "0-99", "A range such as 0-999, or a list "
                                 "such as 1,5,9: each seed draws its own initial weights")
        self.rates = self._field(row, "Learning rates", "1", "One rate, or several such as "
                                 "0.1,0.3,1,3: every seed trains with each")
        self.iterations = self._field(row, "Iterations", "2000", "Updates per run")
        self.start_button = QPushButton("Run sweep")
        self.start_button.setToolTip("Train every seed with every learning rate, the rest "
                                     "as the network on screen")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_export)
        layout.addLayout(row)
        buttons = QHBoxLayout()  # a row of its own: the dock stays narrow enough to tab
        for button in (self.start_button, self.cancel_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        keep_room = self.progress.sizePolicy()  # showing it moves and repaints nothing else
        keep_room.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(keep_room)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("Pick seeds and learning rates, then Run sweep.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        from gui.docks.sweep_plots import SweepPlots
        from gui.docks.sweep_table import SweepTableModel

        self.plots = SweepPlots(self.open_run)
        self.model = SweepTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.table.setEditTriggers(QTableView.NoEditTriggers)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.verticalHeader().hide()
        self.table.clicked.connect(lambda index: self.open_run(self.run_of_row(index.row())))
        self.tabs = QTabWidget()
        for widget, title in ((self.plots.curves, "Loss curves"),
                              (self.plots.rates, "Loss vs learning rate"),
                              (self.plots.spread, "Spread over runs"), (self.table, "Runs")):
            self.tabs.addTab(widget, title)
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)

    @staticmethod
    def _field(row, label, text, tip):
        field = QLineEdit(text)
        field.setToolTip(tip)
        field.setMinimumWidth(field.fontMetrics().horizontalAdvance("0.01,0.1,1") + 12)
        row.addWidget(QLabel(label))
        row.addWidget(field)
        return field

    # ---- training --------------------------------------------------------------------

    def start(self):
        """Read the fields and start the sweep (returns its job); a bad field is said
        in the status (returns None)."""
        if self.job is not None and self.job.running:
            return None
        try:
            swept = self._make_sweep()
        except ValueError as exc:
            self._say(f"Not started: {exc}", error=True)
            return None
        swept.chunk = min(swept.chunk, FIRST_CHUNK)
        self._say(f"Training {swept.runs} runs…")
        self.progress.setRange(0, swept.iterations)
        self.progress.setValue(0)
        self.progress.show()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        # slice_seconds=0: one yield per turn; _work sizes the yields to a slice
        self.job = SlicedJob(self._work(swept), self._finished, self._failed, self.clock,
                             slice_seconds=0, parent=self)
        self.job.sigProgress.connect(lambda done, _total: self.progress.setValue(done))
        self.job.sigEnded.connect(self._ended)
        return self.job.start()

    def _make_sweep(self):
        from nncore.sweep import Sweep
        from nncore.sweep_results import parse_rates, parse_seeds

        seeds = parse_seeds(self.seeds.text(), MAX_RUNS)
        rates = parse_rates(self.rates.text())
        if len(seeds) * len(rates) > MAX_RUNS:
            raise ValueError(f"seeds x learning rates: {len(seeds) * len(rates)} runs; the "
                             f"window trains up to {MAX_RUNS} at once")
        iterations, why = read_whole(self.iterations.text().strip())
        if why is not None or not 1 <= iterations <= MAX_ITERATIONS:
            raise ValueError(f"iterations: expected a whole number from 1 to "
                             f"{MAX_ITERATIONS}, got {self.iterations.text()!r}")
        config = self.session.cursor.config
        self._dataset = config.dataset_name
        return Sweep.grid(config.X, config.Y, config.layer_sizes, config.activations,
                          config.loss, seeds, rates, iterations=iterations,
                          options=config.options, exact=True)  # each curve is the run it opens

    def _work(self, swept):
        """The sweep's steps, each chunk resized to take about CHUNK_SECONDS (the
        numbers do not depend on where chunks end, only the window's lateness does)."""
        started = self.clock()
        for done in swept.steps():
            now = self.clock()
            spent, started = now - started, now
            if done and spent > 0:
                scale = min(4.0, max(0.25, CHUNK_SECONDS / spent))
                swept.chunk = max(1, int(swept.chunk * scale))
            yield done, swept.iterations
        self._drawing = True  # the results replace the previous ones: no cancel now
        self.cancel_button.setEnabled(False)
        try:
            yield from self._show_steps(swept)
        finally:
            self._drawing = False
        return swept

    def _show_steps(self, swept):
        """The results, a piece per yield: the status and the table, then each plot."""
        self.sweep = swept
        self.export_button.setEnabled(True)
        self.model.show(swept)
        self._say(self.summary())
        yield swept.iterations, swept.iterations
        for _ in self.plots.show_steps(swept):
            yield swept.iterations, swept.iterations

    def cancel(self):
        """Stop the training; once the results are being drawn, they finish."""
        if self.job is not None and not self._drawing:
            self.job.cancel()

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Close and watched is self.parent():
            self.cancel()
        return super().eventFilter(watched, event)  # the stand-in's paint, while lazy

    def _ended(self, outcome):
        self.progress.hide()
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if outcome == "cancelled":
            kept = "the previous results are still shown" if self.sweep else "nothing shown"
            self._say(f"Sweep cancelled; {kept}.")

    def _failed(self, exc):
        self._say(f"Sweep failed: {exc}", error=True)

    def _finished(self, _swept):
        self.sigSweepShown.emit()

    # ---- results ---------------------------------------------------------------------

    def summary(self):
        """The shown sweep in words: the grid, the share solved, divergences."""
        from nncore.sweep_results import solved_fraction

        swept = self.sweep
        runs = swept.runs
        solved = round(solved_fraction(swept) * runs)
        diverged = int((swept.diverged_at >= 0).sum())
        seeds, rates = len(set(swept.seeds.tolist())), len(set(swept.learning_rates.tolist()))
        return (f"{count(runs, 'run')} ({count(seeds, 'seed')} × "
                f"{count(rates, 'learning rate')}, {count(swept.iterations, 'iteration')} "
                f"each) on {self._dataset}: {solved} of {runs} "
                f"({_percent(solved, runs)}) solved it, accuracy 100% on every training "
                f"row; {diverged} diverged. Click a run in the table, or a point, to open it "
                "in the timeline.")

    def run_of_row(self, row):
        """The sweep's index of the run shown in table row ``row`` (rows sort)."""
        return int(self.model.order[row])

    def cell(self, row, column):
        """The number shown in table row ``row``, ``column`` (None: empty)."""
        return self.model.index(row, column).data()

    def open_run(self, i):
        """Open run i in the timeline: the single-run engine replays it to its last
        iteration (in slices, with Cancel, when that takes long)."""
        swept = self.sweep
        run = swept.single_run(i)
        target = swept.iterations if swept.diverged(i) is not None else int(
            swept.last_iteration[i])
        name = f"{self._dataset}, seed {swept.seeds[i]}, lr {swept.learning_rates[i]:g}"

        def adopt(_reached):
            self.opened = run
            self.session.set_run(run, run.newest, self._dataset)
            self._say(f"Opened {name} at iteration {run.newest}.")

        start_job(self, f"Replaying {name}…", run.replay_steps([], target), adopt,
                  lambda exc: self._say(f"Could not open the run: {exc}", error=True))

    def export_csv(self, path):
        """Write the shown sweep as CSV (one line per run); True if written."""
        from nncore.sweep_results import csv_text

        try:
            atomic_write(path, csv_text(self.sweep).encode())
        except (OSError, ValueError) as exc:
            self._say(f"Not exported: {exc}", error=True)
            return False
        self._say(f"Exported {self.sweep.runs} runs to {os.path.basename(path)}.")
        return True

    def _ask_export(self):
        path, _ = QFileDialog.getSaveFileName(self, "Export sweep", "sweep.csv",
                                              "CSV files (*.csv)")
        if path:
            self.export_csv(path)

    def _say(self, text, error=False):
        self.status.setText(text)
        self.status.setStyleSheet("color: #B00020;" if error else "")


def count(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _percent(part, whole):
    """Rounded down, so it never says 100% while a run is unsolved."""
    return f"{int(1000 * part / whole) / 10:.1f}%"
