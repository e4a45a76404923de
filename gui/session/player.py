"""Play, its pace, and "Run to": what moves the cursor by itself, frame by frame.

Play is one QTimer on the GUI thread, the frame timer: each frame trains for a
small time budget, then moves the cursor once, so drawing never queues behind
computing. Time is read from ``clock`` (a callable returning seconds, by default
``time.perf_counter``); a test passes a fake clock and calls ``advance_frame()``
itself, so play moves the same on any machine.

The pace of Play is one of:

- ``WATCH``: even steps through log10(1 + iteration). Every decade (0→10, 10→100,
  100→1000, ...) takes ``WATCH_SECONDS_PER_DECADE``, so the tutorial's 1000
  iterations play in 10 s, the first steps slowly enough to follow one by one,
  and the cursor moves steadily along a logarithmic iteration axis.
- a number: that many iterations per second.
- ``MAX``: as fast as the engine goes. Training is then not part of a frame: it
  runs in slices whenever the event loop has nothing else to do, and each frame
  shows the newest iteration. So the views draw on time, input never waits for
  more than a slice, and training gets all the time that drawing leaves.

Breakpoints (``stop_conditions``, see :mod:`nncore.breakpoints`) are checked after
each frame on every iteration Play has passed, or "Run to" has trained, since it
started; at the first one where a condition becomes true, Play or the job stops
and the cursor shows that iteration. Which iteration that is depends on the
history alone, never on the frames, so it is the one ``train --stop-when`` stops at.

In micro-steps (``set_micro_steps(True)``) Play walks the phases of each iteration
instead (``micro_step``, the session's ``MicroSteps.forward``), and the pace reads
as phases per second: ``MICRO_WATCH_PACE`` at the watch pace, at most one phase a
frame at a faster one or at max.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from nncore.breakpoints import applicable, first_hit

FRAME_MS = 30  # one frame, and at most one redraw of each view, per 30 ms
TRAIN_BUDGET_S = 0.008  # training per frame at a set pace
RUN_TO_BUDGET_S = 3 * TRAIN_BUDGET_S  # "Run to" has no pace to keep: it trains more
TRAIN_SLICE_S = 0.005  # one slice of max-pace training between frames
WATCH = "watch"
MAX = "max"
WATCH_SECONDS_PER_DECADE = 10 / 3
MICRO_WATCH_PACE = 1.0  # phases per second when micro-steps play at the watch pace


def check_pace(pace):
    """``WATCH``, ``MAX`` or a positive number of iterations per second (as a float);
    ValueError otherwise."""
    if pace in (WATCH, MAX):
        return pace
    try:
        value = float(pace)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(pace, bool) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"pace: {pace!r} is not {WATCH!r}, {MAX!r} or a positive number "
                         "of iterations per second")
    return value


def paced_steps(pace, position, seconds):
    """How many iterations (fractional) play at a ``WATCH`` or numeric ``pace`` moves
    in ``seconds`` from iteration ``position``."""
    if pace == WATCH:
        return (1 + position) * (10 ** (seconds / WATCH_SECONDS_PER_DECADE) - 1)
    return pace * seconds


class Player(QObject):
    """Plays ``cursor`` at ``pace`` and runs "Run to" jobs, timed by ``clock`` (a
    callable returning seconds; a test may pass or assign a fake one).

    Signals
    -------
    sigPlayingChanged(bool), sigPaceChanged(object): the new pace,
    sigMicroStepsChanged(bool): Play walks micro-steps (True) or iterations,
    sigRunToProgress(int done, int total) while a "Run to" job works (total 0 = finished),
    sigMessage(str) for the status bar,
    sigStopped(object): a breakpoint stopped Play or "Run to" (its ``Hit``).
    """

    sigPlayingChanged = Signal(bool)
    sigPaceChanged = Signal(object)
    sigMicroStepsChanged = Signal(bool)
    sigRunToProgress = Signal(int, int)
    sigMessage = Signal(str)
    sigStopped = Signal(object)

    def __init__(self, cursor, clock=time.perf_counter, parent=None):
        super().__init__(parent)
        self.cursor = cursor
        self.clock = clock
        self.pace = WATCH
        self.micro_steps = False  # Play walks the phases of each iteration
        self.micro_step = None  # moves one phase on (set by the session)
        self.run_to_target = None
        self._run_to_start = 0
        self._owed = 0.0  # the fraction of an iteration the pace has moved past the cursor
        self._steps_per_frame = 256  # how far max-pace play moves through recorded history
        self._last_frame = clock()
        self.stop_conditions = []  # parsed breakpoints (nncore.breakpoints.Condition)
        self._checked = 0  # breakpoints are checked on the iterations after this one
        self.frame_timer = QTimer(self)
        self.frame_timer.setTimerType(Qt.PreciseTimer)  # frames 30 ms apart, not 28 or 33
        self.frame_timer.setInterval(FRAME_MS)
        self.frame_timer.timeout.connect(self.advance_frame)
        # Max-pace training, one slice per firing when the event loop is idle. It is
        # single-shot and re-armed after each slice: a repeating zero timer keeps the
        # time of its first firing and so goes before every timer that came due
        # during a slice; re-armed, it goes after them.
        self.slice_timer = QTimer(self)
        self.slice_timer.setSingleShot(True)
        self.slice_timer.timeout.connect(self.train_slice)
        cursor.sigDiverged.connect(self.pause)
        cursor.sigFull.connect(self.pause)

    @property
    def playing(self):
        return self.frame_timer.isActive() and self.run_to_target is None

    @property
    def busy(self):
        """True while a "Run to" job is working."""
        return self.run_to_target is not None

    # ---- play ------------------------------------------------------------------------

    def play(self):
        cursor = self.cursor
        if self.playing or self.busy or not cursor.can_step:
            if not cursor.can_step:
                cursor.train(0)  # says why
            return
        self._owed = 0.0
        self._last_frame = self.clock()
        self._checked = cursor.iteration
        self.frame_timer.start()
        if self.pace == MAX and cursor.at_end and not self.micro_steps:
            self.slice_timer.start()
        self.sigPlayingChanged.emit(True)

    def pause(self):
        """Stop playing, showing the newest iteration trained."""
        if self.playing:
            ahead = self.slice_timer.isActive()  # slices may have trained past the frame
            self.frame_timer.stop()
            self.slice_timer.stop()
            if ahead:
                self.cursor.seek(self.cursor.run.newest)
            self.cursor.announce()
            self.sigPlayingChanged.emit(False)

    def toggle_play(self):
        self.pause() if self.playing else self.play()

    def set_pace(self, pace):
        """``WATCH``, ``MAX`` or iterations per second; ValueError for anything else."""
        pace = check_pace(pace)
        if pace != self.pace:
            self.pace = pace
            self.sigPaceChanged.emit(pace)

    def set_micro_steps(self, on):
        """Play in micro-steps (True) or in whole iterations (False)."""
        on = bool(on)
        if on != self.micro_steps:
            self.micro_steps = on
            self._owed = 0.0
            self.slice_timer.stop()
            self.sigMicroStepsChanged.emit(on)

    def advance_frame(self):
        """One frame of Play or of "Run to", as the frame timer makes every FRAME_MS:
        the time since the last frame, read from the clock, sets how far it goes.
        Does nothing while neither plays (the timer is stopped then)."""
        now = self.clock()
        elapsed, self._last_frame = now - self._last_frame, now
        busy = self.busy
        if busy:
            self._frame_of_run_to()
        elif not self.playing:
            return
        elif self.micro_steps and self.micro_step is not None:
            self._frame_of_micro_steps(elapsed)
        elif self.pace == MAX:
            self._frame_at_max()
        else:
            self.slice_timer.stop()  # the pace was changed from max while playing
            self._frame_at_pace(elapsed)
        self._check_breakpoints(self.cursor.run.newest if busy else self.cursor.iteration)

    def _check_breakpoints(self, reached):
        """Stop at the first breakpoint among the iterations after ``_checked`` up to
        ``reached``; returns its Hit, or None."""
        if not self.stop_conditions or reached <= self._checked:
            return None
        run = self.cursor.run
        hit = first_hit(applicable(self.stop_conditions, run), run, self._checked, reached)
        self._checked = reached
        if hit is None:
            return None
        was_playing, was_busy = self.playing, self.busy
        self.run_to_target = None
        self.frame_timer.stop()
        self.slice_timer.stop()
        self.cursor.seek(hit.iteration)
        if was_busy:
            self.sigRunToProgress.emit(0, 0)
        if was_playing:
            self.sigPlayingChanged.emit(False)
        self.sigMessage.emit(hit.message)
        self.sigStopped.emit(hit)
        return hit

    def train_slice(self):
        """One slice of max-pace training past the newest iteration, as the slice
        timer runs it when the event loop is idle; the next frame shows it, and
        announces it (``Cursor.announce``)."""
        cursor = self.cursor
        if (self.playing and cursor.train(10**9, TRAIN_SLICE_S, self.clock, quietly=True)
                and self.playing):
            self.slice_timer.start()
        else:
            self.slice_timer.stop()
        if cursor.run.diverged_at is not None or cursor.full:
            # Play has stopped (sigDiverged or sigFull paused it from inside this
            # slice): show the newest iteration, which the status bar names.
            cursor.seek(cursor.run.newest)

    def _frame_at_pace(self, elapsed):
        cursor, run = self.cursor, self.cursor.run
        self._owed += paced_steps(self.pace, cursor.iteration + self._owed, elapsed)
        steps = int(self._owed)
        self._owed -= steps
        if steps == 0:
            return
        target = cursor.iteration + steps
        if target > run.newest:
            cursor.train(target - run.newest, TRAIN_BUDGET_S, self.clock)
        cursor.seek(min(target, run.newest))  # what training could not reach is dropped

    def _frame_of_micro_steps(self, elapsed):
        """One phase on whenever the pace has owed one; never more than one a frame,
        so every phase is drawn."""
        self.slice_timer.stop()
        pace = MICRO_WATCH_PACE if self.pace == WATCH else 1e9 if self.pace == MAX \
            else self.pace
        self._owed += pace * elapsed
        if self._owed >= 1.0:
            self._owed = min(self._owed - 1.0, 1.0)  # what a fast pace owes is dropped
            self.micro_step()

    def _frame_at_max(self):
        """From the past, move through the recorded history in steps the size of the
        last frame's training; at the end, show the newest iteration the slices
        made (a frame whose slices did not get to run trains one itself, so Play
        always moves)."""
        cursor, run = self.cursor, self.cursor.run
        if not self.slice_timer.isActive():
            cursor.seek(cursor.iteration + self._steps_per_frame)
            if not (cursor.at_end and cursor.can_step):
                return
            self.slice_timer.start()
        if run.newest == cursor.iteration:
            self.train_slice()
        gained = run.newest - cursor.iteration
        if gained:
            self._steps_per_frame = gained
            cursor.seek(run.newest)
        cursor.announce()

    # ---- run to --------------------------------------------------------------------------

    def run_to(self, target):
        """Move to iteration ``target``, training as needed, a budget per frame so the
        window stays responsive."""
        target = max(0, int(target))
        self.pause()
        self._checked = self.cursor.iteration
        if target <= self.cursor.run.newest:
            self.cursor.seek(target)
            self._check_breakpoints(target)
            return
        if self._check_breakpoints(self.cursor.run.newest):
            return  # in the recorded history, before any training
        self.run_to_target = target
        self._run_to_start = self.cursor.run.newest
        self._last_frame = self.clock()
        self.frame_timer.start()

    def cancel_run_to(self):
        if self.run_to_target is not None:
            newest = self.cursor.run.newest
            self.run_to_target = None
            self.frame_timer.stop()
            self.cursor.seek(newest)
            self.sigRunToProgress.emit(0, 0)
            self.sigMessage.emit(f"Run stopped at iteration {newest}.")

    def _frame_of_run_to(self):
        cursor, run, target = self.cursor, self.cursor.run, self.run_to_target
        cursor.train(target - run.newest, RUN_TO_BUDGET_S, self.clock)
        short = run.newest < target and run.diverged_at is None and cursor.full
        if short:
            cursor.train(0)  # the memory budget's last iteration: says so
        if run.newest >= target or run.diverged_at is not None or short:
            self.run_to_target = None
            self.frame_timer.stop()
            cursor.seek(run.newest)
            self.sigRunToProgress.emit(0, 0)
        else:
            self.sigRunToProgress.emit(run.newest - self._run_to_start,
                                       target - self._run_to_start)

    def shutdown(self):
        """Stop for good, silently (the window is closing)."""
        self.run_to_target = None
        self.frame_timer.stop()
        self.slice_timer.stop()
