"""Long work in slices on the GUI thread, with a progress dialog and Cancel.

Opening a long snapshot replays millions of iterations, and exporting a long
history writes millions of rows. Done in one call, either freezes the window. Here
the work is a generator: it does a little, yields ``(done, total)``, and returns
its result. ``SlicedJob`` advances it from a zero-delay timer for a short slice of
time, then lets the event loop paint and take input, and repeats.

Cancel closes the generator, so its ``finally`` clean-up runs (a half-written
temporary file is removed), and nothing it built is adopted: the caller acts only
in ``on_done``, so the session keeps its previous state.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog

SLICE_S = 0.01  # work per timer firing: input and paints wait at most about this long
SHOW_AFTER_MS = 200  # a job that ends sooner never shows its dialog
# Yields of work done at once before a job goes to slices: short work (a small file)
# finishes inside the call that asked for it, with no dialog and no event-loop turn.
INLINE_YIELDS = 4


class SlicedJob(QObject):
    """Runs the generator ``work`` to its end, a slice at a time.

    ``on_done(result)`` runs with the generator's return value; ``on_error(exc)``
    with an exception it raised. ``clock`` (seconds) decides where a slice ends;
    tests pass one they control and call ``advance()`` for each slice.
    """

    sigProgress = Signal(int, int)  # done, total
    sigEnded = Signal(str)  # "done", "failed" or "cancelled"

    def __init__(self, work, on_done, on_error=None, clock=time.perf_counter,
                 slice_seconds=SLICE_S, parent=None):
        super().__init__(parent)
        self.work = work
        self.on_done = on_done
        self.on_error = on_error
        self.clock = clock
        self.slice_seconds = slice_seconds
        self.progress = (0, 0)
        self.outcome = None  # set when the job ends
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.advance)

    @property
    def running(self):
        return self.outcome is None

    def start(self):
        self.timer.start(0)
        return self

    def advance(self):
        """One slice of work; ends the job when the generator is done or fails."""
        if not self.running:
            return
        deadline = self.clock() + self.slice_seconds
        try:
            while True:
                self.progress = next(self.work)
                if self.clock() >= deadline:
                    break
        except StopIteration as stop:
            self._end("done")
            self.on_done(stop.value)
            return
        except Exception as exc:  # the caller shows it; the job just ends
            self._end("failed")
            if self.on_error is None:
                raise
            self.on_error(exc)
            return
        self.sigProgress.emit(*self.progress)
        self.timer.start(0)

    def cancel(self):
        if self.running:
            self.work.close()  # runs the generator's clean-up
            self._end("cancelled")

    def _end(self, outcome):
        self.timer.stop()
        self.outcome = outcome
        self.sigEnded.emit(outcome)


def start_job(parent, label, work, on_done, on_error=None, inline_yields=INLINE_YIELDS):
    """Do ``work`` now if it ends within ``inline_yields`` yields, and return what
    ``on_done`` or ``on_error`` returns; else go on with the same generator as a job
    with a progress dialog (see :func:`run_with_progress`), and return the job."""
    try:
        for _ in range(inline_yields):
            next(work)
    except StopIteration as stop:
        return on_done(stop.value)
    except Exception as exc:
        if on_error is None:
            raise
        return on_error(exc)
    return run_with_progress(parent, label, work, on_done, on_error)


def run_with_progress(parent, label, work, on_done, on_error=None, clock=time.perf_counter):
    """Start ``work`` as a SlicedJob whose progress shows in a window-modal dialog
    with Cancel, if it is still running after a moment. Returns the job."""
    job = SlicedJob(work, on_done, on_error, clock, parent=parent)
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Backprop Lab")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoReset(False)
    dialog.setAutoClose(False)
    job.dialog = dialog

    def show_progress(done, total):
        # QProgressDialog counts in int; a total past 2**31 is shown in thousandths.
        scale = max(1, -(-total // 2**30))
        dialog.setMaximum(total // scale)
        dialog.setValue(min(done, total) // scale)

    job.sigProgress.connect(show_progress)
    dialog.canceled.connect(job.cancel)
    job.sigEnded.connect(lambda _outcome: (dialog.reset(), dialog.deleteLater()))
    return job.start()
