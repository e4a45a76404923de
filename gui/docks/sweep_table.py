"""The Sweep dock's table of runs: a model over the sweep's arrays, so a thousand
runs cost nothing until rows are on screen; a click on a header sorts them with
numpy (a proxy model would call back into Python for every comparison)."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

COLUMNS = ("Seed", "Learning rate", "Final loss", "Accuracy", "Test loss", "Test accuracy",
           "Diverged at")


class SweepTableModel(QAbstractTableModel):
    """One row per run of ``sweep`` (None: no rows). The display role gives numbers,
    so the proxy sorts them as numbers; an empty cell is a test score without
    held-out rows, or a run that did not diverge."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sweep = None
        self.order = np.zeros(0, dtype=int)  # the run shown in each row
        self.sorted_by = (0, Qt.AscendingOrder)

    def show(self, sweep):
        self.beginResetModel()
        self.sweep = sweep
        self.order = np.arange(sweep.runs)
        self.endResetModel()
        self.sort(*self.sorted_by)

    def sort(self, column, order=Qt.AscendingOrder):
        """Rows by ``column``, stably; empty cells first when ascending."""
        self.sorted_by = (column, order)
        if self.sweep is None:
            return
        rows = np.argsort(self.sort_keys(column), kind="stable")
        self.layoutAboutToBeChanged.emit()
        self.order = rows[::-1] if order == Qt.DescendingOrder else rows
        self.layoutChanged.emit()

    def sort_keys(self, column):
        """Every run's number in ``column`` as floats, -inf for an empty cell (what
        ``value`` shows, without a Python call per run)."""
        swept = self.sweep
        if column == 0:
            return swept.seeds.astype(float)
        if column == 1:
            return swept.learning_rates.astype(float)
        if column == 6:
            return np.where(swept.diverged_at >= 0, swept.diverged_at, -np.inf)
        name = ("loss", "accuracy", "test_loss", "test_accuracy")[column - 2]
        if swept.curves[name] is None:
            return np.full(swept.runs, -np.inf)
        values = swept.final[name]
        return np.where(np.isfinite(values), values, -np.inf)

    def rowCount(self, parent=QModelIndex()):  # noqa: B008 (Qt's signature)
        return 0 if self.sweep is None or parent.isValid() else self.sweep.runs

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role != Qt.DisplayRole or not index.isValid():
            return None
        return self.value(int(self.order[index.row()]), index.column())

    def value(self, i, column):
        """Run i's number in ``column`` (None for an empty cell)."""
        swept = self.sweep
        if column == 0:
            return int(swept.seeds[i])
        if column == 1:
            return float(swept.learning_rates[i])
        if column == 6:
            return swept.diverged(i)
        name = ("loss", "accuracy", "test_loss", "test_accuracy")[column - 2]
        if swept.curves[name] is None:
            return None
        value = float(swept.final[name][i])
        return value if math.isfinite(value) else None
