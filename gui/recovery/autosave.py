"""The autosave: a recovery file while the session is unsaved, offered back after a crash.

Each running window writes ``recovery-<pid>.json`` in the app-data folder
(``QStandardPaths.AppDataLocation``). A clean quit removes it; a crash or a kill
leaves it, and the next launch finds a file whose process is gone and offers it.
A file whose process still runs belongs to another open window and is left alone.
A file that cannot be read is renamed ``….bad`` (kept for a bug report, never
offered again) and the status bar says so in one line.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QMessageBox

from gui.common.sliced_job import start_job
from nncore.errors import FileError
from nncore.files import atomic_write
from nncore.snapshot import MAX_ITERATION

from .recovery_file import read_recovery, recovery_bytes, recovery_doc, restore_steps
from .unsaved import UnsavedChanges

AUTOSAVE_MS = 10_000
PREFIX, SUFFIX = "recovery-", ".json"


def recovery_folder():
    """Where recovery files go (tests point ``XDG_DATA_HOME`` at a temporary folder)."""
    return QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)


def _process_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, but another user's
        return True
    return True


class Autosave(QObject):
    """The autosave of ``window`` (a MainWindow: its session, files and status bar)."""

    def __init__(self, window, folder=None, interval_ms=AUTOSAVE_MS):
        super().__init__(window)
        self.window = window
        self.folder = folder or recovery_folder()
        self.path = os.path.join(self.folder, f"{PREFIX}{os.getpid()}{SUFFIX}")
        self.unsaved = UnsavedChanges(window.session)
        self._written = None  # what the file on disk holds (a state key), or None
        self._docs = {}  # snapshot documents of other runs' entries (see recovery_doc)
        self._failed = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    # ---- writing -------------------------------------------------------------------------

    def _state_key(self):
        s = self.window.session
        run = s.run
        return (id(run), run.newest, len(run.changes), run.changes[-1] if run.changes else None,
                s.iteration, tuple(id(e) for e in s.snapshots), s.selection.sample,
                self.window.files.path)

    def save_now(self):
        """Write the recovery file if the session is unsaved and changed since the last
        write; remove it once nothing is unsaved. True if the file now holds the session."""
        if not self.unsaved.any:
            self.remove()
            return False
        key = self._state_key()
        if key == self._written:
            return True
        run = self.window.session.run
        if run.newest > MAX_ITERATION:
            return self._cannot(f"{run.newest} iterations are more than a snapshot holds")
        try:
            os.makedirs(self.folder, exist_ok=True)
            data = recovery_bytes(recovery_doc(self.window.session, self.window.files.path,
                                               self._docs))
            atomic_write(self.path, data)
        except (FileError, OSError, ValueError) as exc:
            return self._cannot(str(exc))
        self._written, self._failed = key, False
        live = {id(e) for e in self.window.session.snapshots}
        self._docs = {k: v for k, v in self._docs.items() if k in live}
        return True

    def _cannot(self, why):
        if not self._failed:  # once, not every ten seconds
            self._failed = True
            self.window.statusBar().showMessage(f"Autosave failed: {why}", 15000)
        return False

    def remove(self):
        """No recovery needed (saved, discarded, or quit cleanly)."""
        self._written = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.window.statusBar().showMessage(f"Could not remove {self.path}: {exc}", 15000)

    def mark_saved(self, iteration=None):
        self.unsaved.mark_saved(iteration)
        self.save_now()  # removes the file if nothing else is unsaved

    def confirm_close(self):
        """Ask Save / Discard / Cancel if closing would lose hand edits or snapshots;
        True if the window may close."""
        if not self.unsaved.worth_asking:
            return True
        answer = QMessageBox.question(
            self.window, "Save before closing?",
            f"This session has {self.unsaved.describe()} that are not saved in a file.",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return bool(self.window.files.save_snapshot())
        return answer == QMessageBox.Discard

    def quit_cleanly(self):
        """The window closes on purpose: nothing to recover at the next launch."""
        self.timer.stop()
        self.remove()

    # ---- reading back --------------------------------------------------------------------

    def left_behind(self):
        """Recovery files of processes that are gone, newest first."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        found = []
        for name in names:
            if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
                continue
            pid = name[len(PREFIX):-len(SUFFIX)]
            if not (pid.isascii() and pid.isdigit() and len(pid) < 10):
                continue
            path = os.path.join(self.folder, name)
            if _process_alive(int(pid)) or not os.path.isfile(path):
                continue
            found.append((os.path.getmtime(path), path))
        return [path for _, path in sorted(found, reverse=True)]

    def offer_restore(self):
        """Offer the newest recovery file left by a crash. Returns True if restored, a
        SlicedJob while a long replay runs, else False."""
        found = self.left_behind()
        if not found:
            return False
        path = found[0]
        try:
            doc = read_recovery(path)
        except (FileError, OSError) as exc:
            return self._set_aside(path, exc)
        k, n = doc["iteration"], len(doc["snapshots"])
        extra = f" and {n} snapshot{'s' if n != 1 else ''}" if n else ""
        answer = QMessageBox.question(
            self.window, "Restore the last session?",
            "Backprop Lab did not quit cleanly last time. Restore the session it was "
            f"showing (iteration {k}{extra})?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        if answer != QMessageBox.Yes:
            _unlink(path)
            return False

        def restored(result):
            self._adopt(result)
            _unlink(path)
            self.window.statusBar().showMessage(
                f"Restored the last session at iteration {result.iteration}.", 10000)
            return True

        def refused(exc):
            if not isinstance(exc, (FileError, OSError)):
                raise exc
            return self._set_aside(path, exc)

        return start_job(self.window, "Restoring the last session\N{HORIZONTAL ELLIPSIS}",
                         restore_steps(doc, path), restored, refused)

    def _adopt(self, restored):
        session = self.window.session
        session.set_run(restored.run, restored.iteration, restored.dataset_name)
        session.snapshots.replace_entries(
            [session.snapshots.entry_at(run, k, name) for run, k, name in restored.snapshots])
        session.selection.select_sample(restored.sample)
        if restored.file:
            self.window.files.path = restored.file
        self.unsaved.mark_unsaved()
        self.save_now()  # this process's own recovery file holds it from now on

    def _set_aside(self, path, exc):
        aside = path + ".bad"
        try:
            os.replace(path, aside)
            where = f"set aside as {os.path.basename(aside)}"
        except OSError:
            _unlink(path)
            where = "removed"
        why = (": ".join(str(p) for p in (exc.where, exc.problem) if p)
               if isinstance(exc, FileError) else str(exc))
        message = (f"The recovery file {os.path.basename(path)} could not be read ({why}); "
                   f"{where}.")
        self.window.statusBar().showMessage(" ".join(message.split()), 20000)
        return False


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass
