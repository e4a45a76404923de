"""The confusion matrix at the shown iteration, on the training rows and, when rows
are held out, on the test rows beside them.

Row t, column p counts the samples of true class t (arg-max of y) that the network
puts in class p (arg-max of ŷ; one output: two classes split at 0.5), as the run's
accuracy counts them. A cell is shaded by its share of its row: the diagonal (right
answers) in the positive colour, the rest in the negative one, so a learner sees at
a glance which class is taken for which.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.lazy_dock import LazyDock
from gui.common.redraw import RedrawTimer
from nncore.network import forward

CELL_SIZE = 46  # px: room for a three-digit count in a square cell


def class_names(run):
    """The classes as the matrix labels them: 0 and 1 for one output, else the
    output unit's number (class 1 is ŷ₁)."""
    n_out = run.Y.shape[1]
    return ["0", "1"] if n_out == 1 else [str(c + 1) for c in range(n_out)]


def cell_colour(count, row_total, diagonal):
    """The fill of a cell: white at 0, the full positive (diagonal) or negative
    colour when the cell holds its whole row."""
    share = count / row_total if row_total else 0.0
    return palette.mix(palette.BACKGROUND, palette.POSITIVE if diagonal else palette.NEGATIVE,
                       share)


class ConfusionTable(QTableWidget):
    """One matrix: counts in cells, true classes down, predicted classes across."""

    def __init__(self):
        super().__init__()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setDefaultSectionSize(CELL_SIZE)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_classes(self, names):
        n = len(names)
        self.clear()
        self.setRowCount(n)
        self.setColumnCount(n)
        self.setHorizontalHeaderLabels([f"→ {name}" for name in names])
        self.setVerticalHeaderLabels([f"{name}  " for name in names])
        for c in range(n):
            colour = palette.CATEGORICAL[c % len(palette.CATEGORICAL)] if n > 2 else palette.INK
            for item in (self.horizontalHeaderItem(c), self.verticalHeaderItem(c)):
                item.setForeground(QBrush(colour))
                item.setToolTip(f"class {names[c]}")
            for r in range(n):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if r == c:
                    bold = QFont(item.font())
                    bold.setBold(True)
                    item.setFont(bold)
                self.setItem(r, c, item)
        self.setFixedSize(self.verticalHeader().sizeHint().width() + n * CELL_SIZE
                          + 2 * self.frameWidth(),
                          self.horizontalHeader().sizeHint().height() + n * CELL_SIZE
                          + 2 * self.frameWidth())

    def show_counts(self, counts, names):
        totals = counts.sum(axis=1)
        for r, row in enumerate(counts):
            for c, count in enumerate(row):
                item = self.item(r, c)
                fill = cell_colour(count, totals[r], r == c)
                item.setText(str(int(count)))
                item.setBackground(fill)
                item.setForeground(palette.text_color_on(fill))
                share = f"{100 * count / totals[r]:.0f}%" if totals[r] else "no samples"
                item.setToolTip(f"{count} of the {totals[r]} samples of class {names[r]} "
                                f"predicted as class {names[c]} ({share} of the row)")

    def texts(self):
        """The counts as shown, row by row (for tests and screenshots)."""
        return [[int(self.item(r, c).text()) for c in range(self.columnCount())]
                for r in range(self.rowCount())]


class ConfusionDock(LazyDock):
    """The confusion matrices at ``session.iteration``. After a redraw ``matrices``
    maps "train" and "test" to the counts shown ("test" is None without held-out
    rows) and ``shown_iteration`` is the iteration they belong to."""

    def __init__(self, session, parent=None, lazy=False):
        super().__init__("Confusion", parent)
        self.setObjectName("confusion_dock")
        self.session = session
        self.matrices = {"train": None, "test": None}
        self.shown_iteration = None
        self.names = []
        self.build_now_or_when_shown(lazy)

    def _build(self):
        session = self.session
        self._make_widgets()
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=15)
        session.cursor.sigRunReplaced.connect(self.sync)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        self.sync()

    def _make_widgets(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        grid = QGridLayout()
        self.titles, self.tables = {}, {}
        for column, part in enumerate(("train", "test")):
            title = QLabel()
            title.setWordWrap(True)
            table = ConfusionTable()
            grid.addWidget(title, 0, column, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(table, 1, column, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.titles[part], self.tables[part] = title, table
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        self.note = QLabel("Rows: the true class (the largest target). Columns: the class "
                           "the network picks (its largest output). The diagonal counts "
                           "right answers; each cell is shaded by its share of its row.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setWidget(body)

    def sync(self):
        """Adapt to a new run: its classes and whether it holds rows out."""
        run = self.session.run
        self.names = class_names(run)
        for table in self.tables.values():
            table.set_classes(self.names)
        held_out = run.test_rows.size > 0
        self.tables["test"].setVisible(held_out)
        self.titles["test"].setVisible(held_out)
        if run.Y.shape[1] == 1:
            self.note.setText("Rows: the true class (target above 0.5 is class 1). Columns: "
                              "the class the network picks (ŷ above 0.5). The diagonal counts "
                              "right answers; each cell is shaded by its share of its row.")
        self.redraw.schedule()

    def refresh(self):
        """The matrices at the shown iteration."""
        # Imported here, when the tab is first built: start-up pays only for the first frame.
        from nncore.confusion import confusion_matrix

        run, k = self.session.run, self.session.iteration
        shown = run.at(k)
        self.shown_iteration = k
        parts = {"train": run.train_rows,
                 "test": run.test_rows if run.test_rows.size else None}
        for part, rows in parts.items():
            if rows is None:
                self.matrices[part] = None
                continue
            with np.errstate(all="ignore"):  # a diverged run's NaN is counted, not raised
                yhat = forward(run.X[rows], shown.weights, run.activations,
                               biases=shown.biases)[-1]
            counts = confusion_matrix(yhat, run.Y[rows])
            self.matrices[part] = counts
            self.tables[part].show_counts(counts, self.names)
            right = int(np.trace(counts))
            label = "Training rows" if part == "train" else "Test rows (held out)"
            self.titles[part].setText(f"<b>{label}</b>: {right} of {len(rows)} right "
                                      f"({100 * right / len(rows):.1f}%)")
        self.caption.setText(f"Confusion matrix at iteration {k}: true class down, "
                             "predicted class across.")
