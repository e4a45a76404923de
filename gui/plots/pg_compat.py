"""Every place the plots rely on pyqtgraph beyond its documented API.

pyqtgraph's private names (and its undocumented attributes and modules) may
change in any release, silently: an override that is no longer called, or an
attribute that is no longer read, raises nothing. So they are all here, each
saying what it relies on, and tests/test_pg_compat.py checks each against the
installed pyqtgraph: an upgrade that changes one fails a test instead of the
plots. pyproject.toml bounds pyqtgraph to the releases those tests passed on.

- ``QuietAxis``: overrides ``AxisItem._updateLabel``, calls ``_adjustSize``,
  clears ``picture`` and reads ``label`` (the label's QGraphicsTextItem); and
  rewrites what ``tickStrings`` returns.
- ``KeyLabel``: overrides ``LabelItem.updateMin``.
- ``LazyMenuViewBox``: replaces ``ViewBox.menu`` by a property, sets
  ``state["enableMenu"]`` and imports ``ViewBoxMenu`` from its module.
- ``Cursor``: overrides ``InfiniteLine.setPos`` using ``_boundingRect``,
  ``maxRange`` and ``p``.
- ``LineSegments``: ``pyqtgraph.Qt.internals.PrimitiveArray``.
- ``exporting``: ``GraphicsItem._exportOpts``.
- ``drop_export_menu``: ``GraphicsScene.contextMenu``.
- ``auto_button``: ``ButtonItem`` and ``icons``, which pyqtgraph does not export.
- ``text_item`` and ``curve_item``: ``LabelItem.item``, ``AxisItem.label`` and
  ``PlotDataItem.curve``, attributes its documentation does not name.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import icons
from pyqtgraph.graphicsItems.ButtonItem import ButtonItem
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QPointF


class QuietAxis(pg.AxisItem):
    """An AxisItem that lays out its label's HTML only when the label is shown and
    its text has changed.

    pyqtgraph sets the label again on every range, pen and text-pen change, shown
    or not; QGraphicsTextItem.setHtml parses and lays out the text each time, and
    the first time builds the item's text document.
    """

    def __init__(self, orientation, pen, text_pen):
        self._label_shown = False  # pyqtgraph shows the label when it gets a text
        self._html = None  # what the label holds
        super().__init__(orientation, pen=pen, textPen=text_pen)
        self.enableAutoSIPrefix(False)  # "loss (x0.001)" would confuse

    def showLabel(self, show=True):
        self._label_shown = show
        super().showLabel(show)
        self._updateLabel()

    def tickStrings(self, values, scale, spacing):
        """pyqtgraph's tick texts, with exponents as short as they read: "1e306",
        not "1e+306", so that huge and tiny values fit beside the axis title."""
        return [text.replace("e+", "e").replace("e-0", "e-") if "e" in text else text
                for text in super().tickStrings(values, scale, spacing)]

    def _updateLabel(self):
        if self._label_shown:
            html = self.labelString()
            if html != self._html:
                self._html = html
                self.label.setHtml(html)
                # pyqtgraph centres the label only on a resize; a longer text in an
                # axis of the same size ("iteration + 1 (log scale)") was left off-centre.
                self.resizeEvent()
        self._adjustSize()
        self.picture = None
        self.update()


class KeyLabel(pg.LabelItem):
    """A LabelItem that asks its layout for its text's height but for no width.

    A plot's key is fitted to the plots' width (gui/plots/plot_keys.py), but on a
    resize pyqtgraph lays out the plots before the keys are fitted again, and never
    again until the next resize: a key still as wide as before would keep the plots
    wider than a narrowed view, their right edge cut off.
    """

    def updateMin(self):
        super().updateMin()
        self.setMinimumWidth(0)


class LazyMenuViewBox(pg.ViewBox):
    """``ViewBox`` whose right-click ``menu`` is made on first access, then given to
    ``add_actions(menu)`` so the owner can add its own entries.

    pyqtgraph builds every ViewBox's menu (a QMenu with range, mouse-mode and export
    entries) in the constructor; the plots are built before the window's first
    frame, and a learner may never right-click them.
    """

    def __init__(self, add_actions=None, **kwargs):
        self._lazy_menu = None
        self._add_actions = add_actions
        super().__init__(enableMenu=False, **kwargs)  # no menu built here...
        self.state["enableMenu"] = True  # ...but one is offered on right-click

    @property
    def menu(self):
        state = getattr(self, "state", None)
        if self._lazy_menu is None and state is not None and state.get("enableMenu", True):
            self._lazy_menu = ViewBoxMenu(self)
            super().updateViewLists()
            if self._add_actions is not None:
                self._add_actions(self._lazy_menu)
        return self._lazy_menu

    @menu.setter
    def menu(self, value):
        self._lazy_menu = value

    def updateViewLists(self):
        # Called for every ViewBox when any named view appears or goes; a menu not
        # built yet gets the list when it is built.
        if self._lazy_menu is not None:
            super().updateViewLists()


class Cursor(pg.InfiniteLine):
    """A vertical, movable iteration line.

    InfiniteLine recomputes its bounding rect (in Python, from the view's
    rectangle) after every move. A vertical line's rect, in its own rotated
    coordinates, spans the view's height and a few pixels across, whatever its x:
    a move along x leaves it as it is, so only view changes recompute it here.
    """

    def __init__(self, **kwargs):
        super().__init__(0, angle=90, **kwargs)
        # Moves need no itemChange round trip into Python: the ViewBox it would tell
        # ignores this line's bounds (it is added with ignoreBounds).
        self.setFlag(self.GraphicsItemFlag.ItemSendsGeometryChanges, False)

    def setPos(self, pos):
        if self._boundingRect is None or isinstance(pos, (list, tuple, np.ndarray, QPointF)):
            super().setPos(pos)
            return
        x = float(pos)
        low, high = self.maxRange
        x = x if low is None else max(x, low)
        x = x if high is None else min(x, high)
        if self.p != [x, 0]:
            self.p = [x, 0]
            pg.GraphicsObject.setPos(self, QPointF(x, 0))
            self.sigPositionChanged.emit(self)


class LineSegments:
    """Segments between consecutive points, as ``QPainter.drawLines`` takes them,
    in one reused block of QLineF (PySide would otherwise build one Python object
    per segment)."""

    def __init__(self):
        self._array = PrimitiveArray(QLineF, 4)

    def draw_args(self, x, y):
        """``drawLines`` arguments for the polyline through (x, y)."""
        self._array.resize(max(len(x) - 1, 0))
        ends = self._array.ndarray()
        ends[:, 0], ends[:, 1] = x[:-1], y[:-1]
        ends[:, 2], ends[:, 3] = x[1:], y[1:]
        return self._array.drawargs()


def exporting(item):
    """Whether ``item`` is being drawn by one of pyqtgraph's exporters (which call
    ``setExportMode`` on every item first)."""
    return item._exportOpts is not False


def drop_export_menu(scene):
    """No "Export..." entry in the right-click menus of ``scene`` (a GraphicsScene)."""
    scene.contextMenu = []


def auto_button(parent):
    """PlotItem's "A" button (auto-range), 14 px, on ``parent``."""
    return ButtonItem(icons.getGraphPixmap("auto"), 14, parent)


def text_item(item):
    """The QGraphicsTextItem that draws a LabelItem's text, or an AxisItem's label."""
    return item.label if isinstance(item, pg.AxisItem) else item.item


def curve_item(data_item):
    """The PlotCurveItem that draws a PlotDataItem's line."""
    return data_item.curve
