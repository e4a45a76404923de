"""The backprop inspector: the tutorial's chain rule for one weight, with live numbers.

For the selected edge W[l][i, j] (unit i of layer l -> unit j of layer l+1) at the
current iteration k, a table lists each training sample's factors of
dE/dw = dE/dŷ · dŷ/ds · ds/dw and their product; below it the batch sum, the
learning rate, the update Δw = -η·dE/dw and the weight before and after the step
from iteration k to k+1. For hidden-layer edges the table also shows how the unit's
back-propagated error δ was formed from the errors of the units it feeds.

Every number comes from ``nncore.network.backward`` at W_k, which performs the same
arithmetic as the training step, so "after" is exactly what Step will produce.

When no edge is selected the panel shows w₁ (x₁ → ŷ, the tutorial's worked example)
rather than an empty box, with a line saying to click an edge for another weight: a
learner opening the panel first should see the derivation they just read.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QGridLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.common.chain_rule import chain_rule, fmt, weight_label, weight_symbol, widest_number
from gui.common.redraw import RedrawTimer

DEFAULT_EDGE = (0, 0, 0)
TABLE_ROWS = 10  # more samples than this scroll
LABELLED_INPUTS = 4  # a row's header lists this many inputs, then "…"
SUMMARY_ROWS = ("gradient", "learning_rate", "delta_w", "before", "after")
CELL_MARGIN = 14  # px beside a cell's text: Qt's margins, and some air
DISPLAY, TOOLTIP, FONT, ALIGNMENT = (int(role) for role in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.TextAlignmentRole))
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


def summary_names(w, k):
    """The summary's captions for weight symbol ``w`` at iteration ``k``."""
    return {"gradient": f"∂E/∂{w} = Σ products (the batch sum)",
            "learning_rate": f"η, the learning rate at iteration {k}",
            "delta_w": f"Δ{w} = −η · ∂E/∂{w}",
            "before": f"{w} now (iteration {k})",
            "after": f"{w} after the step (iteration {k + 1}) = {w} + Δ{w}"}


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

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bold = QFont()
        self.bold.setBold(True)

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
        if role == Qt.ItemDataRole.ToolTipRole:
            if not horizontal:
                tip = self.row_tips[section] if section < len(self.row_tips) else ""
                return f"Training sample {section + 1} and its input x{tip}"
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


