"""The dataset editor: presets, an editable table of inputs and targets, CSV files,
and (for data on a plane) the decision map.

Table edits wait for Apply: a half-edited table (a new column not filled in yet) is
not a dataset, and restarting the run on every cell would throw away the training a
learner is watching. A preset or an imported file applies at once. Cells that are
not finite numbers (or targets the output layer cannot reach) turn red with a
tooltip naming the row and column, and Apply stays off until they are fixed.

The preset and its options show what the network trains on, whatever brought the
run (a preset, a file, a snapshot): a preset is shown only when it makes exactly the
run's data, else the data is "custom". A 2-D preset's name carries its point count
and noise ("2-D circle: 300 points, noise 0.1"), so a run opened from a file shows
the options that made it.
"""

from __future__ import annotations

import os
import random

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.number_fields import DecimalBox, WholeNumberBox
from gui.common.redraw import RedrawTimer
from gui.docks.dataset.dataset_table import DatasetTable
from gui.docks.dataset.decision_map import DecisionMap
from gui.docks.dataset.presets import (
    CUSTOM,
    THREE_BIT,
    TWO_D_DEFAULTS,
    output_for,
    plane_data,
    plane_prefix,
    preset_data,
    presets,
    two_d_name,
)
from nncore.datasets import (
    BUILTIN,
    THREE_BIT_RULES,
    builtin,
    load_csv,
    save_csv,
    target_range,
    three_bit,
)
from nncore.errors import FileError, LoadError


