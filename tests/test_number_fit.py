"""Numbers fit their cells: short formats where a cell is small, and the full value
in a tooltip (the inspector, the diagram's nodes, the dataset table, the loss surface)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from gui.common.chain_rule import FMT_WIDEST, fmt, widest_number
from gui.diagram.network_item import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    VALUE_MIN_RADIUS,
    NetworkItem,
)
from gui.diagram.network_view import NetworkView
from gui.diagram.node_text import MIN_POINTS, fit_value, value_room, value_text
from gui.docks.dataset.dataset_table import DatasetTable
from gui.docks.inspector_dock import InspectorDock
from gui.docks.loss_surface_dock import LossSurfaceDock

MAGNITUDES = [s * m * 10.0 ** e for e in range(-324, 309) for m in (1.0, 4.4, 9.99999)
              for s in (1, -1) if math.isfinite(m * 10.0 ** e)]
EXTREMES = [5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, -9.999999999,
            -9999.999999, 99999.95, -0.000099999999, 0.0, -0.0]


@given(st.floats(allow_nan=False))
def test_fmt_is_at_most_eleven_characters(value):
    assert len(fmt(value)) <= 11


def test_fmt_keeps_the_tutorials_eight_decimals_and_its_widest_texts_are_listed(qapp):
    assert fmt(0.97906682) == "0.97906682" and fmt(-0.5) == "−0.50000000"
    assert fmt(12.3456789012) == "12.3456789"  # nine significant digits from 10 on
    assert fmt(-4.355e-5) == "−4.3550e−05" and fmt(-1e308) == "−1.000e+308"
    metrics = QFontMetrics(QFont())
    widest = max(metrics.horizontalAdvance(text) for text in FMT_WIDEST)
    for value in MAGNITUDES + EXTREMES:
        assert metrics.horizontalAdvance(fmt(value)) <= widest, fmt(value)


def test_node_values_are_short_and_fit_the_smallest_node_that_shows_them(qtbot):
    item = NetworkItem()
    # 40 units a column: a radius of 0.36 times their spacing, just what shows values.
    item.set_layout([3, 40, 1], 400, 40 * VALUE_MIN_RADIUS / 0.36 + MARGIN_TOP + MARGIN_BOTTOM + 1)
    assert item.show_values and item.radius == pytest.approx(VALUE_MIN_RADIUS, abs=0.5)
    texts = {value_text(v) for v in MAGNITUDES + EXTREMES + [float("nan"), 0.97, -0.5, 123.4]}
    assert max(len(text) for text in texts) <= 6
    assert value_text(1e308) == "1e308" and value_text(-2.4e-300) == "-0.00"
    for text in texts:
        font, shown, width = fit_value(text, item.radius)
        assert width <= value_room(font, item.radius) < 2 * item.radius, text
        assert font.pointSizeF() >= MIN_POINTS
        if shown != text:  # elided: the node's tooltip has the value in full
            assert shown.endswith("…")


def test_a_node_tooltip_has_the_value_in_full(make_view):
    view = make_view(NetworkView)
    session = view.session
    session.selection.set_probe(np.array([1e308, 0.123456789012345, 1.0]))
    view.refresh()
    assert view.tooltip_for(("node", (0, 0))) == "x1 (input) = 1e+308"
    assert view.tooltip_for(("node", (0, 1))) == "x2 (input) = 0.123456789012345"
    assert [label[3] for label in view.node_labels()][:3] == ["1e308", "0.12", "1"]


def test_a_rounded_dataset_cell_has_its_exact_value_in_the_tooltip(qtbot):
    table = DatasetTable()
    qtbot.addWidget(table)
    table.fill(np.array([[0.123456789, 1.0], [1e308, 0.5]]), np.array([[1.0], [0.0]]))
    assert table.validate() is not None
    assert table.item(0, 0).text() == "0.123457"
    assert table.item(0, 0).toolTip() == "0.123456789"
    assert table.item(1, 0).text() == "1e+308" and table.item(1, 0).toolTip() == ""


def test_the_inspectors_numbers_fit_and_a_hand_edit_note_keeps_the_width(make_view, qtbot):
    dock = make_view(InspectorDock, size=(700, 500))
    session = dock.session
    qtbot.waitUntil(lambda: not dock.redraw.stale)
    for label in dock.summary_values.values():  # sized for the widest text at once
        widest = widest_number(label.font())
        assert label.fontMetrics().horizontalAdvance(widest) <= label.width()
    name = dock.summary_names["after"]
    width = name.width()
    session.run.train(5)
    session.run.set_weight(1, 0, 0, 0, -4.355e-5)  # W_1 set by hand after the step
    session.cursor.sigHistoryChanged.emit()
    qtbot.waitUntil(lambda: "set by hand" in name.text())
    assert name.text().endswith("\n(then set by hand to −4.3550e−05)")
    assert name.width() == width  # on a line of its own: as wide as before


def test_the_loss_surface_says_its_numbers_in_full_in_a_tooltip(make_view, qtbot):
    dock = make_view(LossSurfaceDock)
    session = dock.session
    session.cursor.set_weight(0, 0, 0, -1.2345678901234e300)
    qtbot.waitUntil(lambda: dock.drawn_iteration == 0 and "e+300" in dock.status.text())
    assert "w₁ = −1.235e+300" in dock.status.text()
    assert "w₁ = -1.2345678901234e+300" in dock.status.toolTip()
    assert dock.status.wordWrap()  # long numbers never widen the dock
    item = dock.plot.getPlotItem()
    assert item.getAxis("bottom").labelText.startswith("w₁ (x₁ → ŷ) + 1.2345678901234")
    assert item.getAxis("bottom").labelText.endswith("e+300")


def test_a_wide_inputs_row_header_lists_a_few_and_its_tooltip_all(make_view, qtbot):
    dock = make_view(InspectorDock, size=(700, 500))
    X = np.arange(2 * 60, dtype=float).reshape(2, 60) * 1e300
    dock.session.new_run(X=X, Y=np.array([[0.0], [1.0]]), layer_sizes=[60, 1],
                         dataset_name="wide")
    qtbot.waitUntil(lambda: not dock.redraw.stale)
    model = dock.model
    header = model.headerData(1, Qt.Orientation.Vertical)
    assert header == "2  [6e+301 6.1e+301 6.2e+301 6.3e+301 …]"
    tip = model.headerData(1, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Training sample 2 and its input x = [6e+301 ") and "1.19e+302]" in tip

