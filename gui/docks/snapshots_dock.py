"""Snapshots taken during a session: jump back to one, compare two, save one.

Each entry is a (run, iteration) the learner asked to remember. Double-click jumps
to it; selecting exactly two colours the diagram by how the weights moved from the
first to the second (the network view draws that, from ``session.snapshots.compare``).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.common.icons import icon
from gui.common.sliced_job import start_job
from nncore.errors import FileError
from nncore.snapshot import save_snapshot


class SnapshotsDock(QDockWidget):
    """The list of ``session.snapshots``, newest last."""

    def __init__(self, session, parent=None):
        super().__init__("Snapshots", parent)
        self.setObjectName("snapshots_dock")
        self.session = session
        body = QWidget(self)
        layout = QVBoxLayout(body)

        buttons = QHBoxLayout()
        self.take_button = QPushButton(icon("snapshot"), "Take snapshot", body)
        self.take_button.setToolTip("Remember the shown iteration (Ctrl+T)")
        self.take_button.clicked.connect(session.snapshots.take)
        self.save_button = QPushButton(icon("save-as"), "Save...", body)
        self.save_button.setToolTip("Save the selected snapshot to a file")
        self.save_button.clicked.connect(lambda: self.save_selected())
        buttons.addWidget(self.take_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.list = QListWidget(body)
        self.list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.list.setToolTip("Double-click to go back to a snapshot; select two to "
                             "colour the diagram by how the weights changed between them")
        self.list.itemDoubleClicked.connect(self.jump)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.list, stretch=1)

        self.hint = QLabel(body)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        layout.addWidget(self.hint)
        self.setWidget(body)

        session.snapshots.sigSnapshotsChanged.connect(self.sync)
        session.snapshots.sigCompareChanged.connect(self._compare_changed)
        self.sync()

    # ---- session -> widgets --------------------------------------------------------------

    def sync(self):
        entries = self.session.snapshots
        with QSignalBlocker(self.list):
            self.list.clear()
            for entry in entries:
                item = QListWidgetItem(entry.label)
                item.setData(Qt.UserRole, entry)
                item.setToolTip(f"{entry.dataset_name}, layers {entry.run.layer_sizes}")
                self.list.addItem(item)
        self._sync_hint()

    def _compare_changed(self):
        """The comparison changed elsewhere (e.g. a new run dropped it): a pair still
        selected would claim a comparison the diagram no longer shows."""
        if self.session.snapshots.compare is None and len(self.list.selectedItems()) == 2:
            with QSignalBlocker(self.list):
                self.list.clearSelection()
        self._sync_hint()

    def _sync_hint(self):
        compare = self.session.snapshots.compare
        if compare is not None:
            a, b = compare
            text = (f"Diagram: weight change from iteration {a.iteration} to "
                    f"{b.iteration}.")
        elif self.session.snapshots:
            text = "Double-click to go back; select two to compare."
        else:
            text = "Take a snapshot to remember an iteration."
        self.hint.setText(text)
        self.save_button.setEnabled(len(self.selected()) == 1)

    # ---- widgets -> session --------------------------------------------------------------

    def selected(self):
        """Selected entries in list order (oldest first)."""
        rows = sorted(self.list.row(item) for item in self.list.selectedItems())
        return [self.list.item(row).data(Qt.UserRole) for row in rows]

    def jump(self, item):
        """Show the entry; one whose history an edit discarded is replayed first, in
        slices with a progress dialog and Cancel if that is long."""
        entry = item.data(Qt.UserRole)
        return start_job(self, f"Replaying to iteration {entry.iteration}\N{HORIZONTAL ELLIPSIS}",
                         self.session.snapshots.snapshot_run_steps(entry),
                         lambda run: self.session.jump_to_snapshot(entry, run))

    def _selection_changed(self):
        chosen = self.selected()
        if len(chosen) == 2:
            self.session.snapshots.compare_snapshots(*chosen)
        elif self.session.snapshots.compare is not None:
            self.session.snapshots.compare_snapshots(None, None)
        self._sync_hint()

    def save_selected(self, path=None):
        """Save the selected entry (its run at its iteration): True when written, False
        if not; the running job when a long replay must come first."""
        chosen = self.selected()
        if len(chosen) != 1:
            return False
        entry = chosen[0]
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save snapshot", f"snapshot-{entry.iteration}.json",
                "Backprop Lab snapshots (*.json)")
            if not path:
                return False
        def refused(exc):
            if not isinstance(exc, (FileError, OSError)):
                raise exc
            QMessageBox.warning(self, "Could not save snapshot",
                                f"Could not save snapshot: {os.path.basename(path)}\n\n{exc}")
            return False

        def save(run):
            try:
                save_snapshot(path, run, entry.iteration, entry.dataset_name)
            except (FileError, OSError) as exc:
                return refused(exc)
            return True

        # A replay first if an edit discarded the entry's history: in slices, if long.
        return start_job(self, f"Replaying to iteration {entry.iteration}\N{HORIZONTAL ELLIPSIS}",
                         self.session.snapshots.snapshot_run_steps(entry), save, refused)
