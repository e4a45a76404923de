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

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QGridLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.names import unit_name, vector_text
from gui.redraw import RedrawTimer
from nncore.network import backward, slope
from nncore.surface import flat_index

DEFAULT_EDGE = (0, 0, 0)
TABLE_ROWS = 10  # more samples than this scroll
MINUS = "\u2212"
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(name):
    """x1 -> x₁, h12 -> h₁₂: the tutorial's subscripts on the diagram's names."""
    return re.sub(r"(?<=[A-Za-zŷ])\d+", lambda m: m.group().translate(_SUBSCRIPTS), name)


def weight_symbol(layer_sizes, edge):
    """w₁, w₂, ...: weights numbered 1.. in flat order (layer by layer, row by row),
    so the tutorial's single neuron has exactly its w₁, w₂, w₃."""
    return "w" + str(flat_index(layer_sizes, *edge) + 1).translate(_SUBSCRIPTS)


def weight_label(layer_sizes, edge):
    """ "w₁ (x₁ → ŷ)": symbol and the units it joins."""
    layer, row, col = edge
    return (f"{weight_symbol(layer_sizes, edge)} ({unit_symbol(layer_sizes, layer, row)} → "
            f"{unit_symbol(layer_sizes, layer + 1, col)})")


def unit_symbol(layer_sizes, layer, index):
    return sub(unit_name(layer_sizes, layer, index, qualified=True))


def fmt(value):
    """A number as the panel prints it: whole numbers plainly, else 8 decimals as the
    tutorial prints its outputs, scientific when that would hide the digits."""
    value = float(value)
    if not math.isfinite(value):
        text = "nan" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    elif value == round(value) and abs(value) < 1e6:
        text = str(int(value))
    elif 1e-4 <= abs(value) < 1e4:
        text = f"{value:.8f}"
    else:
        text = f"{value:.6e}"
    return text.replace("-", MINUS)


def slope_formula(activation, a):
    """f'(s) written with the unit's own output ``a``, as the tutorial writes ŷ(1 − ŷ)."""
    return {"sigmoid": f"{a}(1 − {a})", "tanh": f"1 − {a}²",
            "relu": f"1 if {a} > 0 else 0", "linear": "1"}[activation]


@dataclass
class ChainRule:
    """The numbers behind one weight's update at one iteration."""
    edge: tuple
    iteration: int
    formula: str
    notes: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # [(header, values per sample)]
    gradient: float = 0.0  # dE/dw at W_k, the batch sum
    learning_rate: float = 1.0
    delta_w: float = 0.0
    before: float = 0.0
    after: float = 0.0
    recorded_after: float | None = None  # W_{k+1} in the history, when there is one


def chain_rule(run, k, edge):
    """Every factor of dE/dw for weight ``edge = (l, i, j)`` at iteration ``k``."""
    l, i, j = edge
    sizes, acts = run.layer_sizes, run.activations
    weights = run.weights_at(k)
    grads, layers, deltas = backward(run.X, run.Y, weights, acts, run.loss)
    w = weight_symbol(sizes, edge)
    src, dst = unit_symbol(sizes, l, i), unit_symbol(sizes, l + 1, j)
    x, a = layers[l][:, i], layers[l + 1][:, j]
    fprime = slope(acts[l], a)
    delta = deltas[l][:, j]
    single_output = sizes[-1] == 1
    y = "y" if single_output else sub(f"y{j + 1}")
    columns = [(src, x)]
    notes = []
    if l == len(sizes) - 2:  # the weight feeds an output unit
        columns += [(dst, a), (y, run.Y[:, j])]
        if run.loss == "bce":
            columns += [(f"δ = {dst} − {y}", delta)]
            formula = f"∂E/∂{w} = Σ ({dst} − {y}) · {src}"
            notes.append(f"With cross-entropy, ∂E/∂{dst} = ({dst} − {y}) / ({dst}(1 − {dst})) "
                         f"and ∂{dst}/∂s = {dst}(1 − {dst}): they cancel to δ = {dst} − {y}.")
        else:
            columns += [(f"∂E/∂{dst}\n= {dst} − {y}", a - run.Y[:, j]),
                        (f"∂{dst}/∂s\n= {slope_formula(acts[l], dst)}", fprime)]
            formula = (f"∂E/∂{w} = Σ ({dst} − {y}) · {slope_formula(acts[l], dst)} · {src}")
    else:  # hidden unit: its error δ comes back from the units it feeds
        if single_output:
            columns += [("ŷ", layers[-1][:, 0]), ("y", run.Y[:, 0])]
        columns.append((dst, a))
        outgoing = weights[l + 1][j]
        fed = [(unit_symbol(sizes, l + 2, m), weight_symbol(sizes, (l + 1, j, m)))
               for m in range(sizes[l + 2])]
        if len(fed) <= 4:
            for m, (unit, wm) in enumerate(fed):
                columns.append((f"δ({unit}) · {wm}", deltas[l + 1][:, m] * outgoing[m]))
        back = np.dot(deltas[l + 1], weights[l + 1].T)[:, j]  # as backward() forms it
        columns += [(f"Σₘ δₘ · w({dst}→m)", back),
                    (f"f′(s) = {slope_formula(acts[l], dst)}", fprime),
                    (f"δ({dst})", delta)]
        formula = (f"∂E/∂{w} = Σ δ({dst}) · {src},   δ({dst}) = "
                   f"(Σₘ δₘ · w({dst}→m)) · {slope_formula(acts[l], dst)}")
        feeds = ", ".join(f"{unit} through {wm} = {fmt(v)}"
                          for (unit, wm), v in zip(fed, outgoing, strict=True))
        notes.append(f"{dst} feeds {feeds}. Its error δ({dst}) is the errors δₘ of those "
                     f"units, weighted by those weights and summed, times its slope.")
    columns += [(f"∂s/∂{w}\n= {src}", x), ("product\n(this sample's share)", delta * x)]
    rate = run.learning_rate_at(k)
    gradient = float(grads[l][i, j])
    before = float(weights[l][i, j])
    delta_w = -(rate * gradient)
    recorded = float(run.weights_at(k + 1)[l][i, j]) if k < run.last else None
    return ChainRule(edge, k, formula, notes, columns, gradient, rate, delta_w,
                     before, before + delta_w, recorded)


