"""The inspector's table, one row per dataset row and one column per factor of the
chain rule, and the wrapped label the inspector's changing texts sit in."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

from gui.common import palette
from gui.common.chain_rule import fmt

LABELLED_INPUTS = 4  # a row's header lists this many inputs, then "…"
DISPLAY, TOOLTIP, FONT, ALIGNMENT, FOREGROUND = (int(role) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def row_label(r, x):
    """Sample r's row header: its number and its first inputs (a wide input would make
    the header wider than the numbers; the tooltip lists them all)."""
    more = " …" if len(x) > LABELLED_INPUTS else ""
    return f"{r + 1}  [{' '.join(f'{v:.3g}' for v in x[:LABELLED_INPUTS])}{more}]"


def consecutive_spans(indices):
    """[1, 2, 3, 5] -> [(1, 3), (5, 5)]: consecutive indices as (first, last) pairs."""
    out = []
    for i in indices:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


class ChainTableModel(QAbstractTableModel):
    """One row per sample, one column per factor; the tooltip holds the full-precision
    value. A cell is formatted when the view first paints it after its value changed,
    so a 200-sample dataset costs no more per frame than the rows on screen.

    The view asks ``data()`` for seven roles of every cell it repaints, so ``data()``
    answers from Python lists, and ``set_rule`` announces only the columns whose values
    changed (x, y and ∂s/∂w stay put from one iteration to the next)."""

    # Class-level empties: Qt may still ask a model for headers while its window is
    # being torn down, after Python has let go of the instance's attributes.
    headers: list = []
    row_labels: list = []
    row_tips: list = []
    values = np.zeros((0, 0))  # (samples, columns)
    columns: list = []  # values per column, as floats
    texts: list = []  # per column, each cell's text, None until painted
    last = -1  # the products' column
    bold = None
    in_batch = np.zeros(0, dtype=bool)  # per row: in the shown step's batch
    grey = None

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bold = QFont()
        self.bold.setBold(True)
        self.grey = palette.OUT_OF_BATCH

    def set_batch(self, in_batch):
        """Grey the rows whose ``in_batch`` is False: the step's sum leaves them out."""
        in_batch = np.asarray(in_batch, dtype=bool)
        if np.array_equal(in_batch, self.in_batch):
            return
        self.in_batch = in_batch
        n = len(in_batch)
        if n and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, self.columnCount() - 1),
                                  [FOREGROUND])
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, n - 1)

    def in_batch_at(self, row):
        return row >= len(self.in_batch) or bool(self.in_batch[row])

    def set_rule(self, rule, row_labels, row_tips=()):
        headers = [header for header, _ in rule.columns]
        values = np.column_stack([np.asarray(v, dtype=float) for _, v in rule.columns])
        n = values.shape[0]
        if headers != self.headers or values.shape != self.values.shape or \
                row_labels != self.row_labels:
            self.beginResetModel()
            self.headers, self.row_labels, self.values = headers, row_labels, values
            self.row_tips = list(row_tips)
            self.columns = values.T.tolist()
            self.texts = [[None] * n for _ in headers]
            self.newest = len(headers) - 1
            self.endResetModel()
            return
        # Bit for bit, so that a nan, or a zero changing sign (its tooltip says −0.0), counts.
        changed = np.flatnonzero(np.any(values.view(np.int64) != self.values.view(np.int64),
                                        axis=0))
        self.values = values
        for c in changed:
            self.columns[c] = values[:, c].tolist()
            self.texts[c] = [None] * n
        for first, last in consecutive_spans(changed):
            self.dataChanged.emit(self.index(0, first), self.index(n - 1, last))

    def rowCount(self, parent=QModelIndex()):  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self.values.shape[0]

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else self.values.shape[1]

    def data(self, index, role=DISPLAY):
        if role == DISPLAY:
            row, column = index.row(), index.column()
            texts = self.texts[column]
            text = texts[row]
            if text is None:
                text = texts[row] = fmt(self.columns[column][row])
            return text
        if role == ALIGNMENT:
            return RIGHT
        if role == FONT:
            return self.bold if index.column() == self.newest else None  # what the step sums
        if role == FOREGROUND:
            return None if self.in_batch_at(index.row()) else self.grey
        if role == TOOLTIP:
            return repr(self.columns[index.column()][index.row()])
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        labels = self.headers if horizontal else self.row_labels
        if not 0 <= section < len(labels):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return labels[section]
        if role == FOREGROUND and not horizontal:
            return None if self.in_batch_at(section) else self.grey
        if role == Qt.ItemDataRole.ToolTipRole:
            if not horizontal:
                tip = self.row_tips[section] if section < len(self.row_tips) else ""
                left = "" if self.in_batch_at(section) else (
                    " (greyed: not in this step's batch, so not in its sum)")
                return f"Training sample {section + 1} and its input x{tip}{left}"
            if section == len(labels) - 1:
                return "This sample's share of ∂E/∂w: the factors to its left multiplied"
        return None


class WrappedText(QWidget):
    """A word-wrapped QLabel whose new text lays out the window again only when it
    needs another height.

    A QLabel in a layout asks for a relayout on every setText (unless its minimum and
    maximum sizes are equal), and the relayout climbs from the dock to the main window.
    The title (with an edge selected) and the notes (a hidden unit's outgoing weights)
    change on every seek, so the label sits in this box, outside any layout; the box
    stands in for it in the dock's layout with the label's own size policy and hints."""

    def __init__(self):
        super().__init__()
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.setSizePolicy(self.label.sizePolicy())
        self.fitted = None  # (width, height) the layout last saw the text needing

    def setText(self, text):
        if text == self.label.text():
            return
        self.label.setText(text)
        fitted = (self.width(), self.label.heightForWidth(self.width()))
        if fitted != self.fitted:
            self.fitted = fitted
            self.updateGeometry()

    def text(self):
        return self.label.text()

    def sizeHint(self):
        return self.label.sizeHint()

    def minimumSizeHint(self):
        return self.label.minimumSizeHint()

    def hasHeightForWidth(self):
        return True

    def heightForWidth(self, width):
        return self.label.heightForWidth(width)

    def resizeEvent(self, event):
        self.label.resize(event.size())


