"""The window's File commands: open, save, recent files and exports.

Each command takes an optional path; with none it asks with a file dialog (tests
pass a path). A file problem never changes the session: the run, the cursor and
play stay as they were, and a dialog names the file and what is wrong.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox

from gui.common.exports import export_plots, history_csv_steps
from gui.common.sliced_job import start_job
from nncore.errors import FileError
from nncore.export import export_weights
from nncore.files import atomic_write, save_target
from nncore.snapshot import load_snapshot_steps, save_snapshot

MAX_RECENT = 8
SNAPSHOT_FILTER = "Backprop Lab snapshots (*.json);;All files (*)"
FILTERS = {
    ".png": "PNG images (*.png)",
    ".svg": "SVG drawings (*.svg)",
    ".csv": "CSV tables (*.csv)",
    ".safetensors": "safetensors weights (*.safetensors)",
    ".npz": "numpy archives (*.npz)",
    ".py": "Python scripts (*.py)",
}


class FileActions:
    """File commands of ``window`` (a MainWindow: its session, settings, views)."""

    def __init__(self, window):
        self.window = window
        self.path = None  # the snapshot file being worked on (Save writes here)
        # Called with the iteration saved up to (None: all of it) after a Save or an
        # Open: the autosave's baseline (gui/recovery/unsaved.py).
        self.on_saved = []

    @property
    def session(self):
        return self.window.session

    # ---- snapshots -----------------------------------------------------------------------

    def open_snapshot(self, path=None):
        """Load a snapshot (validated and replayed).

        A short replay happens at once: True if the session now shows the file, False
        if it was refused. A long one runs in slices with a progress dialog and Cancel,
        and the running ``SlicedJob`` is returned; the session changes only if it
        ends well, so Cancel or a bad file leaves everything as it was.
        """
        path = path if isinstance(path, str) and path else self._ask_open()
        if not path:
            return False
        def opened(result):
            run, k = result
            self.session.set_run(run, k, run.dataset_name or "file")
            self._set_path(path)
            self._saved(None)
            self.window.statusBar().showMessage(
                f"Opened {os.path.basename(path)} at iteration {k}.", 8000)
            return True

        def refused(exc):
            return self._file_problem("Could not open snapshot", path, exc)

        return start_job(self.window, f"Opening {os.path.basename(path)}\N{HORIZONTAL ELLIPSIS}",
                        load_snapshot_steps(path), opened, refused)

    def save_snapshot(self, *_):
        """Save to the current file, or ask for one the first time."""
        if self.path is None:
            return self.save_snapshot_as()
        return self._save(self.path)

    def save_snapshot_as(self, path=None):
        path = path if isinstance(path, str) and path else self._ask_save(
            "Save snapshot as", ".json", SNAPSHOT_FILTER)
        return bool(path) and self._save(path)

    def _save(self, path):
        session = self.session
        try:
            save_snapshot(path, session.run, session.iteration, session.cursor.config.dataset_name)
        except (FileError, OSError) as exc:
            self._problem("Could not save snapshot", path, exc)
            return False
        self._set_path(path)
        self._saved(session.iteration)
        self.window.statusBar().showMessage(
            f"Saved iteration {session.iteration} to {os.path.basename(path)}.", 8000)
        return True

    def _saved(self, iteration):
        for callback in self.on_saved:
            callback(iteration)

    def _set_path(self, path):
        self.path = path
        self.window.setWindowTitle(f"{os.path.basename(path)} \N{EM DASH} Backprop Lab")
        self.add_recent(path)

    # ---- recent files --------------------------------------------------------------------

    def recent(self):
        value = self.window.settings.value("files/recent", [])
        # QSettings gives a str for a one-item list in INI files, None for an empty one.
        items = [value] if isinstance(value, str) else list(value or [])
        return [p for p in items if isinstance(p, str) and p][:MAX_RECENT]

    def add_recent(self, path):
        path = os.path.abspath(path)
        items = [path] + [p for p in self.recent() if p != path]
        self.window.settings.setValue("files/recent", items[:MAX_RECENT])

    def clear_recent(self):
        self.window.settings.setValue("files/recent", [])

    def open_recent(self, path):
        """Open a recent file; one that is gone says so and leaves the list."""
        if not os.path.exists(path):
            items = [p for p in self.recent() if p != path]
            self.window.settings.setValue("files/recent", items)
            QMessageBox.warning(self.window, "Open recent",
                                f"{path} no longer exists; removed from the recent files.")
            return False
        return self.open_snapshot(path)

    def fill_recent_menu(self):
        menu = self.window.recent_menu
        menu.clear()
        items = self.recent()
        for i, path in enumerate(items, 1):
            action = menu.addAction(f"&{i} {os.path.basename(path)}")
            action.setStatusTip(path)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if items:
            menu.addSeparator()
        clear = menu.addAction("Clear list", self.clear_recent)
        clear.setEnabled(bool(items))

    # ---- exports -------------------------------------------------------------------------

    def export_plots(self, path=None, suffix=".png"):
        plots = self.window.plots_view
        path = path or self._ask_save("Export plots", suffix, FILTERS[suffix])
        return self._export(path, lambda p: export_plots(p, plots.plot_items), "plots")

    def export_history(self, path=None):
        """Every recorded iteration as CSV; a long history is written in slices with a
        progress dialog and Cancel (see :meth:`open_snapshot` for what is returned)."""
        path = path if isinstance(path, str) and path else self._ask_save(
            "Export history", ".csv", FILTERS[".csv"])
        if not path:
            return False
        what = f"{self.session.run.newest + 1} iterations"

        def written(_):
            self._exported(what, path)
            return True

        def refused(exc):
            return self._file_problem("Could not export", path, exc)

        return start_job(self.window, f"Exporting {what}\N{HORIZONTAL ELLIPSIS}",
                        history_csv_steps(path, self.session.run), written, refused)

    def export_weights(self, path=None, suffix=".safetensors"):
        path = path or self._ask_save("Export weights", suffix, FILTERS[suffix])
        k = self.session.iteration
        shown = self.session.run.at(k)
        # Copies: a checkpoint row read at k may be a view of the history.
        weights = [W.copy() for W in shown.weights]
        biases = None if shown.biases is None else [b.copy() for b in shown.biases]
        what = f"the {'weights and biases' if biases else 'weights'} of iteration {k}"
        return self._export(path, lambda p: export_weights(p, weights, biases), what)

    def export_script(self, path=None):
        """The run to the shown iteration as a Python script that needs only numpy; a
        big dataset is written in slices with progress and Cancel (see
        :meth:`open_snapshot` for what is returned)."""
        from nncore.codegen import training_script_steps  # here: not a start-up cost

        path = path if isinstance(path, str) and path else self._ask_save(
            "Export Python script", ".py", FILTERS[".py"])
        if not path:
            return False
        run, k = self.session.run, self.session.iteration
        name = self.session.cursor.config.dataset_name
        what = f"the training script to iteration {k}"

        def steps():
            save_target(path)  # a folder or a FIFO is refused before the work
            script = yield from training_script_steps(run, k, dataset_name=name)
            atomic_write(path, script.text.encode("utf-8"))

        def written(_):
            self._exported(what, path)
            return True

        def refused(exc):
            return self._file_problem("Could not export", path, exc)

        return start_job(self.window, f"Writing {what}\N{HORIZONTAL ELLIPSIS}", steps(),
                         written, refused)

    def _export(self, path, write, what):
        if not path:
            return False
        try:
            write(path)
        except (FileError, OSError) as exc:
            self._problem("Could not export", path, exc)
            return False
        self._exported(what, path)
        return True

    def _exported(self, what, path):
        self.window.statusBar().showMessage(
            f"Exported {what} to {os.path.basename(path)}.", 8000)

    # ---- dialogs -------------------------------------------------------------------------

    def _folder(self):
        return self.window.settings.value("files/folder", os.path.expanduser("~"))

    def _remember_folder(self, path):
        self.window.settings.setValue("files/folder", os.path.dirname(os.path.abspath(path)))

    def _ask_open(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Open snapshot", self._folder(),
                                              SNAPSHOT_FILTER)
        if path:
            self._remember_folder(path)
        return path

    def _ask_save(self, title, suffix, name_filter):
        stem = os.path.splitext(os.path.basename(self.path or "backprop-lab"))[0]
        start = os.path.join(self._folder(), stem + suffix)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, name_filter)
        if path and not os.path.splitext(path)[1]:
            path += suffix
        if path:
            self._remember_folder(path)
        return path

    def _file_problem(self, title, path, exc):
        """A job's error: a file problem gets the dialog (False), anything else is a bug."""
        if not isinstance(exc, (FileError, OSError)):
            raise exc
        self._problem(title, path, exc)
        return False

    def _problem(self, title, path, exc):
        """Tell the learner which file and what went wrong; the session is untouched."""
        QMessageBox.warning(self.window, title,
                            f"{title}: {os.path.basename(path)}\n\n{exc}")
