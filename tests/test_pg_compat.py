"""What the plots rely on in pyqtgraph beyond its documented API (gui/plots/pg_compat.py),
checked against the installed pyqtgraph: each test fails if a release changes the
thing relied on, instead of the plots breaking silently. A last test checks that
no other module of gui/ reaches into pyqtgraph."""

import ast
import pathlib
import sys

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters as exporters
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QApplication, QGraphicsTextItem

import gui
from gui.plots import pg_compat
from gui.plots.pg_compat import (
    Cursor,
    KeyLabel,
    LazyMenuViewBox,
    LineSegments,
    QuietAxis,
    auto_button,
    curve_item,
    drop_export_menu,
    exporting,
    text_item,
)
from gui.plots.plot_panel import PlotPanel


@pytest.fixture
def graphics(qtbot):
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def panel_in(graphics, add_actions=None):
    panel = PlotPanel(LazyMenuViewBox(add_actions), pg.mkPen("k"), pg.mkPen("k"))
    graphics.addItem(panel)
    QApplication.processEvents()
    return panel


def spy_set_html(axis):
    """Count the times the axis lays out its label's HTML."""
    calls = []
    set_html = axis.label.setHtml
    axis.label.setHtml = lambda html: (calls.append(html), set_html(html))[1]
    return calls


def test_quiet_axis_lays_out_its_label_once_where_pyqtgraph_would_each_time(graphics):
    quiet = QuietAxis("bottom", pg.mkPen("k"), pg.mkPen("k"))
    plain = pg.AxisItem("bottom", pen=pg.mkPen("k"), textPen=pg.mkPen("k"))
    plain.enableAutoSIPrefix(False)
    for axis in (quiet, plain):
        graphics.addItem(axis)
        axis.setLabel("iteration")
    quiet_calls, plain_calls = spy_set_html(quiet), spy_set_html(plain)
    for axis in (quiet, plain):
        axis.setPen(pg.mkPen("k"))  # pyqtgraph sets the same label again: _updateLabel
        axis.setTextPen(pg.mkPen("k"))
    assert len(plain_calls) == 2  # pyqtgraph still routes these through _updateLabel...
    assert quiet_calls == []  # ...which QuietAxis overrides: the same text is kept
    quiet.setLabel("iteration + 1 (log scale)")
    assert len(quiet_calls) == 1 and "iteration + 1 (log scale)" in quiet_calls[0]
    assert text_item(quiet) is quiet.label and isinstance(quiet.label, QGraphicsTextItem)
    # _adjustSize sizes the axis for its label, as pyqtgraph's own _updateLabel does.
    plain.setLabel("iteration + 1 (log scale)")
    assert quiet.labelString() == plain.labelString()
    assert quiet.label.toHtml() == plain.label.toHtml()
    assert quiet.minimumHeight() == plain.minimumHeight() > 0
    assert quiet.maximumHeight() == plain.maximumHeight()
    quiet.showLabel(False)
    plain.showLabel(False)
    assert quiet.minimumHeight() == plain.minimumHeight()
    assert quiet.picture is None  # cleared, so the axis is drawn again


def test_quiet_axis_writes_exponents_short(graphics):
    quiet = QuietAxis("left", pg.mkPen("k"), pg.mkPen("k"))
    plain = pg.AxisItem("left")
    for values, spacing, pyqtgraphs, ours in (
            ([0.0, 2e305, 4e305], 2e305, ["0", "2e+305", "4e+305"], ["0", "2e305", "4e305"]),
            ([0.0, 5e-5, 1e-4], 5e-5, ["0", "5e-05", "0.0001"], ["0", "5e-5", "0.0001"]),
            ([0.0, 0.5, 1.0], 0.5, ["0", "0.5", "1.0"], ["0", "0.5", "1.0"])):
        assert plain.tickStrings(values, 1.0, spacing) == pyqtgraphs
        assert quiet.tickStrings(values, 1.0, spacing) == ours


def test_a_lazy_menu_is_built_on_the_first_right_click_and_offers_our_entries(
        graphics, monkeypatch):
    built = []
    module = sys.modules[pg.ViewBox.__module__]
    original = module.ViewBoxMenu
    monkeypatch.setattr(module, "ViewBoxMenu", lambda vb: built.append(vb) or original(vb))
    pg.ViewBox()  # pyqtgraph builds a menu in every ViewBox's constructor...
    assert len(built) == 1
    added = []

    def add_actions(menu):
        added.append(menu.addAction("Log iteration axis"))

    panel = panel_in(graphics, add_actions)
    assert len(built) == 1 and added == []  # ...but not in this one
    assert panel.vb.menuEnabled()  # pyqtgraph reads state["enableMenu"] for right-clicks
    drop_export_menu(graphics.scene())
    shown = []
    monkeypatch.setattr(original, "popup", lambda menu, at: shown.append(menu))

    class RightClick:  # what pyqtgraph's scene hands an item on a click
        acceptedItem = panel.vb

        def button(self):
            return Qt.MouseButton.RightButton

        def accept(self):
            pass

        def screenPos(self):
            return QPointF(10, 10)

    panel.vb.mouseClickEvent(RightClick())  # pyqtgraph's own handler
    assert len(shown) == 1
    popup = shown[0]
    texts = [a.text() for a in popup.actions()]
    assert popup is panel.vb.menu and len(added) == 1  # built now, once
    assert "View All" in texts and "Log iteration axis" in texts
    assert "Export..." not in texts  # the scene's entry is gone
    assert panel.vb.menu is popup  # kept
    panel.vb.setMenuEnabled(False)  # pyqtgraph's own switch still works on it
    assert panel.vb.menu is None and not panel.vb.menuEnabled()


