"""An editable table of inputs (x1..xn) and targets (y, or y1..ym), checked per cell.

The table knows nothing of the session: the dataset dock fills it, reads it back
with :meth:`DatasetTable.validate`, decides when a new run starts, and says which
rows are held out and which form the shown iteration's mini-batch
(:meth:`DatasetTable.mark_rows`). Cells show
six significant digits, but an untouched cell gives back the exact value it was
filled with, so reading a table back never rounds the data.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from gui.common import palette
from gui.common.number_fields import exact_text
from nncore.number_text import BLANK, read_number

BAD_CELL = QColor("#F6C6C6")
TARGET_CELL = QColor("#EEF4FA")  # a light tint says "this column is a target"
# The shown iteration's mini-batch: a pale reddish purple, the decision map's batch ring.
BATCH_CELL = palette.mix(palette.BACKGROUND, palette.NEGATIVE_ACTIVE, 0.3)
HELD_OUT_INK = palette.FAINT_INK  # held-out rows: grey italic text
BATCH_MARK, TEST_MARK = "●", "test"  # in the row header
EXACT = Qt.ItemDataRole.UserRole  # the exact value behind a rounded cell text
STRETCH_UP_TO = 6  # columns; more than this and each column takes what it needs


def parse_cell(text):
    """``text`` as a finite float, or None and why not: a plain ASCII decimal, read as
    the CSV loader reads a cell (``float()`` would also take "1_0" and "٣")."""
    value, why = read_number(text)
    if why == BLANK:
        return None, why
    return value, None if why is None else f"{text.strip()!r} {why}"


def _shown(value):
    return f"{value:.6g}"


class DatasetTable(QTableWidget):
    """Inputs then targets, one sample per row. ``sigEdited`` fires on any change the
    learner makes (a cell, a row, a column), not when the table is filled."""

    sigEdited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.n_in = self.n_out = 0
        self.bad_cells = {}  # (row, column) -> why, from the last validate()
        self.test_rows, self.batch_rows = set(), set()  # as marked (mark_rows)
        self.verticalHeader().setDefaultSectionSize(22)
        self.itemChanged.connect(lambda _item: self.sigEdited.emit())

    # ---- filling ------------------------------------------------------------------------

    def fill(self, X, Y):
        """Show ``X`` and ``Y`` (no ``sigEdited``)."""
        self.n_in, self.n_out = X.shape[1], Y.shape[1]
        with QSignalBlocker(self):
            self.clear()
            self.setRowCount(X.shape[0])
            self.setColumnCount(self.n_in + self.n_out)
            for r, values in enumerate(np.hstack([X, Y])):
                for c, v in enumerate(values):
                    self.setItem(r, c, self._item(v))
        self.test_rows, self.batch_rows = set(), set()  # new items carry no marks
        self._label_columns()

    # ---- marks: held-out rows and the shown mini-batch ---------------------------------

    def mark_rows(self, test_rows=(), batch_rows=()):
        """Show rows ``test_rows`` as held out (grey italic, "test" in the row header)
        and ``batch_rows`` as the shown iteration's mini-batch (tinted, "●" in the
        header). Only rows whose marks change are touched: a batch moves every step."""
        test, batch = {int(r) for r in test_rows}, {int(r) for r in batch_rows}
        changed = (self.test_rows ^ test) | (self.batch_rows ^ batch)
        self.test_rows, self.batch_rows = test, batch
        with QSignalBlocker(self):
            for r in sorted(changed):
                if r < self.rowCount():
                    self._mark(r)

    def clear_marks(self):
        """No marks (the table no longer shows the run's rows: it was edited)."""
        rows = self.test_rows | self.batch_rows
        self.test_rows, self.batch_rows = set(), set()
        with QSignalBlocker(self):
            for r in sorted(rows):
                if r < self.rowCount():
                    self._mark(r)

    def _mark(self, r):
        held, in_batch = r in self.test_rows, r in self.batch_rows
        header = QTableWidgetItem(f"{BATCH_MARK} {r + 1}" if in_batch else
                                  f"{r + 1} {TEST_MARK}" if held else str(r + 1))
        header.setToolTip("Held out: never in a gradient; its loss is the test curve"
                          if held else "In this iteration's mini-batch" if in_batch else "")
        self.setVerticalHeaderItem(r, header)
        font = QFont(self.font())
        font.setItalic(held)
        for c in range(self.columnCount()):
            item = self.item(r, c)
            if item is not None:
                item.setFont(font)
                item.setData(Qt.ItemDataRole.ForegroundRole, HELD_OUT_INK if held else None)
                if (r, c) not in self.bad_cells:
                    item.setData(Qt.ItemDataRole.BackgroundRole, self._background(r, c))

    def _background(self, r, c):
        """A good cell's tint: the batch's, a target's, or none."""
        if r in self.batch_rows:
            return BATCH_CELL
        return TARGET_CELL if c >= self.n_in else None

    @staticmethod
    def _item(value):
        item = QTableWidgetItem(_shown(value))
        item.setData(EXACT, float(value))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def column_name(self, c):
        if c < self.n_in:
            return f"x{c + 1}"
        return "y" if self.n_out == 1 else f"y{c - self.n_in + 1}"

    def _label_columns(self):
        n = self.n_in + self.n_out
        self.setHorizontalHeaderLabels([self.column_name(c) for c in range(n)])
        for c in range(n):
            tip = ("an input: one input unit" if c < self.n_in
                   else "a target: what an output unit should learn")
            self.horizontalHeaderItem(c).setToolTip(f"{self.column_name(c)}: {tip}")
        mode = (QHeaderView.ResizeMode.Stretch if n <= STRETCH_UP_TO
                else QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(mode)

    # ---- reading back -------------------------------------------------------------------

    def cell_value(self, r, c, target_range=None):
        """(value, None) or (None, why) for cell (r, c); targets must lie in
        ``target_range`` (low, high) when one is given."""
        item = self.item(r, c)
        if item is None:
            return None, "is blank"
        exact = item.data(EXACT)
        if exact is not None and item.text() == _shown(exact):
            value, why = exact, None  # untouched: keep every digit, not the rounded text
        else:
            value, why = parse_cell(item.text())
        if why is None and c >= self.n_in and target_range and not (
                target_range[0] <= value <= target_range[1]):
            why = (f"{value:g} is outside the output's range "
                   f"[{target_range[0]:g}, {target_range[1]:g}]")
        return value, why

    def validate(self, target_range=None):
        """Mark bad cells red (tooltip: row, column, why); (X, Y), or None if any is bad."""
        rows, cols = self.rowCount(), self.columnCount()
        data = np.zeros((rows, cols))
        self.bad_cells = {}
        with QSignalBlocker(self):
            for r in range(rows):
                for c in range(cols):
                    value, why = self.cell_value(r, c, target_range)
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem("")
                        self.setItem(r, c, item)
                    if why is None:
                        data[r, c] = value
                        # A cell shows six digits; the tooltip has every digit in use.
                        exact = exact_text(value)
                        item.setToolTip("" if item.text().strip() == exact else exact)
                        item.setData(Qt.ItemDataRole.BackgroundRole, self._background(r, c))
                    else:
                        self.bad_cells[(r, c)] = why
                        item.setToolTip(f"Row {r + 1}, column {self.column_name(c)}: {why}")
                        item.setBackground(BAD_CELL)
        if self.bad_cells or rows == 0:
            return None
        return data[:, :self.n_in], data[:, self.n_in:]

    # ---- editing the shape --------------------------------------------------------------

    def _fill_zeros(self, rows, cols):
        with QSignalBlocker(self):
            for r in rows:
                for c in cols:
                    self.setItem(r, c, self._item(0.0))

    def _changed_shape(self):
        self._label_columns()
        self.sigEdited.emit()

    def add_row(self):
        """A sample of zeros at the end."""
        r = self.rowCount()
        self.insertRow(r)
        self._fill_zeros([r], range(self.columnCount()))
        self._changed_shape()

    def remove_rows(self):
        """The selected rows, or the last one; one sample always stays."""
        rows = sorted({i.row() for i in self.selectedIndexes()}) or [self.rowCount() - 1]
        rows = rows[: self.rowCount() - 1]
        for r in reversed(rows):
            self.removeRow(r)
        self._changed_shape()

    def _chosen_column(self, first, count):
        """The current column if it lies in [first, first+count), else the last one."""
        c = self.currentColumn()
        return c if first <= c < first + count else first + count - 1

    def _insert_column(self, c):
        self.insertColumn(c)
        self._fill_zeros(range(self.rowCount()), [c])

    def add_input(self):
        """A column of zeros after the last input."""
        self._insert_column(self.n_in)
        self.n_in += 1
        self._changed_shape()

    def remove_input(self):
        if self.n_in > 1:
            self.removeColumn(self._chosen_column(0, self.n_in))
            self.n_in -= 1
            self._changed_shape()

    def add_target(self):
        self._insert_column(self.n_in + self.n_out)
        self.n_out += 1
        self._changed_shape()

    def remove_target(self):
        if self.n_out > 1:
            self.removeColumn(self._chosen_column(self.n_in, self.n_out))
            self.n_out -= 1
            self._changed_shape()