class DatasetDock(QDockWidget):
    """Shows and edits ``session.run``'s dataset; Apply starts a new run on the table."""

    def __init__(self, session, parent=None):
        super().__init__("Dataset", parent)
        self.setObjectName("dataset_dock")
        self.session = session
        self.edited = False  # the table differs from the run's data
        self._shown = None  # (X, Y) the table was last filled from

        top = QWidget()
        layout = QVBoxLayout(top)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._make_preset_row())
        layout.addLayout(self._make_options_row())
        self.refusal = QLabel()  # a typed option that was not used, and why
        self.refusal.setWordWrap(True)
        self.refusal.setStyleSheet("color: #B00020;")
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        layout.addWidget(self.description)
        self.table = DatasetTable()
        self.table.setMinimumHeight(140)  # about five samples, whatever the map takes
        self.table.sigEdited.connect(self._table_edited)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._make_edit_row())
        self.status = QLabel()
        self.status.setWordWrap(True)
        # Wrapped labels under-report their height to a splitter; reserve two lines.
        for label in (self.description, self.status):
            label.setMinimumHeight(2 * label.fontMetrics().lineSpacing() + 2)
        layout.addWidget(self.status)
        layout.addLayout(self._make_file_row())

        self.decision_map = DecisionMap(session)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.decision_map)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.setWidget(splitter)

        # The marks of the held-out rows and the shown mini-batch follow the cursor,
        # at most 15 times a second while playing (a batch changes every step).
        self.marks = RedrawTimer(self, session, self._mark_rows, max_fps=15)
        session.cursor.sigRunReplaced.connect(self.sync)
        session.cursor.sigIterationChanged.connect(self.marks.schedule)
        session.selection.sigUnitSelected.connect(self._unit_selected)
        self.sync()

    def _unit_selected(self, node):
        """A node clicked in the diagram: its map is now in the decision map, so bring
        this dock to the front of its tabs."""
        if node is not None and node[0] >= 1 and self.decision_map.columns is not None:
            self.raise_()

    # ---- building -------------------------------------------------------------------

    def _make_preset_row(self):
        row = QHBoxLayout()
        row.addWidget(QLabel("Preset:"))
        self.preset_combo = QComboBox()
        for label, name, text in presets():
            self.preset_combo.addItem(label, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, text,
                                          Qt.ItemDataRole.ToolTipRole)
        custom = self.preset_combo.model().item(self.preset_combo.count() - 1)
        custom.setEnabled(False)  # shown, never chosen: it names what is loaded
        self.preset_combo.currentIndexChanged.connect(self._preset_chosen)
        row.addWidget(self.preset_combo, 1)
        return row

    def _make_options_row(self):
        row = QHBoxLayout()
        self.rule_label = QLabel("y =")
        self.rule_combo = QComboBox()
        self.rule_combo.addItems(list(THREE_BIT_RULES))
        self.rule_combo.setCurrentText("parity")
        self.rule_combo.currentIndexChanged.connect(self._load_preset)
        self.points_label = QLabel("Points:")
        self.points_spin = WholeNumberBox("points", 10, 1000)
        self.points_spin.setSingleStep(10)
        self.points_spin.setValue(TWO_D_DEFAULTS[0])
        self.points_spin.setToolTip("How many points, 10 to 1000")
        self.points_spin.valueChanged.connect(self._load_preset)
        self.noise_label = QLabel("Noise:")
        self.noise_spin = DecimalBox("noise", 0.0, 1.0, 2)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setValue(TWO_D_DEFAULTS[1])
        self.noise_spin.setToolTip("How far points are jittered, as a fraction of the "
                                   "field: 0 to 1, two decimals at most")
        self.noise_spin.valueChanged.connect(self._load_preset)
        for box in (self.points_spin, self.noise_spin):
            box.sigRefused.connect(self._refuse)
        self.three_bit_widgets = [self.rule_label, self.rule_combo]
        self.two_d_widgets = [self.points_label, self.points_spin, self.noise_label,
                              self.noise_spin]
        for w in self.three_bit_widgets + self.two_d_widgets:
            row.addWidget(w)
        row.addStretch(1)
        return row

    def _make_edit_row(self):
        row = QHBoxLayout()
        t = self.table
        buttons = [("+ Row", "Add a sample (a row of zeros) at the end", t.add_row),
                   ("− Row", "Remove the selected rows (or the last one)", t.remove_rows),
                   ("+ x", "Add an input column (zeros) after the last input", t.add_input),
                   ("− x", "Remove the selected input column (or the last one)",
                    t.remove_input),
                   ("+ y", "Add a target column (zeros): one more output unit",
                    t.add_target),
                   ("− y", "Remove the selected target column (or the last one)",
                    t.remove_target)]
        for text, tip, slot in buttons:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _make_file_row(self):
        row = QHBoxLayout()
        self.import_button = QPushButton("Import CSV…")
        self.import_button.clicked.connect(self.import_csv)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.export_csv)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Show the data the network is training on again")
        self.revert_button.clicked.connect(self.revert)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("Train a new network (iteration 0) on this table")
        self.apply_button.clicked.connect(self.apply)
        for w in (self.import_button, self.export_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.revert_button)
        row.addWidget(self.apply_button)
        return row

    # ---- model -> widgets ---------------------------------------------------------------

    def sync(self):
        """Show the run's dataset, unless the table already shows it (keeping edits)."""
        run, name = self.session.run, self.session.cursor.config.dataset_name
        self.refusal.hide()  # about the options of the run before this one
        shown = self._shown
        if not (shown and np.array_equal(shown[0], run.X) and np.array_equal(shown[1], run.Y)):
            self._fill(run.X, run.Y)
        with QSignalBlocker(self.preset_combo):
            self.preset_combo.setCurrentIndex(self._preset_index(name, run.X, run.Y))
        self._show_options()
        self._validate()
        self.marks.schedule()

    def _mark_rows(self):
        """Mark the held-out rows, and the shown iteration's batch when it is a
        mini-batch (a full batch is every training row: no news), while the table
        shows the run's rows."""
        if self.edited:
            self.table.clear_marks()
            return
        run = self.session.run
        batch = run.at(self.session.iteration).batch_rows
        self.table.mark_rows(run.test_rows, batch if len(batch) < len(run.train_rows) else ())

    def _preset_index(self, name, X, Y):
        """Combo index of the preset that makes exactly ``(X, Y)`` under dataset
        ``name`` (e.g. "xor", "three-bit: parity"), its options shown; else custom."""
        made = preset_data(name)
        if made is None or not (np.array_equal(made[2], X) and np.array_equal(made[3], Y)):
            return self.preset_combo.findData(CUSTOM)
        preset, options = made[:2]
        if preset == THREE_BIT:
            with QSignalBlocker(self.rule_combo):
                self.rule_combo.setCurrentText(options)
        elif options is not None:
            self.points_spin.show_value(options[0])
            self.noise_spin.show_value(options[1])
        return self.preset_combo.findData(preset)

    def _show_options(self):
        name = self.preset_combo.currentData()
        for w in self.three_bit_widgets:
            w.setVisible(name == THREE_BIT)
        for w in self.two_d_widgets:
            w.setVisible(plane_prefix(name) is not None)
        text = self.preset_combo.itemData(self.preset_combo.currentIndex(),
                                          Qt.ItemDataRole.ToolTipRole)
        self.description.setText(text or f"Data: {self.session.cursor.config.dataset_name}")

    def _fill(self, X, Y):
        self._shown = (np.array(X), np.array(Y))
        self.table.fill(X, Y)
        self.edited = False

    def _target_range(self):
        return target_range(self.session.run.activations[-1])

    def _validate(self):
        """Check every cell, say what is wrong or what Apply would do; (X, Y) or None."""
        table = self.table
        data = table.validate(self._target_range())
        bad = table.bad_cells
        if bad:
            (r, c), why = next(iter(bad.items()))
            n = len(bad)
            self.status.setText(f"<span style='color:#B00020'>{n} cell{'s' if n > 1 else ''} "
                                f"to fix before Apply: row {r + 1}, column "
                                f"{table.column_name(c)} {why}.</span>")
        elif self.edited:
            self.status.setText("Edited: press Apply to train a new network on this table.")
        else:
            note = self._rows_note()
            self.status.setText(f"{table.rowCount()} samples, {table.n_in} inputs, "
                                f"{table.n_out} target{'s' if table.n_out > 1 else ''}"
                                + (f".{note}" if note else
                                   ": the network trains on this table."))
        self.apply_button.setEnabled(self.edited and data is not None)
        self.revert_button.setEnabled(self.edited)
        return data

    def _rows_note(self):
        run = self.session.run
        note = ""
        if len(run.test_rows):
            note += f" Grey “test” rows: the {len(run.test_rows)} held out."
        if len(run.at(0).batch_rows) < len(run.train_rows):
            note += " ● rows: this iteration's batch."
        return note

    def _table_edited(self):
        self.edited = True
        self.table.clear_marks()
        self._validate()

    def revert(self):
        self._shown = None
        self.sync()

    # ---- widgets -> model ---------------------------------------------------------------

    def apply(self):
        """Start a new run on the table, keeping the hidden layers."""
        data = self._validate()
        if data is None:
            return False
        return self._new_run(CUSTOM, *data)

    def _new_run(self, name, X, Y, preset=False):
        """A new run on (X, Y), keeping the hidden layers; a preset also sets the
        output and loss its targets need (see presets.output_for)."""
        run = self.session.run
        hidden = run.layer_sizes[1:-1]
        # A run loaded without a seed still needs one for its new weights.
        seed = run.seed if run.seed is not None else random.randint(0, 99_999)
        activations, loss, changed = list(run.activations), run.loss, ""
        if preset:
            activations, loss, changed = output_for(name, activations, loss, Y.shape[1])
        try:
            self.session.new_run(dataset_name=name, X=X, Y=Y,
                                 layer_sizes=[X.shape[1], *hidden, Y.shape[1]],
                                 activations=activations, loss=loss, seed=seed,
                                 learning_rate=run.learning_rate_at(self.session.iteration))
        except ValueError as exc:
            QMessageBox.warning(self, "Dataset not used", str(exc))
            return False
        if changed:
            self.session.sigMessage.emit(changed)
        return True

    def _refuse(self, why):
        self.refusal.setText(f"Not changed: {why}")
        self.refusal.show()

    def _preset_chosen(self, _index):
        self._show_options()
        self._load_preset()

    def _load_preset(self, *_):
        """Load the chosen preset (with its options) into the table and train on it."""
        name = self.preset_combo.currentData()
        if name in BUILTIN:
            X, Y = builtin(name)
        elif name == THREE_BIT:
            X, Y = three_bit(self.rule_combo.currentText())
            name = f"{THREE_BIT}: {self.rule_combo.currentText()}"
        elif plane_prefix(name):
            prefix = plane_prefix(name)
            kind, points, noise = (name[len(prefix):], self.points_spin.value(),
                                   self.noise_spin.value())
            X, Y = plane_data(prefix, kind, points, noise)
            name = two_d_name(kind, points, noise, prefix)
        else:
            return False
        self._shown = None  # a preset replaces any edits
        return self._new_run(name, X, Y, preset=True)

    def import_csv(self):
        n_out = self.session.run.layer_sizes[-1]
        path, _ = QFileDialog.getOpenFileName(
            self, f"Import CSV (the last {n_out} column{'s are' if n_out > 1 else ' is'} "
            "the target)", "", "CSV files (*.csv);;All files (*)")
        if not path:
            return False
        try:
            X, Y = load_csv(path, n_out, self._target_range())
        except LoadError as exc:
            QMessageBox.warning(self, "Could not import the CSV file", str(exc))
            return False
        return self._new_run(os.path.basename(path), X, Y)

    def export_csv(self):
        data = self._validate()
        if data is None:
            QMessageBox.warning(self, "Nothing to export", "Fix the red cells first.")
            return False
        path, _ = QFileDialog.getSaveFileName(self, "Export CSV", "data.csv",
                                              "CSV files (*.csv)")
        if not path:
            return False
        try:
            save_csv(path, *data)
        except (FileError, ValueError) as exc:
            QMessageBox.warning(self, "Could not export the CSV file", str(exc))
            return False
        self.session.sigMessage.emit(f"Saved the table to {path}")
        return True
