"""The backprop inspector: the tutorial's chain rule for one weight or bias, with live
numbers.

For the selected edge W[l][i, j] (unit i of layer l -> unit j of layer l+1), or the
bias b[l][j] (the edge from layer l's "+1" node), at the current iteration k, a
table lists each dataset row's factors of dE/dw = dE/dŷ · dŷ/ds · ds/dw and their
product, greying the rows that the step's batch leaves out; below it the batch
gradient, the learning rate, the update Δw and the value before and after the step
from iteration k to k+1. For hidden units the table also shows how the unit's
back-propagated error δ was formed from the errors of the units it feeds. Beyond the
tutorial's plain step (mini-batches, mean reduction, a penalty, another optimizer, a
test split), lines below spell out the batch, the penalty's gradient and the
optimizer's path from g to Δw, every number plugged in (``inspector/update_lines.py``).

The step's numbers are ``run.at(k).step()``'s, the training's own bits, so "after"
is exactly what Step will produce.

When no edge is selected the panel shows w₁ (x₁ → ŷ, the tutorial's worked example)
rather than an empty box, with a line saying to click an edge for another weight: a
learner opening the panel first should see the derivation they just read.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
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

from gui.common.chain_rule import chain_rule, fmt, param_label, param_symbol, widest_number
from gui.common.redraw import RedrawTimer
from gui.docks.inspector.chain_table import ChainTableModel, WrappedText, row_label
from gui.docks.inspector.fitted_scroll import FittedScroll
from gui.docks.inspector.update_lines import html_lines, plain_step, update_html, update_lines
from gui.session import is_bias, param_fits

DEFAULT_EDGE = (0, 0, 0)
TABLE_ROWS = 10  # more samples than this scroll
STEP_TABLE_ROWS = 6  # fewer with the step's lines below, so that they show too
SUMMARY_ROWS = ("gradient", "learning_rate", "delta_w", "before", "after")
CELL_MARGIN = 14  # px beside a cell's text: Qt's margins, and some air
# What each optimizer subtracts, over η (see nncore/optimizers.py).
UPDATE_RULES = {"momentum": "v", "nesterov": "(g + μ·v)", "rmsprop": "g / (√s + ε)",
                "adam": "m_hat / (√v_hat + ε)"}
PLAIN_NOTE = ("One row per training sample; the step adds up their products (batch "
              "gradient descent):")
BATCH_NOTE = ("One row per dataset row; the step's gradient takes the products of the "
              "rows in its batch (the greyed rows are left out){mean}:")


def summary_names(w, k, options):
    """The summary's captions for parameter symbol ``w`` at iteration ``k`` of a run
    trained with ``options``."""
    if options.optimizer == "sgd":
        update = f"Δ{w} = −η · " + ("g" if options.has_penalty else f"∂E/∂{w}")
    else:
        update = f"Δ{w} = −η · {UPDATE_RULES[options.optimizer]}"
    mean = options.reduction == "mean"
    return {"gradient": (f"∂E/∂{w} = (1/B) · Σ products (the batch mean)" if mean
                         else f"∂E/∂{w} = Σ products (the batch sum)"),
            "learning_rate": f"η, the learning rate at iteration {k}",
            "delta_w": update,
            "before": f"{w} now (iteration {k})",
            "after": f"{w} after the step (iteration {k + 1}) = {w} + Δ{w}"}


class InspectorDock(QDockWidget):
    """The chain rule for the selected weight or bias at ``session.iteration``.

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
        # Its text is read, not watched: while Play runs, five refreshes a second keep
        # it current and leave the time to training (a refresh replays a step or more).
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=5)
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
        self.update_lines = WrappedText()
        self.update_lines.setObjectName("update_lines")
        self.update_lines.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.update_lines.label.setToolTip(
            "The step from the batch to the update, every number as the training used it "
            "(10 significant digits): each line can be redone by hand from the numbers "
            "on screen.")
        # Right under the formula: in a dock shared with others, the step is what shows
        # first; the table below holds the products its first line sums.
        layout.addWidget(self.update_lines)
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
        self.batch_note = QLabel(PLAIN_NOTE)
        self.batch_note.setWordWrap(True)
        layout.addWidget(self.batch_note)
        self.summary = QWidget()
        grid = QGridLayout(self.summary)
        grid.setContentsMargins(0, 0, 0, 0)
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
        layout.addWidget(self.summary)
        layout.addStretch(1)
        # Beyond the tutorial's step the optimizer's lines make the panel taller than
        # a dock shared with others: it scrolls rather than squeezing the table.
        self.setWidget(FittedScroll(body))

    @property
    def edge(self):
        """The parameter shown: the selected weight or bias, or w₁ when none (or one
        that no longer fits)."""
        edge, run = self.session.selection.edge, self.session.run
        if param_fits(edge, run.layer_sizes, run.options.bias):
            return edge if is_bias(edge) else tuple(edge)
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
            self._size_summary(sizes, edge, run.newest, run.options)
            plain = plain_step(run)
            mean = " and divides their sum by B" if run.options.reduction == "mean" else ""
            self.batch_note.setText(PLAIN_NOTE if plain else BATCH_NOTE.format(mean=mean))
            self.update_lines.setVisible(not plain)
            self.summary.setVisible(plain)  # the lines show its numbers, and how
        w = param_symbol(sizes, edge)
        label = param_label(sizes, edge)
        if session.selection.edge is None or session.selection.edge != edge:
            self.title.setText(f"<b>Showing {label}</b>, the tutorial's worked example. "
                               "Click an edge in the diagram to inspect another weight.")
        else:
            self.title.setText(f"<b>{label}</b> at iteration {k}: why it moves in the step "
                               f"to iteration {k + 1}.")
        self.formula.setText(rule.formula)
        self.notes.setText("\n".join(rule.notes))
        self.notes.setVisible(bool(rule.notes))
        self._fill_table(rule, run)
        if self.update_lines.isVisibleTo(self):
            self.update_lines.setText(update_html(update_lines(run, rule, w, is_bias(edge))))
        names = summary_names(w, k, run.options)
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

    def _size_summary(self, sizes, edge, last, options):
        for key, text in summary_names(param_symbol(sizes, edge), last, options).items():
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
        labels, tips = self.row_labels, self.row_tips
        if not np.array_equal(rule.rows, np.arange(n)):  # a mini-batch's rows come first
            labels = [labels[r] for r in rule.rows]
            tips = [tips[r] for r in rule.rows]
        table, layout_before = self.table, (self.model.headers, len(self.model.row_labels))
        self.model.set_rule(rule, labels, tips)
        self.model.set_batch(rule.in_batch)
        if layout_before == (self.model.headers, len(self.model.row_labels)):
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
        limit = TABLE_ROWS if plain_step(run) else STEP_TABLE_ROWS
        rows = sum(table.rowHeight(r) for r in range(min(n, limit)))
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
        "values", "greyed", "update", <summary key>: value, <summary key>_text: text}``.
        ``text`` and ``values`` are per column, per sample; values are parsed from the
        tooltips. ``rows``: each table row's dataset row (0-based, read from its
        header); ``greyed``: the table rows drawn grey; ``update``: the lines from the batch
        to Δw, as shown (empty when hidden)."""
        model = self.model
        display, tip = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole
        rows, cols = range(model.rowCount()), range(model.columnCount())
        out = {"iteration": self.shown.iteration, "edge": self.shown.edge,
               "formula": self.formula.text(),
               "headers": [model.headerData(c, Qt.Orientation.Horizontal) for c in cols],
               "text": [[model.data(model.index(r, c), display) for r in rows] for c in cols],
               "values": [[float(model.data(model.index(r, c), tip)) for r in rows]
                          for c in cols],
               "rows": [int(model.headerData(r, Qt.Orientation.Vertical).split()[0]) - 1
                        for r in rows],
               "greyed": [r for r in rows if model.data(
                   model.index(r, 0), Qt.ItemDataRole.ForegroundRole) is not None],
               "update": (html_lines(self.update_lines.text())
                          if self.update_lines.isVisibleTo(self) else [])}
        for key in SUMMARY_ROWS:
            out[key] = float(self.summary_values[key].toolTip())
            out[key + "_text"] = self.summary_values[key].text()
        return out