def test_the_scene_offers_export_until_dropped(graphics):
    scene = graphics.scene()

    class Event:
        acceptedItem = None

    assert [a.text() for a in scene.getContextMenus(Event())] == ["Export..."]
    drop_export_menu(scene)
    assert scene.getContextMenus(Event()) == []


def test_a_cursor_moves_as_an_infinite_line_would(graphics):
    panel = panel_in(graphics)
    panel.vb.setRange(xRange=(0, 100), yRange=(0, 1), padding=0)
    cursor, line = Cursor(), pg.InfiniteLine(0, angle=90)
    moves = {cursor: [], line: []}
    for each in (cursor, line):
        panel.addItem(each, ignoreBounds=True)
        each.setBounds((0.0, 50.0))
        each.sigPositionChanged.connect(lambda item: moves[item].append(item.value()))
    QApplication.processEvents()
    cursor.boundingRect()  # computed once, then kept over moves along x
    assert cursor._boundingRect is not None
    for x in (10, 10, 80, -3, 25.5, QPointF(7, 0), [12, 0]):
        cursor.setValue(x)
        line.setValue(x)
        assert cursor.value() == line.value() and cursor.p == line.p
        assert cursor.pos() == line.pos() and cursor.bounds() == line.bounds()
        assert cursor.boundingRect() == cursor._computeBoundingRect()
    assert moves[cursor] == moves[line] == [10, 50, 0, 25.5, 7, 12]
    panel.vb.setRange(yRange=(0, 5), padding=0)  # a view change clears the kept rect
    QApplication.processEvents()
    assert cursor._boundingRect is None or (
        cursor.boundingRect() == cursor._computeBoundingRect())


def test_line_segments_draw_the_polyline():
    image = QImage(40, 40, QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("black"), 1))
    segments = LineSegments()
    assert segments.draw_args(np.array([5.0]), np.array([5.0]))[1] == 0
    painter.drawLines(*segments.draw_args(np.array([5.0, 30, 30]), np.array([5.0, 5, 30])))
    painter.end()
    black = QColor("black").rgb()
    assert image.pixel(17, 5) == black and image.pixel(30, 17) == black
    assert image.pixel(17, 17) != black


def test_an_export_hides_the_a_button_while_it_draws(graphics):
    panel = panel_in(graphics)
    panel.hovered = True
    panel.follows = lambda: False
    panel.update_button()
    assert panel.auto_button.isVisible() and not exporting(panel)
    seen = []
    update = panel.update_button
    panel.update_button = lambda *a: (update(*a), seen.append(
        (exporting(panel), panel.auto_button.isVisible())))
    exporters.ImageExporter(panel).export(toBytes=True)  # pyqtgraph's own exporter
    assert (True, False) in seen
    assert seen[-1] == (False, True)  # back on screen afterwards
    assert panel.auto_button.pixmap is not None
    assert not auto_button(panel).pixmap.isNull()


def test_a_key_label_asks_for_its_height_but_no_width(graphics):
    key, plain = KeyLabel(), pg.LabelItem()
    for label in (key, plain):
        graphics.addItem(label)
        label.setText("a key as long as a line of text can be, and then some more")
    width, height = text_item(plain).boundingRect().width(), plain.minimumHeight()
    assert plain.minimumWidth() == width > 0  # pyqtgraph asks for the text's width...
    assert key.minimumWidth() == 0 and key.minimumHeight() == height > 0  # ...not here
    graphics.resize(200, 300)  # a resize sets the minimum again (updateMin)
    QApplication.processEvents()
    assert key.minimumWidth() == 0 and plain.minimumWidth() == width


def test_text_and_curve_items_are_the_ones_that_draw(graphics):
    label = pg.LabelItem("key text")
    assert "key text" in text_item(label).toHtml()
    data = pg.PlotDataItem(pen="k")
    data.setData([0.0, 1.0, 2.0], [3.0, 1.0, 2.0])
    x, y = curve_item(data).getData()
    assert isinstance(curve_item(data), pg.PlotCurveItem)
    assert list(x) == [0, 1, 2] and list(y) == [3, 1, 2]


PUBLIC_SUBMODULES = {"pyqtgraph", "pyqtgraph.exporters"}


def test_no_other_module_reaches_into_pyqtgraph():
    """Only pg_compat imports pyqtgraph's inner modules or reads an underscore
    attribute of an object that is not its own."""
    root = pathlib.Path(gui.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == pathlib.Path(pg_compat.__file__):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyqtgraph"):
                if node.module not in PUBLIC_SUBMODULES:
                    found.append(f"{path.name}: from {node.module} import")
            elif isinstance(node, ast.Import):
                found += [f"{path.name}: import {a.name}" for a in node.names
                          if a.name.startswith("pyqtgraph") and a.name not in PUBLIC_SUBMODULES]
            elif (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                  and not node.attr.startswith("__")
                  and not (isinstance(node.value, ast.Name)
                           and node.value.id in ("self", "cls", "os"))):
                found.append(f"{path.name}:{node.lineno}: ._{node.attr[1:]}")
    assert found == []
