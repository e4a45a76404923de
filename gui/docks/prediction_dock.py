"""The prediction panel: ŷ for any input you type, and for every binary input.

Typing a vector shows the network's output for it at the current iteration and
hands it to ``session.selection.set_probe``, so the diagram shows that forward pass. The truth
table lists all 2^n binary inputs (n ≤ MAX_TRUTH_INPUTS) with their prediction, and
marks the ones that are training samples with their target; the rest are inputs the
network has never seen, like the tutorial's [1, 0, 0].

The table enumerates every input column, constant ones included. The tutorial's x₃
is always 1 in training, so half the rows (x₃ = 0) are far from the data; they are
kept because the tutorial's own test input [1, 0, 0] is one of them.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.chain_rule import fmt, unit_symbol
from gui.common.lazy_dock import LazyDock
from gui.common.names import vector_text
from gui.common.number_fields import exact_text
from gui.common.redraw import RedrawTimer
from nncore.network import forward
from nncore.number_text import NOT_A_NUMBER, read_number

MAX_TRUTH_INPUTS = 5  # 32 rows: more would be a list to scroll, not a table to read
TRAINED_TINT = "#E8F1F8"  # a pale blue: "this row was in the training set"


def parse_vector(text, n_inputs):
    """The numbers typed in ``text`` (commas, spaces or semicolons between them), each
    a plain ASCII decimal (nncore.number_text: "1_0" and "٣" are not numbers here).

    Raises ValueError with a message for the learner when the count is not
    ``n_inputs`` or a number is not a finite decimal.
    """
    parts = [p for p in re.split(r"[ \t,;]+", text.strip(" \t").strip("[]()")) if p]
    if not parts:
        example = ", ".join(["1"] + ["0"] * (n_inputs - 1))
        raise ValueError(f"Type {n_inputs} numbers, e.g. {example}.")
    values = []
    for part in parts:
        value, why = read_number(part)
        if why is not None:
            hint = (" Use the digits 0-9." if why == NOT_A_NUMBER and
                    any(c == "_" or not c.isascii() for c in part) else "")
            raise ValueError(f"“{part}” {why}.{hint}")
        values.append(value)
    if len(values) != n_inputs:
        raise ValueError(f"This network has {n_inputs} inputs: type {n_inputs} numbers, "
                         f"not {len(values)}.")
    return np.array(values)


def binary_inputs(n):
    """All 2^n binary vectors, in counting order (x₁ is the most significant bit)."""
    return np.array(list(itertools.product((0.0, 1.0), repeat=n))).reshape(-1, n)


def training_matches(inputs, X):
    """For each row of ``inputs``, the indices of the training samples equal to it."""
    return [np.flatnonzero(np.all(X == row, axis=1)) for row in inputs]


class PredictionDock(LazyDock):
    """ŷ at ``session.iteration`` for a typed input and for every binary input.

    After a redraw, ``truth_inputs`` and ``truth_outputs`` hold the table's rows
    and the predictions shown (``None`` when the network has too many inputs).
    With ``lazy`` the widgets are built when the dock is first on screen (the main
    window's, a tab behind the inspector; see gui/common/lazy_dock.py).
    """

    def __init__(self, session, parent=None, lazy=False):
        super().__init__("Prediction", parent)
        self.setObjectName("prediction_dock")
        self.session = session
        self.truth_inputs = None
        self.truth_outputs = None
        self.matches = []
        self.shown_iteration = None
        self.build_now_or_when_shown(lazy)

    def _build(self):
        session = self.session
        self._make_widgets()
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=15)
        session.cursor.sigRunReplaced.connect(self.sync)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.selection.sigProbeChanged.connect(self._probe_changed)
        session.selection.sigSampleChanged.connect(self.redraw.schedule)
        self.sync()

    def _make_widgets(self):
        # Imported here, when the tab is first built: start-up pays only for the first frame.
        from gui.docks.class_probabilities import ClassProbabilities

        body = QWidget()
        layout = QVBoxLayout(body)
        row = QHBoxLayout()
        self.input_label = QLabel()
        row.addWidget(self.input_label)
        self.input_edit = QLineEdit()
        self.input_edit.setToolTip("Numbers separated by commas or spaces. Press Enter to "
                                   "see ŷ and that input's forward pass on the diagram.")
        self.input_edit.returnPressed.connect(self.apply_text)
        self.input_edit.textEdited.connect(lambda _text: self.error.hide())
        row.addWidget(self.input_edit, 1)
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Show ŷ and this input's forward pass on the diagram")
        self.show_button.clicked.connect(self.apply_text)
        row.addWidget(self.show_button)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Stop showing a typed input on the diagram")
        self.clear_button.clicked.connect(self.clear)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setObjectName("inputError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {palette.NEGATIVE.darker(130).name()};")
        self.error.hide()
        layout.addWidget(self.error)
        self.result = QLabel()
        self.result.setObjectName("probeResult")
        big = QFont(self.result.font())
        big.setPointSizeF(big.pointSizeF() * 1.2)
        self.result.setFont(big)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setWordWrap(True)  # a long input must not widen the window
        layout.addWidget(self.result)
        # A softmax output: the class probabilities of the selected sample and the
        # typed input, side by side.
        self.class_box = QWidget()
        boxes = QHBoxLayout(self.class_box)
        boxes.setContentsMargins(0, 0, 0, 0)
        self.sample_probabilities = ClassProbabilities()
        self.probe_probabilities = ClassProbabilities()
        boxes.addWidget(self.sample_probabilities)
        boxes.addWidget(self.probe_probabilities)
        boxes.addStretch(1)
        layout.addWidget(self.class_box)
        self.table_title = QLabel()
        self.table_title.setWordWrap(True)
        layout.addWidget(self.table_title)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellClicked.connect(self._row_clicked)
        layout.addWidget(self.table)
        layout.addStretch(1)
        self.setWidget(body)

    # ---- model -> view --------------------------------------------------------------

    def sync(self):
        """Adapt to a new run: input count, the truth table's rows and training marks."""
        run = self.session.run
        n = run.X.shape[1]
        names = [unit_symbol(run.layer_sizes, 0, i) for i in range(n)]
        # Named one by one only while that stays short: the label sets the dock's width.
        shown = ", ".join(names) if n <= 4 else f"{names[0]} … {names[-1]}"
        self.input_label.setText(f"Input ({shown}):")
        example = ", ".join(["1"] + ["0"] * (n - 1))
        self.input_edit.setPlaceholderText(f"{n} numbers, e.g. {example}")
        self.error.hide()  # about a typed input for the network before this one
        self._probe_changed(self.session.selection.probe)
        softmax = run.activations[-1] == "softmax"
        self.class_box.setVisible(softmax)
        if softmax:
            self.sample_probabilities.set_classes(run.Y.shape[1])
            self.probe_probabilities.set_classes(run.Y.shape[1])
        if n > MAX_TRUTH_INPUTS:
            self.truth_inputs = self.truth_outputs = None
            self.matches = []
            self.table.hide()
            self.table_title.setText(f"The truth table lists every binary input for networks "
                                     f"with up to {MAX_TRUTH_INPUTS} inputs; this one has {n}.")
            self.redraw.schedule()
            return
        self.truth_inputs = binary_inputs(n)
        self.matches = training_matches(self.truth_inputs, run.X)
        n_out = run.Y.shape[1]
        outs = [unit_symbol(run.layer_sizes, len(run.layer_sizes) - 1, j) for j in range(n_out)]
        headers = names + [", ".join(outs), "class",
                           "in training set", "target y", "right?"]
        table = self.table
        table.show()
        table.clear()
        table.setColumnCount(len(headers))
        table.setRowCount(len(self.truth_inputs))
        table.setHorizontalHeaderLabels(headers)
        tint = QBrush(QColor(TRAINED_TINT))
        for r, (x, found) in enumerate(zip(self.truth_inputs, self.matches, strict=True)):
            cells = [fmt(v) for v in x] + ["", "", "", "", ""]
            if found.size:
                cells[n + 2] = "sample " + ", ".join(str(s + 1) for s in found)
                targets = {", ".join(fmt(v) for v in run.Y[s]) for s in found}
                cells[n + 3] = " or ".join(sorted(targets))
            else:
                cells[n + 2] = "no (unseen)"
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if found.size:
                    item.setBackground(tint)
                table.setItem(r, c, item)
        # As tall as its rows (up to 16 of them), so nothing floats in empty space.
        shown = min(table.rowCount(), 16)
        table.resizeRowsToContents()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height()
                             + 2 * table.frameWidth()
                             + sum(table.rowHeight(r) for r in range(shown))
                             + (table.horizontalScrollBar().sizeHint().height()
                                if shown < table.rowCount() else 0))
        trained = sum(1 for found in self.matches if found.size)
        self.table_title.setText(
            f"Every binary input: {len(self.truth_inputs)} rows, {trained} of them training "
            "samples (shaded). The network never saw the others: its answer there is a "
            "guess from the pattern it learned. Click a row to show it on the diagram.")
        self.redraw.schedule()

    def refresh(self):
        """ŷ at the current iteration for the typed input and the truth table."""
        session = self.session
        run, k = session.run, session.iteration
        shown = run.at(k)
        self.shown_iteration = k
        self._show_probe_result(shown)
        if run.activations[-1] == "softmax":
            self._show_class_probabilities(shown)
        if self.truth_inputs is None:
            return
        with np.errstate(all="ignore"):
            outputs = forward(self.truth_inputs, shown.weights, run.activations,
                              biases=shown.biases)[-1]
        self.truth_outputs = outputs
        n = run.X.shape[1]
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, (yhat, found) in enumerate(zip(outputs, self.matches, strict=True)):
            predicted = predicted_class(run, yhat)
            item = self.table.item(r, n)
            item.setText(", ".join(fmt(v) for v in yhat))
            item.setToolTip(", ".join(repr(float(v)) for v in yhat))
            fill = palette.activation_color(yhat[0])
            item.setBackground(fill)
            item.setForeground(palette.text_color_on(fill))
            self.table.item(r, n + 1).setText(", ".join(fmt(v) for v in predicted))
            verdict = ""
            if found.size:
                right = [np.array_equal(predicted, run.Y[s] > 0.5) for s in found]
                verdict = "✓" if all(right) else "✗"
            right_item = self.table.item(r, n + 4)
            right_item.setText(verdict)
            right_item.setFont(bold)
            right_item.setForeground(palette.POSITIVE if verdict == "✓" else palette.NEGATIVE)
        header = self.table.horizontalHeaderItem(n)
        header.setText(header.text().split(" (")[0] + f" (iteration {k})")
        self._select_probe_row()

    def _select_probe_row(self):
        """Highlight the truth-table row of the typed input, if it is one of them."""
        probe = self.session.selection.probe
        row = -1
        if probe is not None and self.truth_inputs is not None and \
                probe.shape == self.truth_inputs.shape[1:]:
            hits = np.flatnonzero(np.all(self.truth_inputs == probe, axis=1))
            row = int(hits[0]) if hits.size else -1
        with QSignalBlocker(self.table):
            if row < 0:
                self.table.clearSelection()
            elif self.table.currentRow() != row or not self.table.selectedItems():
                self.table.selectRow(row)

    def _show_probe_result(self, shown):
        probe = self.session.selection.probe
        run = self.session.run
        if probe is None or probe.shape != (run.X.shape[1],):
            self.result.setText(f"Type an input to see ŷ at iteration {self.session.iteration}.")
            return
        with np.errstate(all="ignore"):
            yhat = forward(probe[None, :], shown.weights, run.activations,
                           biases=shown.biases)[-1][0]
        classes = ", ".join(fmt(v) for v in predicted_class(run, yhat))
        self.result.setText(f"ŷ({vector_text(probe)}) = {', '.join(fmt(v) for v in yhat)}   "
                            f"→ class {classes}   (iteration {self.session.iteration})")
        self.result.setToolTip(", ".join(repr(float(v)) for v in yhat))

    def _show_class_probabilities(self, shown):
        run, k = self.session.run, self.session.iteration
        sample, probe = self.session.selection.sample, self.session.selection.probe
        with np.errstate(all="ignore"):
            yhat = forward(run.X[sample:sample + 1], shown.weights, run.activations,
                           biases=shown.biases)[-1][0]
        true_class = int(np.argmax(run.Y[sample])) + 1
        held_out = " (held out)" if sample in run.test_rows else ""
        self.sample_probabilities.show_output(
            f"<b>Sample {sample + 1}</b>{held_out}, class {true_class}, at iteration {k}:", yhat)
        typed = probe is not None and probe.shape == (run.X.shape[1],)
        self.probe_probabilities.setVisible(typed)
        if typed:
            with np.errstate(all="ignore"):
                yhat = forward(probe[None, :], shown.weights, run.activations,
                               biases=shown.biases)[-1][0]
            self.probe_probabilities.show_output(
                f"<b>Typed input</b> {vector_text(probe)}:", yhat)

    def _probe_changed(self, probe):
        """Someone (this panel, the diagram, a test) set or cleared the probe."""
        with QSignalBlocker(self.input_edit):
            if probe is None:
                self.input_edit.clear()
            elif probe.shape == (self.session.run.X.shape[1],):
                current = None
                try:
                    current = parse_vector(self.input_edit.text(), probe.size)
                except ValueError:
                    pass
                if current is None or not np.array_equal(current, probe):
                    self.input_edit.setText(", ".join(exact_text(v) for v in probe))
        self.redraw.schedule()

    # ---- view -> model --------------------------------------------------------------

    def apply_text(self):
        """Validate the typed vector; show it, or say what is wrong with it."""
        try:
            vector = parse_vector(self.input_edit.text(), self.session.run.X.shape[1])
        except ValueError as error:
            self.error.setText(f"Not shown: {error}")
            self.error.show()
            return False
        self.error.hide()
        self.session.selection.set_probe(vector)
        return True

    def clear(self):
        self.error.hide()
        self.session.selection.set_probe(None)

    def _row_clicked(self, row, _column):
        self.error.hide()
        self.session.selection.set_probe(self.truth_inputs[row])


def predicted_class(run, yhat):
    """The class the network answers for output ``yhat``, written as a target is:
    each output thresholded at 0.5, or for a softmax the one-hot of its largest
    output (as the run's accuracy counts it)."""
    if run.activations[-1] == "softmax":
        return np.eye(len(yhat))[int(np.argmax(yhat))]
    return (yhat > 0.5).astype(float)