SUMMARY_ROWS = ("gradient", "learning_rate", "delta_w", "before", "after")


class InspectorDock(QDockWidget):
    """The chain rule for the selected weight at ``session.iteration``.

    ``displayed()`` returns what the panel shows, read back from its widgets: every
    cell's text and the full-precision value in its tooltip.
    """

    def __init__(self, session, parent=None):
        super().__init__("Backprop inspector", parent)
        self.setObjectName("inspectorDock")
        self.session = session
        self.shown = None  # the ChainRule on screen
        self._make_widgets()
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=15)
        session.sigRunReplaced.connect(self.redraw.schedule)
        session.sigHistoryChanged.connect(self.redraw.schedule)
        session.sigIterationChanged.connect(self.redraw.schedule)
        session.sigEdgeSelected.connect(self.redraw.schedule)
        self.refresh()

    def _make_widgets(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.formula = QLabel()
        self.formula.setObjectName("formula")
        big = QFont(self.formula.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.formula.setFont(big)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.formula)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.table)
        self.batch_note = QLabel("Each row is one training sample. Batch gradient descent "
                                 "adds the rows' products up and takes one step:")
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
            grid.addWidget(value, row, 1)
            self.summary_names[key] = name
            self.summary_values[key] = value
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setWidget(body)

    @property
    def edge(self):
        """The edge shown: the selected one, or w₁ when none (or one that no longer fits)."""
        edge = self.session.selected_edge
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
        w = weight_symbol(sizes, edge)
        label = weight_label(sizes, edge)
        if session.selected_edge is None or tuple(session.selected_edge) != edge:
            self.title.setText(f"<b>Showing {label}</b>, the tutorial's worked example. "
                               "Click an edge in the diagram to inspect another weight.")
        else:
            self.title.setText(f"<b>{label}</b> at iteration {k}: why it moves in the step "
                               f"to iteration {k + 1}.")
        self.formula.setText(rule.formula)
        self.notes.setText("\n".join(rule.notes))
        self.notes.setVisible(bool(rule.notes))
        self._fill_table(rule, run)
        names = {
            "gradient": f"∂E/∂{w} = Σ products (the batch sum)",
            "learning_rate": f"η, the learning rate at iteration {k}",
            "delta_w": f"Δ{w} = −η · ∂E/∂{w}",
            "before": f"{w} now (iteration {k})",
            "after": f"{w} after the step (iteration {k + 1}) = {w} + Δ{w}",
        }
        for key in SUMMARY_ROWS:
            self.summary_names[key].setText(names[key])
            value = getattr(rule, key)
            self.summary_values[key].setText(fmt(value))
            self.summary_values[key].setToolTip(repr(value))
        if rule.recorded_after is not None and rule.recorded_after != rule.after:
            # A hand edit at k+1 replaced the stepped value; say so rather than hide it.
            self.summary_names["after"].setText(
                names["after"] + f" (then set by hand to {fmt(rule.recorded_after)})")

    def _fill_table(self, rule, run):
        n, cols = run.X.shape[0], len(rule.columns)
        table = self.table
        if table.rowCount() != n or table.columnCount() != cols:
            table.clear()
            table.setRowCount(n)
            table.setColumnCount(cols)
            for r in range(n):
                for c in range(cols):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    table.setItem(r, c, item)
        table.setHorizontalHeaderLabels([header for header, _ in rule.columns])
        bold = QFont(table.font())
        bold.setBold(True)
        table.setVerticalHeaderLabels([f"{r + 1}  {vector_text(run.X[r])}" for r in range(n)])
        for c, (_header, values) in enumerate(rule.columns):
            for r in range(n):
                item = table.item(r, c)
                item.setText(fmt(values[r]))
                item.setToolTip(repr(float(values[r])))
                if c == cols - 1:  # the products are what the step adds up
                    item.setFont(bold)
        table.resizeColumnsToContents()
        # As tall as its rows, up to TABLE_ROWS of them, so the sum sits right below.
        shown = min(n, TABLE_ROWS)
        height = (table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                  + sum(table.rowHeight(r) for r in range(shown)))
        if shown < n:
            height += table.horizontalScrollBar().sizeHint().height()
        table.setFixedHeight(height)

    # ---- what the panel shows, for tests and for copying out --------------------------

    def displayed(self):
        """What is on screen: ``{"iteration", "edge", "formula", "headers", "text",
        "values", <summary key>: value, <summary key>_text: text}``. ``text`` and
        ``values`` are per column, per sample; values are parsed from the tooltips."""
        table = self.table
        out = {"iteration": self.shown.iteration, "edge": self.shown.edge,
               "formula": self.formula.text(),
               "headers": [table.horizontalHeaderItem(c).text()
                           for c in range(table.columnCount())],
               "text": [[table.item(r, c).text() for r in range(table.rowCount())]
                        for c in range(table.columnCount())],
               "values": [[float(table.item(r, c).toolTip()) for r in range(table.rowCount())]
                          for c in range(table.columnCount())]}
        for key in SUMMARY_ROWS:
            out[key] = float(self.summary_values[key].toolTip())
            out[key + "_text"] = self.summary_values[key].text()
        return out