class InspectorDock(QDockWidget):
    """The chain rule for the selected weight at ``session.iteration``.

    ``displayed()`` returns what the panel shows, read back from its table model and
    labels: every cell's text and the full-precision value in its tooltip.
    """

    def __init__(self, session, parent=None):
        super().__init__("Backprop inspector", parent)
        self.setObjectName("inspector_dock")
        self.session = session
        self.shown = None  # the ChainRule on screen
        self.shown_for = None  # (run, edge, digits of the last iteration) sized for
        self.labels_for = None  # the run self.row_labels describe
        self.room = {}  # summary label -> advance of the widest text it was sized for
        self._make_widgets()
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=15)
        session.cursor.sigRunReplaced.connect(self.redraw.schedule)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.selection.sigEdgeSelected.connect(self.redraw.schedule)
        self.refresh()

    def _make_widgets(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = WrappedText()
        layout.addWidget(self.title)
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        big = QFont(self.formula.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.formula.setFont(big)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.formula)
        self.notes = WrappedText()
        layout.addWidget(self.notes)
        self.model = ChainTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.horizontalHeader().setResizeContentsPrecision(TABLE_ROWS)
        # Compact rows: the panel often shares a short dock area with others.
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        layout.addWidget(self.table, 10)  # grows to its rows; the stretch below takes the rest
        self.batch_note = QLabel("One row per training sample; the step adds up their "
                                 "products (batch gradient descent):")
        self.batch_note.setWordWrap(True)
        layout.addWidget(self.batch_note)
        grid = QGridLayout()
        self.summary_names = {}
        self.summary_values = {}
        for row, key in enumerate(SUMMARY_ROWS):
            name, value = QLabel(), QLabel()
            value.setObjectName(key)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            bold = QFont(value.font())
            bold.setBold(key in ("delta_w", "after"))
            value.setFont(bold)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignRight)  # widths may differ
            self.summary_names[key] = name
            self.summary_values[key] = value
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setWidget(body)

    @property
    def edge(self):
        """The edge shown: the selected one, or w₁ when none (or one that no longer fits)."""
        edge = self.session.selection.edge
        sizes = self.session.run.layer_sizes
        if edge is not None:
            l, i, j = edge
            if 0 <= l < len(sizes) - 1 and 0 <= i < sizes[l] and 0 <= j < sizes[l + 1]:
                return tuple(edge)
        return DEFAULT_EDGE

    def refresh(self):
        """Recompute and show the chain rule at the session's current iteration."""
        session = self.session
        run, k, edge = session.run, session.iteration, self.edge
        rule = chain_rule(run, k, edge)
        self.shown = rule
        sizes = run.layer_sizes
        # Sized again for a new run, another edge, or when the history gets a digit longer.
        shown_for = (run, edge, len(str(run.newest + 1)))
        if self.shown_for is None or self.shown_for[0] is not run or \
                self.shown_for[1:] != shown_for[1:]:
            self.shown_for = shown_for
            self._size_summary(sizes, edge, run.newest)
        w = weight_symbol(sizes, edge)
        label = weight_label(sizes, edge)
        if session.selection.edge is None or tuple(session.selection.edge) != edge:
            self.title.setText(f"<b>Showing {label}</b>, the tutorial's worked example. "
                               "Click an edge in the diagram to inspect another weight.")
        else:
            self.title.setText(f"<b>{label}</b> at iteration {k}: why it moves in the step "
                               f"to iteration {k + 1}.")
        self.formula.setText(rule.formula)
        self.notes.setText("\n".join(rule.notes))
        self.notes.setVisible(bool(rule.notes))
        self._fill_table(rule, run)
        names = summary_names(w, k)
        if rule.recorded_after is not None and rule.recorded_after != rule.after:
            # A hand edit at k+1 replaced the stepped value; say so rather than hide it,
            # on a line of its own, so the caption's width stays that of the others.
            names["after"] += f"\n(then set by hand to {fmt(rule.recorded_after)})"
        for key in SUMMARY_ROWS:
            self._set_steady(self.summary_names[key], names[key])
            value = getattr(rule, key)
            self._set_steady(self.summary_values[key], fmt(value))
            self.summary_values[key].setToolTip(repr(value))

    # A label whose minimum and maximum sizes differ makes Qt lay out the dock, and then
    # the main window, again whenever its text changes: the summary labels change on
    # every seek, so they get a fixed size that only grows, sized for the widest text
    # they are likely to show (every iteration up to the last, fmt's widest).

    def _size_summary(self, sizes, edge, last):
        for key, text in summary_names(weight_symbol(sizes, edge), last).items():
            self._set_steady(self.summary_names[key], text, fit=True)
        for label in self.summary_values.values():
            self._set_steady(label, widest_number(label.font()), fit=True)

    def _set_steady(self, label, text, fit=False):
        """Show ``text`` in ``label``, fixed in size: fitted to the text when ``fit``,
        else grown if the text is wider than any it was sized for."""
        if text == label.text() and not fit:
            return
        label.setText(text)
        # The advance, not sizeHint(): that lays out a selectable label's text, which
        # costs more than the label's paint does.
        width = label.fontMetrics().horizontalAdvance(text)
        if fit or width > self.room[label]:
            self.room[label] = width
            hint = label.sizeHint()
            label.setFixedSize(hint if fit else hint.expandedTo(label.maximumSize()))

    def _fill_table(self, rule, run):
        n = run.X.shape[0]
        if self.labels_for is not run:  # a run keeps its X
            self.labels_for = run
            self.row_labels = [row_label(r, x) for r, x in enumerate(run.X)]
            self.row_tips = [f" = [{' '.join(f'{v:.6g}' for v in x)}]" for x in run.X]
        labels = self.row_labels
        table, layout_before = self.table, (self.model.headers, self.model.row_labels)
        self.model.set_rule(rule, labels, self.row_tips)
        if layout_before == (self.model.headers, self.model.row_labels):
            return
        table.resizeColumnsToContents()
        # Wide enough for any number fmt() prints, not just the ones on screen now (the
        # products' column in bold); columns of the data's whole numbers (x, y) stay
        # narrow, as they never change.
        values = self.model.values
        fixed = [*run.X.T, *run.Y.T]
        for c in range(self.model.columnCount()):
            column = values[:, c]
            if np.all(column == np.round(column)) and any(
                    np.array_equal(column, data) for data in fixed):
                continue
            font = self.model.bold if c == self.model.newest else table.font()
            widest = QFontMetrics(font).horizontalAdvance(widest_number(font)) + CELL_MARGIN
            table.setColumnWidth(c, max(table.columnWidth(c), widest))
        # At most as tall as its rows (TABLE_ROWS at most), so the sum sits right below;
        # room is kept for a horizontal scroll bar, which a narrow dock needs.
        rows = sum(table.rowHeight(r) for r in range(min(n, TABLE_ROWS)))
        frame = (table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                 + table.horizontalScrollBar().sizeHint().height())
        table.setMaximumHeight(frame + rows)
        table.setMinimumHeight(frame + min(rows, 2 * table.rowHeight(0)))

    def showEvent(self, event):
        super().showEvent(event)
        self.redraw.shown()

    # ---- what the panel shows, for tests and for copying out --------------------------

    def displayed(self):
        """What is on screen: ``{"iteration", "edge", "formula", "headers", "text",
        "values", <summary key>: value, <summary key>_text: text}``. ``text`` and
        ``values`` are per column, per sample; values are parsed from the tooltips."""
        model = self.model
        display, tip = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
        rows, cols = range(model.rowCount()), range(model.columnCount())
        out = {"iteration": self.shown.iteration, "edge": self.shown.edge,
               "formula": self.formula.text(),
               "headers": [model.headerData(c, Qt.Orientation.Horizontal) for c in cols],
               "text": [[model.data(model.index(r, c), display) for r in rows] for c in cols],
               "values": [[float(model.data(model.index(r, c), tip)) for r in rows]
                          for c in cols]}
        for key in SUMMARY_ROWS:
            out[key] = float(self.summary_values[key].toolTip())
            out[key + "_text"] = self.summary_values[key].text()
        return out
